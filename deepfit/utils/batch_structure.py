"""Keras's helpers for the `(x, y, sample_weight)` structure of a batch, as custom
`train_step`s use them.

Example:
    >>> pack_x_y_sample_weight([1, 2], [0, 1])
    ([1, 2], [0, 1])
    >>> unpack_x_y_sample_weight(([1, 2], [0, 1]))
    ([1, 2], [0, 1], None)
"""

from __future__ import annotations

from typing import Any

from deepfit.trainer.data_adapter import unpack_x_y_sample_weight

__all__ = ["pack_x_y_sample_weight", "unpack_x_y_sample_weight"]


def pack_x_y_sample_weight(x: Any, y: Any = None, sample_weight: Any = None) -> Any:
    """The batch structure `fit` reads: `x` alone, `(x, y)` or `(x, y, sample_weight)`.

    Args:
        x: the inputs.
        y: the targets, or None.
        sample_weight: the sample weights, or None.

    Returns:
        `x` (as `(x,)` when `x` is itself a tuple or list, so that it stays one element),
        `(x, y)` or `(x, y, sample_weight)`.
    """
    if y is None:
        return (x,) if isinstance(x, (tuple, list)) else x
    if sample_weight is None:
        return x, y
    return x, y, sample_weight
