"""Run specs in a Keras process, then in deepfit, and compare.

The Keras side runs `tests.difftest.keras_side` in a separate interpreter (`DIFFTEST_PYTHON`,
default: this one) with `KERAS_BACKEND=torch`, many specs per process.

Example:
    >>> from tests.difftest.generator import generate_many
    >>> report = run_specs(generate_many(0, 2))  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import tempfile
from typing import Any

from tests.difftest.build import run_spec
from tests.difftest.compare import compare

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def keras_available(python: str | None = None) -> bool:
    """Whether the interpreter can import Keras with the torch backend."""
    done = subprocess.run([python or keras_python(), "-c", "import keras"], env=_env(),
                          capture_output=True, timeout=300)
    return done.returncode == 0


def keras_python() -> str:
    return os.environ.get("DIFFTEST_PYTHON", sys.executable)


def _env() -> dict:
    env = dict(os.environ, KERAS_BACKEND="torch", CUDA_VISIBLE_DEVICES="")
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return env


def run_keras(specs: list[dict], python: str | None = None, timeout: float = 3600) -> dict:
    """`{spec id: result}` from real Keras for `specs`, in one separate process."""
    with tempfile.TemporaryDirectory() as tmp:
        specs_path, results_path = os.path.join(tmp, "specs.json"), os.path.join(tmp, "r.pkl")
        with open(specs_path, "w") as f:
            json.dump(specs, f)
        done = subprocess.run([python or keras_python(), "-m", "tests.difftest.keras_side",
                               specs_path, results_path], env=_env(), cwd=ROOT,
                              capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"the Keras process failed:\n{done.stderr[-3000:]}")
        with open(results_path, "rb") as f:
            return pickle.load(f)["results"]


def run_ours(spec: dict, theirs: dict) -> dict:
    """deepfit's results for `spec`, starting from Keras's initial weights."""
    import deepfit
    from deepfit.compat import keras as K

    deepfit.utils.set_random_seed(spec["seed"])
    initial = theirs.get("initial_weights")
    return run_spec(K, spec, initial_weights=initial)


def run_specs(specs: list[dict], chunk: int = 100) -> dict[str, Any]:
    """Compare every spec; `{spec id: list of differences}` (empty lists: agreement)."""
    report: dict[str, Any] = {}
    for start in range(0, len(specs), chunk):
        part = specs[start:start + chunk]
        theirs = run_keras(part)
        for spec in part:
            report[spec["id"]] = compare(spec, theirs[spec["id"]],
                                         run_ours(spec, theirs[spec["id"]]))
    return report
