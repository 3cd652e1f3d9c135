"""Regression and hinge metrics: running means of per-sample errors."""

from __future__ import annotations

from typing import Any

import torch

from deepfit import losses
from deepfit.losses import (
    squeeze_or_expand_to_same_rank,
)
from deepfit.metrics.base import Mean, _FnMetric
from deepfit.metrics.utils import _register_class

# ----------------------------------------------------------------------------- regression


def _cosine(y_true: Any, y_pred: Any, axis: int = -1) -> torch.Tensor:
    """Cosine similarity (positive: 1 means same direction), the metric's sign convention."""
    return -losses.cosine_similarity(y_true, y_pred, axis=axis)


@_register_class("mse", "MSE")
class MeanSquaredError(_FnMetric):
    """The running (weighted) mean of `losses.mean_squared_error`.

    Args:
        name: defaults to 'mean_squared_error'.
        dtype: the state dtype.

    Example:
        >>> MeanSquaredError()([[0.0], [0.0]], [[1.0], [3.0]])
        <tf.Tensor: shape=(), dtype=float32, numpy=5.0>
    """

    _fn_static = staticmethod(losses.mean_squared_error)
    _direction = "down"

    def __init__(self, name: str = "mean_squared_error", dtype: Any = None) -> None:
        super().__init__(name, dtype)


@_register_class("mae", "MAE")
class MeanAbsoluteError(_FnMetric):
    """The running (weighted) mean of `losses.mean_absolute_error`.

    Args:
        name: defaults to 'mean_absolute_error'.
        dtype: the state dtype.

    Example:
        >>> MeanAbsoluteError()([[0.0], [0.0]], [[1.0], [3.0]])
        <tf.Tensor: shape=(), dtype=float32, numpy=2.0>
    """

    _fn_static = staticmethod(losses.mean_absolute_error)
    _direction = "down"

    def __init__(self, name: str = "mean_absolute_error", dtype: Any = None) -> None:
        super().__init__(name, dtype)


@_register_class("mape", "MAPE")
class MeanAbsolutePercentageError(_FnMetric):
    """The running (weighted) mean of `losses.mean_absolute_percentage_error`.

    Args:
        name: defaults to 'mean_absolute_percentage_error'.
        dtype: the state dtype.

    Example:
        >>> MeanAbsolutePercentageError()([[2.0]], [[1.0]])
        <tf.Tensor: shape=(), dtype=float32, numpy=50.0>
    """

    _fn_static = staticmethod(losses.mean_absolute_percentage_error)
    _direction = "down"

    def __init__(self, name: str = "mean_absolute_percentage_error", dtype: Any = None) -> None:
        super().__init__(name, dtype)


@_register_class("msle", "MSLE")
class MeanSquaredLogarithmicError(_FnMetric):
    """The running (weighted) mean of `losses.mean_squared_logarithmic_error`.

    Args:
        name: defaults to 'mean_squared_logarithmic_error'.
        dtype: the state dtype.

    Example:
        >>> MeanSquaredLogarithmicError()([[0.0]], [[0.0]])
        <tf.Tensor: shape=(), dtype=float32, numpy=0.0>
    """

    _fn_static = staticmethod(losses.mean_squared_logarithmic_error)
    _direction = "down"

    def __init__(self, name: str = "mean_squared_logarithmic_error", dtype: Any = None) -> None:
        super().__init__(name, dtype)


@_register_class("logcosh", "log_cosh")
class LogCoshError(_FnMetric):
    """The running (weighted) mean of `losses.log_cosh`.

    Args:
        name: defaults to 'logcosh'.
        dtype: the state dtype.

    Example:
        >>> LogCoshError()([[0.0]], [[0.0]])
        <tf.Tensor: shape=(), dtype=float32, numpy=0.0>
    """

    _fn_static = staticmethod(losses.log_cosh)
    _direction = "down"

    def __init__(self, name: str = "logcosh", dtype: Any = None) -> None:
        super().__init__(name, dtype)


