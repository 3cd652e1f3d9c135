"""Running tutorial scripts through `python -m deepfit run` on generated data, offline.

- `tutorial_home`: a cache folder (DEEPFIT_HOME, with KERAS_HOME and HOME beside it) holding a
  generated `mnist.npz` in Keras's layout and the four Fashion-MNIST files: small, learnable
  data (each class is a noisy copy of its own prototype image).
- `flowers_url`: a flower_photos.tgz of generated JPEGs served from 127.0.0.1.
- `tutorial(name, source)`: register a script; marked tests get `tutorial_run`, the finished
  `python -m deepfit run` subprocess (all selected scripts start together, a few at a time).

The one thing a test process changes beyond where data comes from: generated files cannot have
the real mnist.npz's sha256, so a `sitecustomize` (on PYTHONPATH, only in these subprocesses)
sets `deepfit.datasets.mnist.FILE_HASH` to the generated file's hash.
"""

from __future__ import annotations

import concurrent.futures
import functools
import gzip
import hashlib
import http.server
import io
import os
import pathlib
import re
import subprocess
import sys
import tarfile
import textwrap
import threading

import numpy as np
import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
BAR = "━" * 20
_SITECUSTOMIZE = """\
import os

_digest = os.environ.get("DEEPFIT_TEST_MNIST_SHA256")
if _digest:
    import deepfit.datasets.mnist as _mnist

    _mnist.FILE_HASH = _digest

    import deepfit

    deepfit.utils.set_random_seed(0)  # the scripts are unseeded: the same run every time
"""


def learnable_images(rng: np.random.Generator, prototypes: np.ndarray,
                     count: int) -> tuple[np.ndarray, np.ndarray]:
    """uint8 images whose class is easy to learn (a noisy copy of the class's prototype), and
    their uint8 labels."""
    classes, shape = len(prototypes), prototypes.shape[1:]
    labels = np.arange(count) % classes
    rng.shuffle(labels)
    noisy = prototypes[labels] + rng.normal(0, 40, (count, *shape))
    return np.clip(noisy, 0, 255).astype(np.uint8), labels.astype(np.uint8)


def idx_bytes(array: np.ndarray, labels: bool) -> bytes:
    """A gzipped IDX file (Fashion-MNIST's format)."""
    header = [2049 if labels else 2051, len(array), *array.shape[1:]]
    raw = np.array(header, dtype=">u4").tobytes() + array.astype(np.uint8).tobytes()
    return gzip.compress(raw)


