"""Run a Python script that uses real Keras (torch backend) without paying Keras's ~6 s import
each time: one server process per environment imports Keras once, then forks a child per
script, so every script starts from Keras's just-imported state in a process of its own.

Scripts for other Keras backends or another interpreter (TensorFlow and JAX start threads when
imported, which makes forking unsafe) run in a fresh interpreter, as `subprocess.run` does.

Example:
    >>> done = run_script(["snippet.py", "in.npz"], {**os.environ, "KERAS_BACKEND": "torch"})
    >>> done.returncode, done.stdout
"""

from __future__ import annotations

import atexit
import json
import os
import select
import signal
import subprocess
import sys
import tempfile

# Reads one JSON request per line ({"argv", "cwd", "env", "stdout", "stderr"}), runs the script
# in a forked child writing to those two files, and answers the child's exit code.
_SERVER = r"""
import json, os, runpy, sys, traceback
import numpy, keras
channel = os.fdopen(os.dup(1), "w")
for line in sys.stdin:
    request = json.loads(line)
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
            for fd, name in ((1, "stdout"), (2, "stderr")):
                os.dup2(os.open(request[name], os.O_WRONLY | os.O_CREAT | os.O_TRUNC), fd)
            os.chdir(request["cwd"])
            os.environ.clear()
            os.environ.update(request["env"])
            sys.argv = request["argv"]
            runpy.run_path(sys.argv[0], run_name="__main__")
            code = 0
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else int(stop.code is not None)
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    channel.write(json.dumps({"returncode": os.waitstatus_to_exitcode(status)}) + "\n")
    channel.flush()
"""

#: idle servers kept (one per distinct environment; tests that move $HOME get their own)
_KEEP = 2


class _Server:
    """One interpreter with Keras imported under `env`, forking a child per script."""

    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", _SERVER], env=env, text=True,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        start_new_session=True)

    def run(self, argv: list[str], env: dict[str, str],
            timeout: float) -> subprocess.CompletedProcess:
        with tempfile.TemporaryDirectory() as folder:
            out, err = os.path.join(folder, "stdout"), os.path.join(folder, "stderr")
            request = {"argv": argv, "cwd": os.getcwd(), "env": env, "stdout": out,
                       "stderr": err}
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
            ready, _, _ = select.select([self.process.stdout], [], [], timeout)
            answer = self.process.stdout.readline() if ready else ""
            if not answer:
                self.close()
                raise subprocess.TimeoutExpired(argv, timeout)
            with open(out) as stdout, open(err) as stderr:
                return subprocess.CompletedProcess(argv, json.loads(answer)["returncode"],
                                                   stdout.read(), stderr.read())

    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        if self.alive():
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


_servers: dict[tuple, _Server] = {}


def run_script(argv: list[str], env: dict[str, str], timeout: float = 300,
               python: str | None = None) -> subprocess.CompletedProcess:
    """Run the script `argv[0]` with arguments `argv[1:]` and environment `env`, like
    `subprocess.run([python, *argv], capture_output=True, text=True, ...)`.

    Args:
        argv: the script's path, then its arguments.
        env: the whole environment; `KERAS_BACKEND=torch` with `python=None` takes the server.
        timeout: seconds before `subprocess.TimeoutExpired` (the server is then killed).
        python: another interpreter (always a fresh process); None is this one.

    Returns:
        A `subprocess.CompletedProcess` with `returncode`, `stdout` and `stderr` as text.
    """
    if python is not None or env.get("KERAS_BACKEND") != "torch":
        return subprocess.run([python or sys.executable, *argv], capture_output=True,
                              text=True, timeout=timeout, env=env)
    key = tuple(sorted((k, v) for k, v in env.items() if k != "PYTEST_CURRENT_TEST"))
    server = _servers.pop(key, None)
    if server is None or not server.alive():
        server = _Server(env)
    while len(_servers) >= _KEEP:
        _servers.pop(next(iter(_servers))).close()
    done = server.run(argv, env, timeout)
    _servers[key] = server
    return done


@atexit.register
def _close_servers() -> None:
    for server in _servers.values():
        server.close()
