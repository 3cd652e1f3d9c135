"""Crossentropy chosen from the shapes of the targets and predictions (Keras's compile rule)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from deepfit.identifiers import register
from deepfit.losses.functions import (
    binary_crossentropy,
    categorical_crossentropy,
    sparse_categorical_crossentropy,
)
from deepfit.losses.loss import Loss
from deepfit.losses.utils import _CLASSES


def is_binary_or_sparse_categorical(y_true: Any, y_pred: Any) -> tuple[bool, bool]:
    """Keras's compile-time rule: (binary?, sparse categorical?) from the two shapes.

    Binary when y_pred's last dimension is 1; sparse when y_true has a lower rank than
    y_pred, or y_true's last dimension is 1 while y_pred's is larger.

    Args:
        y_true: labels (a tensor, an array, or a shape tuple).
        y_pred: predictions (a tensor, an array, or a shape tuple).

    Returns:
        `(is_binary, is_sparse_categorical)`.

    Example:
        >>> is_binary_or_sparse_categorical((8,), (8, 10))
        (False, True)
    """
    true_shape, pred_shape = _shape_of(y_true, "y_true"), _shape_of(y_pred, "y_pred")
    true_last = true_shape[-1] if true_shape else None
    pred_last = pred_shape[-1] if pred_shape else None
    is_binary = pred_last == 1
    is_sparse = len(true_shape) < len(pred_shape) or (
        true_last == 1 and pred_last is not None and pred_last > 1
    )
    return is_binary, is_sparse


def _shape_of(x: Any, argument: str) -> tuple[int, ...]:
    if hasattr(x, "shape"):
        return tuple(x.shape)
    if isinstance(x, (tuple, list, torch.Size)) and all(isinstance(d, int) for d in x):
        return tuple(x)
    raise TypeError(
        f"{argument}: expected a tensor, an array or a shape tuple, received "
        f"{type(x).__name__}"
    )


def resolve_crossentropy(y_true: Any, y_pred: Any) -> Callable:
    """The crossentropy function Keras picks for 'crossentropy'/'ce' from the shapes.

    Args:
        y_true: labels (tensor, array or shape).
        y_pred: predictions (tensor, array or shape).

    Returns:
        `binary_crossentropy`, `sparse_categorical_crossentropy` or
        `categorical_crossentropy`.

    Example:
        >>> resolve_crossentropy((8,), (8, 3)).__name__
        'sparse_categorical_crossentropy'
    """
    is_binary, is_sparse = is_binary_or_sparse_categorical(y_true, y_pred)
    if is_binary:
        return binary_crossentropy
    return sparse_categorical_crossentropy if is_sparse else categorical_crossentropy


@register(_CLASSES)
class AutoCrossentropy(Loss):
    """'crossentropy' / 'ce' (a deepfit extension): the crossentropy Keras's compile would pick
    for the shapes (see `resolve_crossentropy`), decided at each call at no device cost.

    Args:
        name: defaults to 'auto_crossentropy'; `get('ce')` names it 'ce'.
        reduction: see `Loss`.
        dtype: see `Loss`.

    Example:
        >>> AutoCrossentropy()(torch.tensor([1]), torch.tensor([[0.5, 0.5]]))
        tensor(0.6931)
    """

    def call(self, y_true: Any, y_pred: torch.Tensor) -> torch.Tensor:
        return resolve_crossentropy(y_true, y_pred)(y_true, y_pred)