@pytest.fixture(scope="session")
def tutorial_home(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Cache folders with generated MNIST (600 train / 100 test) and Fashion-MNIST files."""
    root = tmp_path_factory.mktemp("tutorial_home")
    datasets = root / "deepfit_home" / "datasets"
    (datasets / "fashion-mnist").mkdir(parents=True)
    (root / "keras_home").mkdir()
    (root / "home").mkdir()
    rng = np.random.default_rng(0)
    digits = rng.integers(0, 256, (10, 28, 28))
    x_train, y_train = learnable_images(rng, digits, 600)
    x_test, y_test = learnable_images(rng, digits, 100)
    np.savez(datasets / "mnist.npz", x_train=x_train, y_train=y_train, x_test=x_test,
             y_test=y_test)
    clothes = rng.integers(0, 256, (10, 28, 28))
    fashion = dict(zip(("x_train", "y_train"), learnable_images(rng, clothes, 600)))
    fashion.update(zip(("x_test", "y_test"), learnable_images(rng, clothes, 100)))
    names = {"y_train": "train-labels-idx1-ubyte.gz", "x_train": "train-images-idx3-ubyte.gz",
             "y_test": "t10k-labels-idx1-ubyte.gz", "x_test": "t10k-images-idx3-ubyte.gz"}
    for key, name in names.items():
        (datasets / "fashion-mnist" / name).write_bytes(
            idx_bytes(fashion[key], labels=key.startswith("y")))
    bootstrap = root / "bootstrap"
    bootstrap.mkdir()
    (bootstrap / "sitecustomize.py").write_text(_SITECUSTOMIZE)
    digest = hashlib.sha256((datasets / "mnist.npz").read_bytes()).hexdigest()
    return {"root": root, "deepfit_home": root / "deepfit_home", "bootstrap": bootstrap,
            "mnist_sha256": digest, "mnist": ((x_train, y_train), (x_test, y_test))}


def tutorial_env(home: dict) -> dict:
    env = dict(os.environ)
    env.update({
        "DEEPFIT_HOME": str(home["deepfit_home"]),
        "KERAS_HOME": str(home["root"] / "keras_home"),
        "HOME": str(home["root"] / "home"),
        "MPLBACKEND": "Agg",
        "DEEPFIT_DEVICE": "cpu",
        "OMP_NUM_THREADS": "1",  # scripts run two at a time, on a machine with few cores
        "DEEPFIT_TEST_MNIST_SHA256": home["mnist_sha256"],
        "PYTHONPATH": os.pathsep.join([str(home["bootstrap"]), str(REPO)]),
    })
    for name in ("DISPLAY", "WAYLAND_DISPLAY"):
        env.pop(name, None)
    return env


_SCRIPTS: dict[str, dict] = {}


def corpus_program(name: str) -> str:
    """The corpus's copy of an official program, tests/corpus/programs/<name>.py (code verbatim
    but for its `# corpus:` lines): one copy for the corpus and these tests."""
    return (REPO / "tests" / "corpus" / "programs" / f"{name}.py").read_text()


def tutorial(name: str, source: str, args: tuple = (), cost: float = 1.0) -> pytest.MarkDecorator:
    """Register a script to run and return the marker tying a test to its result.

    Args:
        name: the script's file name, e.g. 'mnist_mlp.py'.
        source: its text; '{flowers_url}' is replaced by the local flower_photos.tgz URL.
        args: its command-line arguments.
        cost: relative run time; the costliest scripts start first.
    """
    _SCRIPTS[name] = {"source": textwrap.dedent(source), "args": tuple(args), "cost": cost}
    return pytest.mark.tutorial(name)


def tutorial_if_provided(namespace: str, names: list[str], *args, **kwargs):
    """`tutorial(*args, **kwargs)`, or a skip naming the keras.<namespace> names deepfit does
    not have yet (for scripts that need layers or callbacks colleagues are still writing)."""
    from deepfit.compat import keras

    missing = [name for name in names if name not in dir(getattr(keras, namespace))]
    if missing:
        return pytest.mark.skip(reason=f"deepfit has no keras.{namespace}.{missing} yet")
    return tutorial(*args, **kwargs)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "tutorial(name): the test checks the run of a script "
                                       "registered with conftest.tutorial()")


def _run_script(name: str, workdir: pathlib.Path, env: dict, flowers_url: str):
    spec = _SCRIPTS[name]
    (workdir / name).write_text(spec["source"].replace("{flowers_url}", flowers_url))
    command = [sys.executable, "-m", "deepfit", "run", name, *spec["args"]]
    result = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True,
                            timeout=280)
    return result, workdir


@pytest.fixture(scope="session")
def tutorial_runs(request: pytest.FixtureRequest, tutorial_home: dict, flowers_url: str,
                  tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Every selected test's script, started together in subprocesses (a few at a time: most
    of a run is Python starting up and importing torch, which overlaps well)."""
    wanted = [item.get_closest_marker("tutorial").args[0] for item in request.session.items
              if item.get_closest_marker("tutorial") is not None]
    names = sorted(dict.fromkeys(wanted), key=lambda n: -_SCRIPTS[n]["cost"])
    env = tutorial_env(tutorial_home)
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=2)
    futures = {name: pool.submit(_run_script, name, tmp_path_factory.mktemp(name[:-3]), env,
                                 flowers_url) for name in names}
    yield futures
    pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture()
def tutorial_run(request: pytest.FixtureRequest, tutorial_runs: dict):
    """(CompletedProcess, working folder) of the script named by the test's marker."""
    name = request.node.get_closest_marker("tutorial").args[0]
    return tutorial_runs[name].result()


def assert_ran(result: subprocess.CompletedProcess) -> None:
    """The script exited with 0; otherwise show what it printed."""
    assert result.returncode == 0, (
        f"exit status {result.returncode}\n--- stdout ---\n{result.stdout[-4000:]}\n"
        f"--- stderr ---\n{result.stderr[-6000:]}")


def epoch_logs(stdout: str) -> list[dict[str, float]]:
    """The metrics on each epoch's finished progress bar (the first bar line after each
    `Epoch N/M` line; callbacks may print in between)."""
    logs = []
    for block in re.split(r"^Epoch \d+/\d+$", stdout, flags=re.MULTILINE)[1:]:
        bar = next((line for line in block.splitlines() if BAR in line), None)
        if bar is not None:
            parts = bar.split(" - ")[1:]
            logs.append({key: float(value) for key, value in
                         (part.split(": ") for part in parts if ": " in part)})
    return logs


# ----------------------------------------------------------------- flowers, served locally
class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output clean
        pass


def flowers_archive(rng: np.random.Generator, per_class: int = 4) -> bytes:
    """flower_photos.tgz with five class folders of small generated JPEGs."""
    from PIL import Image

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for k, flower in enumerate(["daisy", "dandelion", "roses", "sunflowers", "tulips"]):
            for i in range(per_class):
                color = np.array([60 * k, 255 - 50 * k, 40 * i], dtype=float)
                pixels = color + rng.normal(0, 20, (40, 48, 3))
                image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
                data = io.BytesIO()
                image.save(data, format="JPEG")
                info = tarfile.TarInfo(f"flower_photos/{flower}/{flower}_{i}.jpg")
                info.size = len(data.getvalue())
                tar.addfile(info, io.BytesIO(data.getvalue()))
    return buffer.getvalue()


@pytest.fixture(scope="session")
def flowers_url(tmp_path_factory: pytest.TempPathFactory):
    """The URL of a generated flower_photos.tgz on a local HTTP server."""
    served = tmp_path_factory.mktemp("served")
    (served / "flower_photos.tgz").write_bytes(flowers_archive(np.random.default_rng(0)))
    handler = functools.partial(_QuietHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/flower_photos.tgz"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
