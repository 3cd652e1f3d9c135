"""Running a corpus program offline, on deepfit (`python -m deepfit run`) or on real Keras with
TensorFlow (or with torch, for a program written for that backend: the manifest's `backend`),
and reading its key numbers.

A run gets its own working folder with the program (where `{CORPUS_URL}` becomes the URL of
the local server holding the stand-in downloads), its own `$KERAS_HOME` (a copy of the
stand-in cache) and `$HOME`. The one thing a run changes beyond where data comes from: the
stand-in files cannot have the published sha256 of the real ones, so a `sitecustomize` (on
PYTHONPATH, only in these subprocesses) lets the hash check accept a file whose sha256 is one
of the generated files' (`standin_hashes.json`); any other file is still checked.

Key numbers: the metrics on the finished progress bar of the last epoch of the last `fit` that
printed one (`loss`, `accuracy`, `val_loss`, ...), and the numbers matched by the program's
`numbers` patterns in the manifest (for custom loops that print their own).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import pathlib
import re
import shutil
import subprocess
import sys
import threading
import time

from tests.corpus.manifest import PROGRAMS

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parents[1]
PROGRAM_DIR = HERE / "programs"
BAR = "━" * 5
KERAS_TF_PYTHON = os.environ.get("CORPUS_KERAS_PYTHON", "/work/main/.venv-peers/bin/python")

_SITECUSTOMIZE = """\
import hashlib
import json
import os

_hashes = os.environ.get("CORPUS_STANDIN_HASHES")


def _wrap(module):
    known = set(json.load(open(_hashes)))
    original = module.validate_file

    def validate_file(fpath, file_hash, *args, **kwargs):
        with open(fpath, "rb") as handle:
            if hashlib.sha256(handle.read()).hexdigest() in known:
                return True
        return original(fpath, file_hash, *args, **kwargs)

    module.validate_file = validate_file
    return validate_file


if _hashes and os.environ.get("CORPUS_ENGINE") == "keras":
    import keras.src.utils.file_utils

    _wrap(keras.src.utils.file_utils)
elif _hashes:
    import deepfit.datasets.storage
    import deepfit.utils.file_utils

    deepfit.datasets.storage.validate_file = _wrap(deepfit.utils.file_utils)

# The programs are unseeded; a fixed seed makes each engine's run repeatable, so a number
# that sits inside the band stays there from one CI run to the next.
if os.environ.get("CORPUS_ENGINE") == "keras":
    import keras

    keras.utils.set_random_seed(int(os.environ.get("CORPUS_SEED", "0")))
else:
    import deepfit

    deepfit.utils.set_random_seed(int(os.environ.get("CORPUS_SEED", "0")))
"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output clean
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):  # a reader that stops early is fine
        pass


