"""Run specs in a Keras process, then in deepfit, and compare.

The Keras side runs `tests.difftest.keras_side` in one separate, long-lived interpreter
(`DIFFTEST_PYTHON`, default: this one) with `KERAS_BACKEND=torch`; it streams each spec's
result as soon as it is done, so deepfit runs a spec while Keras runs the next ones. Should the
Keras process die, the spec it was running is reported as a Keras error (stage
`keras_process`) and a new process carries on with the rest.

Both sides run torch on one thread: these models are tiny, and on a shared machine a second
intra-op thread makes them up to 8x slower (it spins waiting for a busy core).

Example:
    >>> from tests.difftest.generator import generate_many
    >>> report = run_specs(generate_many(0, 2))  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import select
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import Any

from tests.difftest.build import run_spec
from tests.difftest.compare import compare

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

#: Seconds one spec may take in Keras before its process counts as hung.
SPEC_TIMEOUT = 600.0


def keras_available(python: str | None = None) -> bool:
    """Whether the interpreter can import Keras with the torch backend."""
    done = subprocess.run([python or keras_python(), "-c", "import keras"], env=_env(),
                          capture_output=True, timeout=300)
    return done.returncode == 0


def keras_python() -> str:
    return os.environ.get("DIFFTEST_PYTHON", sys.executable)


def _env() -> dict:
    env = dict(os.environ, KERAS_BACKEND="torch", CUDA_VISIBLE_DEVICES="",
               OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return env


class KerasProcessDied(RuntimeError):
    """The Keras process ended (or hung) before streaming every result."""


def _read_exactly(stream: Any, size: int, deadline: float) -> bytes:
    data = b""
    while len(data) < size:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([stream], [], [], left)[0]:
            raise KerasProcessDied(f"no result within {SPEC_TIMEOUT:.0f} s")
        chunk = os.read(stream.fileno(), size - len(data))
        if not chunk:
            raise KerasProcessDied("the Keras process ended")
        data += chunk
    return data


def _stream_once(specs: list[dict], python: str | None) -> Iterator[dict]:
    """Frames from one Keras process over `specs`, in order; raises KerasProcessDied with the
    tail of its standard error if it stops early."""
    with tempfile.TemporaryDirectory() as tmp:
        specs_path = os.path.join(tmp, "specs.json")
        with open(specs_path, "w") as f:
            json.dump(specs, f)
        with open(os.path.join(tmp, "stderr"), "w+") as errors:
            process = subprocess.Popen(
                [python or keras_python(), "-m", "tests.difftest.keras_side", specs_path],
                env=_env(), cwd=ROOT, stdout=subprocess.PIPE, stderr=errors)
            try:
                for _ in specs:
                    try:
                        deadline = time.monotonic() + SPEC_TIMEOUT
                        size = struct.unpack(">Q", _read_exactly(process.stdout, 8, deadline))[0]
                        yield pickle.loads(_read_exactly(process.stdout, size, deadline))
                    except KerasProcessDied as died:
                        errors.seek(0)
                        raise KerasProcessDied(f"{died}:\n{errors.read()[-3000:]}") from None
                process.wait(timeout=60)
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait()
                process.stdout.close()


def stream_keras(specs: list[dict], python: str | None = None,
                 restarts: int = 5) -> Iterator[tuple[dict, dict, float]]:
    """`(spec, Keras's result, Keras's seconds)` for each spec, in order, as Keras finishes
    them. A spec whose process dies (once a first spec ran) gets
    `{"error": {"stage": "keras_process", ...}}` and the rest run in a new process (at most
    `restarts` times)."""
    left, started = list(specs), False
    while left:
        done = 0
        try:
            for frame in _stream_once(left, python):
                started = True
                yield left[done], frame["result"], frame["seconds"]
                done += 1
            return
        except KerasProcessDied as died:
            if restarts <= 0 or not started:  # not even one spec: Keras cannot run at all
                raise
            restarts -= 1
            error = {"stage": "keras_process", "type": "KerasProcessDied",
                     "message": str(died)[:500], "trace": str(died)[-1500:]}
            yield left[done], {"error": error}, 0.0
            left = left[done + 1:]


def run_keras(specs: list[dict], python: str | None = None) -> dict:
    """`{spec id: result}` from real Keras for `specs`, in one separate process."""
    return {spec["id"]: result for spec, result, _ in stream_keras(specs, python)}


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """torch on one intra-op thread inside the block (these models are tiny), restored after."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def run_ours(spec: dict, theirs: dict) -> dict:
    """deepfit's results for `spec`, starting from Keras's initial weights."""
    import deepfit
    from deepfit.compat import keras as K

    deepfit.utils.set_random_seed(spec["seed"])
    K.backend.clear_session(free_memory=False)  # as the Keras side: fresh automatic names
    initial = theirs.get("initial_weights")
    return run_spec(K, spec, initial_weights=initial)


def run_specs(specs: list[dict]) -> dict[str, Any]:
    """Compare every spec; `{spec id: list of differences}` (empty lists: agreement)."""
    report: dict[str, Any] = {}
    with one_thread():
        for spec, theirs, _ in stream_keras(specs):
            report[spec["id"]] = compare(spec, theirs, run_ours(spec, theirs))
    return report
