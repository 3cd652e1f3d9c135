"""Correlation metrics: the running mean over batches of Pearson's and Lin's concordance
correlation coefficients, each computed along `axis` within a sample.

Example:
    >>> pearson_correlation([[1.0, 2.0, 3.0]], [[2.0, 4.0, 7.0]])
    <tf.Tensor: shape=(1,), dtype=float32, numpy=array([0.99339927], dtype=float32)>
"""

from __future__ import annotations

from typing import Any

import torch

from deepfit import config
from deepfit.backend.tensor import returns_for_user_in
from deepfit.identifiers import register
from deepfit.losses import _float_tensor, squeeze_or_expand_to_same_rank
from deepfit.metrics.base import _FnMetric
from deepfit.metrics.utils import _FUNCTIONS, _register_class


def _pair(y_true: Any, y_pred: Any) -> tuple[torch.Tensor, torch.Tensor]:
    pred = _float_tensor(y_pred)
    true = torch.as_tensor(y_true, device=pred.device).to(pred.dtype)
    return squeeze_or_expand_to_same_rank(true, pred)


@register(_FUNCTIONS)
def pearson_correlation(y_true: Any, y_pred: Any, axis: int = -1) -> torch.Tensor:
    """Pearson's correlation coefficient of `y_true` and `y_pred` along `axis`.

    Args:
        y_true: the targets.
        y_pred: the predictions, same shape.
        axis: the axis the coefficient is computed over.

    Returns:
        One coefficient per position of the other axes.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    true = y_true - y_true.mean(dim=axis, keepdim=True)
    pred = y_pred - y_pred.mean(dim=axis, keepdim=True)
    true = true / true.std(dim=axis, keepdim=True, correction=0)
    pred = pred / pred.std(dim=axis, keepdim=True, correction=0)
    return (true * pred).mean(dim=axis)


@register(_FUNCTIONS)
def concordance_correlation(y_true: Any, y_pred: Any, axis: int = -1) -> torch.Tensor:
    """Lin's concordance correlation coefficient along `axis`, as Keras computes it (its
    covariance term centres `y_true` on the mean of `y_pred`).

    Args:
        y_true: the targets.
        y_pred: the predictions, same shape.
        axis: the axis the coefficient is computed over.

    Returns:
        One coefficient per position of the other axes.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    true_mean = y_true.mean(dim=axis, keepdim=True)
    pred_mean = y_pred.mean(dim=axis, keepdim=True)
    true_var = (y_true - true_mean).var(dim=axis, keepdim=True, correction=0)
    pred_var = (y_pred - pred_mean).var(dim=axis, keepdim=True, correction=0)
    covariance = (y_true - pred_mean) * (y_pred - pred_mean)
    norm = true_var + pred_var + torch.square(true_mean - pred_mean)
    return (2 * covariance / (norm + config.epsilon())).mean(dim=axis)


@_register_class()
class PearsonCorrelation(_FnMetric):
    """The running (weighted) mean of `pearson_correlation` over samples.

    Args:
        name: defaults to 'pearson_correlation'.
        dtype: the state dtype.
        axis: the axis each coefficient is computed over.

    Example:
        >>> PearsonCorrelation()([[1.0, 2.0, 3.0]], [[2.0, 4.0, 7.0]])
        <tf.Tensor: shape=(), dtype=float32, numpy=0.9933992...>
    """

    _fn_static = staticmethod(pearson_correlation)
    _direction = "up"

    def __init__(self, name: str = "pearson_correlation", dtype: Any = None, axis: int = -1):
        super().__init__(name, dtype, axis=axis)


@_register_class()
class ConcordanceCorrelation(_FnMetric):
    """The running (weighted) mean of `concordance_correlation` over samples.

    Args:
        name: defaults to 'concordance_correlation'.
        dtype: the state dtype.
        axis: the axis each coefficient is computed over.
    """

    _fn_static = staticmethod(concordance_correlation)
    _direction = "up"

    def __init__(self, name: str = "concordance_correlation", dtype: Any = None,
                 axis: int = -1):
        super().__init__(name, dtype, axis=axis)


returns_for_user_in(globals(), [_FUNCTIONS])