@contextlib.contextmanager
def serve(folder: pathlib.Path):
    """Serve `folder` on 127.0.0.1; yields the base URL (no trailing slash)."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def prepare(name: str, workdir: pathlib.Path, data: pathlib.Path, url: str) -> pathlib.Path:
    """The program's working folder: the program, a copy of the stand-in Keras cache, a HOME,
    and the bootstrap sitecustomize."""
    workdir.mkdir(parents=True, exist_ok=True)
    source = (PROGRAM_DIR / f"{name}.py").read_text().replace("{CORPUS_URL}", url)
    (workdir / f"{name}.py").write_text(source)
    # hard links: the CIFAR-10 archive alone is 180 MB; loaders only read these files
    shutil.copytree(data / "keras_home", workdir / "keras_home", dirs_exist_ok=True,
                    copy_function=os.link)
    (workdir / "home").mkdir(exist_ok=True)
    for fname in PROGRAMS[name].get("files", ()):
        if (data / "served" / fname).is_dir():
            shutil.copytree(data / "served" / fname, workdir / fname, dirs_exist_ok=True)
        else:
            shutil.copy(data / "served" / fname, workdir / fname)
    (workdir / "bootstrap").mkdir(exist_ok=True)
    (workdir / "bootstrap" / "sitecustomize.py").write_text(_SITECUSTOMIZE)
    return workdir


def command(engine: str, name: str) -> list[str]:
    if engine == "deepfit":
        return [sys.executable, "-m", "deepfit", "run", f"{name}.py"]
    return [KERAS_TF_PYTHON, f"{name}.py"]


def environment(engine: str, name: str, workdir: pathlib.Path, data: pathlib.Path) -> dict:
    env = {key: value for key, value in os.environ.items()
           if key not in ("DISPLAY", "WAYLAND_DISPLAY", "PYTHONPATH")}
    paths = [str(workdir / "bootstrap")] + ([str(REPO)] if engine == "deepfit" else [])
    env.update({
        "KERAS_HOME": str(workdir / "keras_home"),
        "DEEPFIT_HOME": str(workdir / "deepfit_home"),
        "HOME": str(workdir / "home"),
        "MPLBACKEND": "Agg",
        "OMP_NUM_THREADS": "1",
        "TF_NUM_INTEROP_THREADS": "1",
        "TF_NUM_INTRAOP_THREADS": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        # a program written for one backend (it sets KERAS_BACKEND itself) runs on it
        "KERAS_BACKEND": PROGRAMS[name].get("backend", "tensorflow"),
        "DEEPFIT_DEVICE": "cpu",
        "PYTHONHASHSEED": "0",
        "CORPUS_ENGINE": engine,
        "CORPUS_STANDIN_HASHES": str(data / "standin_hashes.json"),
        "PYTHONPATH": os.pathsep.join(paths),
    })
    return env


def clean(stdout: str) -> str:
    """What a terminal would show: each line as left by its last carriage return or backspace
    run (Keras redraws its progress bar in place)."""
    lines = []
    for line in stdout.split("\n"):
        segments = [part for part in re.split(r"[\r\x08]+", line) if part.strip()]
        lines.append(segments[-1] if segments else "")
    return "\n".join(lines)


def epoch_logs(stdout: str) -> list[dict[str, float]]:
    """The metrics on each epoch's finished progress bar, or its `verbose=2` line (the last
    such line after each `Epoch N/M` line)."""
    logs = []
    blocks = re.split(r"^Epoch \d+/\d+$", stdout, flags=re.MULTILINE)
    # fit(epochs=1) prints no `Epoch 1/1` line: then every metric line counts
    for block in blocks[1:] or blocks:
        bars = [line for line in block.splitlines()
                if (BAR in line or re.match(r"^\d+/\d+ - ", line)) and ": " in line]
        if bars:
            found = re.findall(r"(\w+): (-?[\d.]+(?:e[-+]?\d+)?|nan|inf)", bars[-1])
            logs.append({key: float(value) for key, value in found})
    return logs


def key_numbers(name: str, stdout: str) -> dict[str, float]:
    """The last epoch's metrics of the last fit that printed a bar, and the manifest's
    `numbers` patterns (the last match of each)."""
    stdout = clean(stdout)
    logs = epoch_logs(stdout)
    numbers = dict(logs[-1]) if logs else {}
    for key, pattern in PROGRAMS[name].get("numbers", {}).items():
        found = re.findall(pattern, stdout, flags=re.MULTILINE)
        if found:
            numbers[key] = float(found[-1])
    return numbers


def last_error(stderr: str) -> str:
    """The exception line of a traceback (the last line that names an error)."""
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    for line in reversed(lines):
        if re.match(r"^[\w.]+(Error|Exception|Exit|Interrupt)\b", line):
            return line.strip()[:400]
    return (lines[-1].strip()[:400] if lines else "")


def run(engine: str, name: str, workdir: pathlib.Path, data: pathlib.Path, url: str,
        timeout: float = 240) -> dict:
    """Run one program; returns {returncode, seconds, numbers, error, stdout, stderr}."""
    prepare(name, workdir, data, url)
    start = time.perf_counter()
    try:
        done = subprocess.run(command(engine, name), cwd=workdir,
                              env=environment(engine, name, workdir, data), capture_output=True,
                              text=True, timeout=timeout)
        returncode, stdout, stderr = done.returncode, done.stdout, done.stderr
    except subprocess.TimeoutExpired as err:
        returncode = -9
        stdout = (err.stdout or b"").decode() if isinstance(err.stdout, bytes) else err.stdout
        stderr = f"TimeoutExpired: ran past {timeout} s"
    seconds = time.perf_counter() - start
    return {"returncode": returncode, "seconds": round(seconds, 1),
            "numbers": key_numbers(name, stdout or ""),
            "error": "" if returncode == 0 else last_error(stderr or ""),
            "stdout": stdout or "", "stderr": stderr or ""}


def within(name: str, key: str, ours: float, reference: float) -> bool:
    """Whether a deepfit number is close enough to Keras's for the same program. The runs are
    tiny, short and unseeded, so the bands are wide: they catch a model that does not learn
    or a metric computed differently, not small drifts. Accuracy-like metrics: within 0.2
    (0.3 for validation metrics, on a few dozen samples); losses and errors: within a factor
    of 2 either way, or 0.1 absolute. A program's `tolerance` entries override this."""
    tolerance = PROGRAMS[name].get("tolerance", {})
    if key in tolerance:
        return abs(ours - reference) <= tolerance[key]
    if any(word in key for word in ("acc", "auc", "precision", "recall")):
        return abs(ours - reference) <= (0.3 if key.startswith("val_") else 0.2)
    if abs(ours - reference) <= 0.1:
        return True
    return reference > 0 and ours > 0 and 0.5 <= ours / reference <= 2.0
