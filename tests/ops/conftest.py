"""The Keras oracle of the op tables, run once per session for both tables."""

from __future__ import annotations

import importlib.util
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
TABLES = ("op_cases", "more_op_cases")


@pytest.fixture(scope="session")
def keras_tables(tmp_path_factory) -> dict:
    """{table module name: Keras's results of that table} (real Keras, torch backend, in a
    separate process)."""
    if importlib.util.find_spec("keras") is None:
        pytest.skip("real Keras is not installed (pip install deepfit[parity])")
    out = tmp_path_factory.mktemp("oracle") / "keras.pkl"
    env = {**os.environ, "KERAS_BACKEND": "torch", "CUDA_VISIBLE_DEVICES": ""}
    env.pop("PYTHONPATH", None)
    done = subprocess.run([sys.executable, str(HERE / "keras_oracle.py"), str(out), *TABLES],
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    with open(out, "rb") as handle:
        return pickle.load(handle)["results"]
