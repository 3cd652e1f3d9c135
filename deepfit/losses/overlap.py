"""Overlap losses for segmentation: Dice and Tversky, one minus a soft overlap ratio of the
predicted and the true masks.

Example:
    >>> dice(torch.tensor([[1.0, 0.0]]), torch.tensor([[1.0, 0.0]]))
    <tf.Tensor: shape=(), dtype=float32, numpy=0.0>
"""

from __future__ import annotations

from typing import Any

import torch

from deepfit import config
from deepfit.backend.tensor import returns_for_user_in
from deepfit.identifiers import register
from deepfit.losses.loss import Loss, _OptionsLoss
from deepfit.losses.utils import _CLASSES, _FUNCTIONS, _float_tensor

Axis = int | tuple[int, ...] | list[int] | None


def _sum(x: torch.Tensor, axis: Axis) -> torch.Tensor:
    if axis is None:
        return x.sum()
    return x.sum(dim=tuple(axis) if isinstance(axis, (list, tuple)) else axis)


def _pair(y_true: Any, y_pred: Any) -> tuple[torch.Tensor, torch.Tensor]:
    pred = _float_tensor(y_pred)
    return torch.as_tensor(y_true, device=pred.device).to(pred.dtype), pred


@register(_FUNCTIONS)
def dice(y_true: Any, y_pred: Any, axis: Axis = None) -> torch.Tensor:
    """`1 - 2 * sum(y_true * y_pred) / (sum(y_true) + sum(y_pred) + epsilon)`.

    Args:
        y_true: the true masks.
        y_pred: the predicted masks (probabilities).
        axis: the axes summed over; None sums everything (one value for the batch).

    Returns:
        The loss, summed over `axis` (a scalar for `axis=None`).
    """
    y_true, y_pred = _pair(y_true, y_pred)
    overlap = _sum(y_true * y_pred, axis)
    return 1 - 2.0 * overlap / (_sum(y_true, axis) + _sum(y_pred, axis) + config.epsilon())


@register(_FUNCTIONS)
def tversky(y_true: Any, y_pred: Any, alpha: float = 0.5, beta: float = 0.5,
            axis: Axis = None) -> torch.Tensor:
    """`1 - tp / (tp + alpha * fp + beta * fn + epsilon)` with soft counts: `tp` the sum of
    `y_true * y_pred`, `fp` of `y_true * (1 - y_pred)`, `fn` of `(1 - y_true) * y_pred`
    (Keras's naming); alpha = beta = 0.5 is the Dice loss.

    Args:
        y_true: the true masks.
        y_pred: the predicted masks (probabilities).
        alpha: the weight of `fp`.
        beta: the weight of `fn`.
        axis: the axes summed over; None sums everything.

    Returns:
        The loss, summed over `axis`.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    tp = _sum(y_true * y_pred, axis)
    fp = _sum((1 - y_pred) * y_true, axis)
    fn = _sum(y_pred * (1 - y_true), axis)
    return 1 - tp / (tp + fp * alpha + fn * beta + config.epsilon())


@register(_CLASSES)
class Dice(_OptionsLoss):
    """`dice`, reduced.

    Args:
        reduction: see `Loss`.
        name: defaults to 'dice'.
        axis: the axes summed over (None: all, one value for the batch).
        dtype: see `Loss`.

    Example:
        >>> Dice(axis=(1,), reduction=None)([[1.0, 1.0]], [[1.0, 0.0]])
        <tf.Tensor: shape=(1,), dtype=float32, numpy=array([0.33333], dtype=float32)>
    """

    _fn = staticmethod(dice)

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        super().__init__(reduction, name, dtype, axis=axis)

    def get_config(self) -> dict[str, Any]:
        return {**Loss.get_config(self), "axis": self.axis}


@register(_CLASSES)
class Tversky(_OptionsLoss):
    """`tversky`, reduced.

    Args:
        alpha: the weight of false positives.
        beta: the weight of false negatives.
        reduction: see `Loss`.
        name: defaults to 'tversky'.
        axis: the axes summed over (None: all).
        dtype: see `Loss`.
    """

    _fn = staticmethod(tversky)

    def __init__(self, alpha=0.5, beta=0.5, reduction="sum_over_batch_size", name="tversky",
                 axis=None, dtype=None):
        super().__init__(reduction, name, dtype, alpha=alpha, beta=beta, axis=axis)

    def get_config(self) -> dict[str, Any]:
        return {**Loss.get_config(self), "alpha": self.alpha, "beta": self.beta,
                "axis": self.axis}


returns_for_user_in(globals(), [_FUNCTIONS])
