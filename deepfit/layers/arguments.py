"""Checks of layer constructor arguments shared by several layers."""

from __future__ import annotations

import operator
from typing import Any


def positive_int(layer: str, name: str, value: Any) -> int:
    """`value` as a Python int if it is a positive integer — an int, a NumPy integer, or a 0-d
    integer array or tensor (what `tf.math.reduce_prod(shape)` gives a tutorial) — else a
    ValueError naming the layer and the argument.

    Example:
        >>> import numpy as np
        >>> positive_int("Dense", "units", np.prod([28, 28]))
        784
    """
    integer = None
    if not isinstance(value, bool):
        try:
            integer = operator.index(value)
        except TypeError:
            integer = None
    if integer is None or integer <= 0:
        raise ValueError(f"{layer}: {name} must be a positive int, received {value!r}")
    return integer
