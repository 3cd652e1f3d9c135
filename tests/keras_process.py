"""Run real Keras (torch backend) in a separate process and bring back arrays.

The parity tests build the same model in deepfit and in Keras; Keras runs in its own process so
that nothing in deepfit's process (torch state, imports) can influence the reference numbers.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

_PRELUDE = """
import os, sys
import numpy as np
os.environ["KERAS_BACKEND"] = "torch"
import keras
from keras import layers, ops
inputs = dict(np.load(sys.argv[1], allow_pickle=False))
results = {}
"""

_EPILOGUE = """
np.savez(sys.argv[2], **{k: np.asarray(v) for k, v in results.items()})
"""


def keras_available() -> bool:
    """Whether real Keras can be imported (the `parity` extra)."""
    try:
        import importlib.util

        return importlib.util.find_spec("keras") is not None
    except ValueError:  # pragma: no cover
        return False


def run_keras(code: str, tmp_path: Path, **arrays: Any) -> dict[str, np.ndarray]:
    """Run `code` with Keras in a fresh process; it reads the NumPy `inputs` dict and fills the
    `results` dict, which comes back as arrays.

    Args:
        code: Python source using `keras`, `layers`, `ops`, `np`, `inputs` and `results`.
        tmp_path: a scratch folder for the exchanged files.
        **arrays: the arrays made available as `inputs[name]`.

    Returns:
        The `results` dict, each value a NumPy array.
    """
    if not keras_available():
        pytest.skip("the parity extra (keras) is not installed")
    source = tmp_path / "keras_reference.py"
    source.write_text(_PRELUDE + textwrap.dedent(code) + _EPILOGUE)
    given, returned = tmp_path / "inputs.npz", tmp_path / "results.npz"
    np.savez(given, **arrays)
    env = {**os.environ, "KERAS_BACKEND": "torch", "CUDA_VISIBLE_DEVICES": ""}
    done = subprocess.run([sys.executable, str(source), str(given), str(returned)],
                          capture_output=True, text=True, timeout=300, env=env)
    if done.returncode != 0:
        raise AssertionError(f"the Keras reference failed:\n{done.stderr[-3000:]}")
    return dict(np.load(returned))
