"""A local HTTP server on 127.0.0.1 (no network needed) and isolated cache folders."""

import functools
import hashlib
import http.server
import io
import socket
import struct
import threading
from pathlib import Path

import pytest


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass

    def do_GET(self):
        self.server.requests.append(self.path)
        if self.path.startswith("/drop/"):
            return self._drop_half_way(self.path[len("/drop/"):])
        if self.path.startswith("/chunked-drop/"):
            return self._chunked_drop(self.path[len("/chunked-drop/"):])
        if self.path.startswith("/reset/"):
            return self._reset_half_way(self.path[len("/reset/"):])
        return super().do_GET()

    def _chunked_drop(self, name):
        """No Content-Length (chunked framing); the connection closes mid-body."""
        body = (Path(self.directory) / name).read_bytes()
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        half = body[: len(body) // 2]
        self.wfile.write(f"{len(half):x}\r\n".encode() + half + b"\r\n")
        self.wfile.write(f"{len(half):x}\r\n".encode() + half[:100])  # cut inside a chunk
        self.wfile.flush()
        self.close_connection = True

    def _reset_half_way(self, name):
        """No Content-Length, no framing; the connection is reset (RST) half-way."""
        body = (Path(self.directory) / name).read_bytes()
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                   struct.pack("ii", 1, 0))
        self.wfile.close()
        self.rfile.close()
        self.connection.close()  # linger 0: an RST, not an orderly end of the body
        self.wfile, self.rfile = io.BytesIO(), io.BytesIO()
        self.close_connection = True

    def _drop_half_way(self, name):
        body = (Path(self.directory) / name).read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()
        self.close_connection = True


class LocalServer:
    def __init__(self, root: Path):
        self.root = root
        handler = functools.partial(_Handler, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.requests = []
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def requests(self):
        return self.httpd.requests

    def add(self, name: str, data: bytes) -> str:
        """Serve `data` as /name; returns its sha256."""
        (self.root / name).write_bytes(data)
        return hashlib.sha256(data).hexdigest()

    def stop(self):
        if self.thread.is_alive():
            self.httpd.shutdown()
            self.httpd.server_close()
            self.thread.join(timeout=5)


@pytest.fixture()
def server(tmp_path):
    root = tmp_path / "served"
    root.mkdir()
    local = LocalServer(root)
    yield local
    local.stop()


@pytest.fixture()
def closed_port_url():
    """A URL on 127.0.0.1 where nothing listens: connections are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture()
def homes(tmp_path, monkeypatch):
    """Fresh DEEPFIT_HOME, HOME (for ~/.keras) and no KERAS_HOME."""
    deepfit_home = tmp_path / "deepfit_home"
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("DEEPFIT_HOME", str(deepfit_home))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("KERAS_HOME", raising=False)
    return {"deepfit": deepfit_home, "home": home}