@_register_class("kld", "KLD", "kullback_leibler_divergence")
class KLDivergence(_FnMetric):
    """The running (weighted) mean of `losses.kl_divergence`.

    Args:
        name: defaults to 'kl_divergence'.
        dtype: the state dtype.

    Example:
        >>> KLDivergence()([[0.5, 0.5]], [[0.5, 0.5]])
        <tf.Tensor: shape=(), dtype=float32, numpy=0.0>
    """

    _fn_static = staticmethod(losses.kl_divergence)
    _direction = "down"

    def __init__(self, name: str = "kl_divergence", dtype: Any = None) -> None:
        super().__init__(name, dtype)


@_register_class()
class Poisson(_FnMetric):
    """The running (weighted) mean of `losses.poisson`.

    Args:
        name: defaults to 'poisson'.
        dtype: the state dtype.

    Example:
        >>> Poisson()([[0.0]], [[2.0]])
        <tf.Tensor: shape=(), dtype=float32, numpy=2.0>
    """

    _fn_static = staticmethod(losses.poisson)
    _direction = "down"

    def __init__(self, name: str = "poisson", dtype: Any = None) -> None:
        super().__init__(name, dtype)


@_register_class()
class Hinge(_FnMetric):
    """The running (weighted) mean of `losses.hinge`.

    Args:
        name: defaults to 'hinge'.
        dtype: the state dtype.

    Example:
        >>> Hinge()([[1.0]], [[0.25]])
        <tf.Tensor: shape=(), dtype=float32, numpy=0.75>
    """

    _fn_static = staticmethod(losses.hinge)
    _direction = "down"

    def __init__(self, name: str = "hinge", dtype: Any = None) -> None:
        super().__init__(name, dtype)


@_register_class()
class SquaredHinge(_FnMetric):
    """The running (weighted) mean of `losses.squared_hinge`.

    Args:
        name: defaults to 'squared_hinge'.
        dtype: the state dtype.

    Example:
        >>> SquaredHinge()([[1.0]], [[0.5]])
        <tf.Tensor: shape=(), dtype=float32, numpy=0.25>
    """

    _fn_static = staticmethod(losses.squared_hinge)
    _direction = "down"

    def __init__(self, name: str = "squared_hinge", dtype: Any = None) -> None:
        super().__init__(name, dtype)


@_register_class()
class CategoricalHinge(_FnMetric):
    """The running (weighted) mean of `losses.categorical_hinge`.

    Args:
        name: defaults to 'categorical_hinge'.
        dtype: the state dtype.

    Example:
        >>> CategoricalHinge()([[0.0, 1.0]], [[0.2, 0.9]])
        <tf.Tensor: shape=(), dtype=float32, numpy=0.30000001192092896>
    """

    _fn_static = staticmethod(losses.categorical_hinge)
    _direction = "down"

    def __init__(self, name: str = "categorical_hinge", dtype: Any = None) -> None:
        super().__init__(name, dtype)


@_register_class()
class CosineSimilarity(_FnMetric):
    """The running mean of the cosine similarity between labels and predictions.

    Args:
        name: defaults to 'cosine_similarity'.
        dtype: the state dtype.
        axis: the axis along which similarity is computed.

    Example:
        >>> CosineSimilarity()([[1.0, 0.0]], [[2.0, 0.0]])
        <tf.Tensor: shape=(), dtype=float32, numpy=1.0>
    """

    _fn_static = staticmethod(_cosine)
    _direction = "up"

    def __init__(self, name: str = "cosine_similarity", dtype: Any = None,
                 axis: int = -1) -> None:
        super().__init__(name, dtype, axis=axis)


@_register_class()
class RootMeanSquaredError(Mean):
    """`sqrt` of the running (weighted) mean of squared errors.

    Args:
        name: defaults to 'root_mean_squared_error'.
        dtype: the state dtype.

    Example:
        >>> RootMeanSquaredError()([[0.0], [0.0]], [[3.0], [4.0]])
        <tf.Tensor: shape=(), dtype=float32, numpy=3.535533905029297>
    """

    _direction = "down"

    def __init__(self, name: str = "root_mean_squared_error", dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)

    @torch.no_grad()
    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        device = self.prepare(y_pred, y_true)
        y_pred = self._tensor(y_pred, device, self._dtype)
        y_true = self._tensor(y_true, device, self._dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        super().update_state(torch.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self) -> torch.Tensor:
        return torch.sqrt(super().result())
