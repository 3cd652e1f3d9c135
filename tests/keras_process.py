"""Run real Keras (torch backend) in a separate process with `layers`, `ops` and a `results`
dict predefined, and bring back every result as a NumPy array.

A thin spelling of `tests.trainer.keras_process.run_keras` for the parity tests written
against it; that module does the process, the files and the skip when Keras is missing.
"""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np

from tests.trainer.keras_process import keras_available
from tests.trainer.keras_process import run_keras as _run_snippet

__all__ = ["keras_available", "run_keras"]

_NAMES = "from keras import layers, ops\nresults = result\n"


def run_keras(code: str, **arrays: Any) -> dict[str, np.ndarray]:
    """Run `code` with Keras in a fresh process; it reads the NumPy `inputs` dict and fills the
    `results` dict, which comes back as arrays.

    Args:
        code: Python source using `keras`, `layers`, `ops`, `np`, `inputs` and `results`.
        **arrays: the arrays made available as `inputs[name]`.

    Returns:
        The `results` dict, each value a NumPy array.
    """
    found = _run_snippet(_NAMES + textwrap.dedent(code), **arrays)
    return {key: np.asarray(value) for key, value in found.items()}
