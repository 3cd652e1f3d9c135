"""Run a snippet of real Keras (torch backend) in a separate process and get its results.

Why a process: Keras and deepfit must not share one interpreter's global state (torch settings,
module hooks) when one is the oracle of the other. The process is forked from one that has
already imported Keras (tests/keras_fork_server.py), except for other backends and interpreters.

Example:
    >>> out = run_keras('''
    ... model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    ... result["weights"] = model.get_weights()[0]
    ... ''')
    >>> out["weights"].shape
    (3, 1)
"""

from __future__ import annotations

import json
import os
import tempfile
import textwrap
from typing import Any

import numpy as np
import pytest

from tests.keras_fork_server import run_script

_PRELUDE = """
import json, sys
import numpy as np
import keras
inputs = dict(np.load(sys.argv[1], allow_pickle=False))
result = {}
"""
_EPILOGUE = """
def _array_list(value):
    return isinstance(value, list) and value and all(isinstance(v, np.ndarray) for v in value)
arrays = {k: np.asarray(v) for k, v in result.items() if not isinstance(v, (list, dict, str))}
for key, value in result.items():
    if _array_list(value):
        arrays.update({f"{key}__{i}": v for i, v in enumerate(value)})
plain = {k: v for k, v in result.items()
         if isinstance(v, (list, dict, str)) and not _array_list(v)}
np.savez(sys.argv[2], **arrays)
with open(sys.argv[3], "w") as handle:
    json.dump(plain, handle, default=float)
"""


def keras_available() -> bool:
    """Whether real Keras can be imported by this interpreter."""
    try:
        import importlib.util

        return importlib.util.find_spec("keras") is not None
    except (ImportError, ValueError):
        return False


def run_keras(code: str, timeout: float = 300, python: str | None = None,
              backend: str = "torch", **arrays: np.ndarray) -> dict[str, Any]:
    """Run `code` with `keras`, `np` and `inputs` (the given arrays) defined; whatever it puts
    into the dict `result` comes back (arrays and lists of arrays as NumPy, other lists, dicts
    and strings through JSON). `python` and `backend` pick another interpreter and Keras
    backend (e.g. the peers' venv with JAX, for what Keras's torch backend refuses).

    Skips the calling test when Keras is not installed.
    """
    if python is None and not keras_available():
        pytest.skip("the parity extra (keras) is not installed")
    with tempfile.TemporaryDirectory() as folder:
        given = os.path.join(folder, "inputs.npz")
        out_arrays = os.path.join(folder, "out.npz")
        out_plain = os.path.join(folder, "out.json")
        script = os.path.join(folder, "snippet.py")
        np.savez(given, **arrays)
        with open(script, "w") as handle:
            handle.write(_PRELUDE + textwrap.dedent(code) + _EPILOGUE)
        env = {**os.environ, "KERAS_BACKEND": backend, "CUDA_VISIBLE_DEVICES": ""}
        env.pop("PYTHONPATH", None)
        done = run_script([script, given, out_arrays, out_plain], env, timeout, python)
        if done.returncode != 0:
            raise AssertionError(f"the Keras snippet failed:\n{done.stderr[-4000:]}")
        found: dict[str, Any] = {}
        lists: dict[str, dict[int, np.ndarray]] = {}
        for key, value in np.load(out_arrays, allow_pickle=False).items():
            name, _, index = key.rpartition("__")
            if name and index.isdigit():
                lists.setdefault(name, {})[int(index)] = value
            else:
                found[key] = value
        found.update({name: [parts[i] for i in sorted(parts)] for name, parts in lists.items()})
        with open(out_plain) as handle:
            found.update(json.load(handle))
    return found
