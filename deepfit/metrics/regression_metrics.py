"""Regression and hinge metrics: running means of per-sample errors."""

from __future__ import annotations

import warnings
from typing import Any

import torch

from deepfit import losses
from deepfit.backend.grad_mode import without_grad
from deepfit.losses import (
    squeeze_or_expand_to_same_rank,
)
from deepfit.metrics.base import Mean, Metric, _FnMetric
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


# ----------------------------------------------------------------------------- R²
_R2_AGGREGATIONS = (None, "uniform_average", "variance_weighted_average")
_R2_SUMS = ("sum", "squared_sum", "total_mse", "count")


@_register_class()
class R2Score(Metric):
    """The coefficient of determination, `1 - residual / total sum of squares`, per output
    of `(batch, outputs)` targets.

    Args:
        class_aggregation: None (one score per output), 'uniform_average' (their mean) or
            'variance_weighted_average' (their mean weighted by each output's variance).
        num_regressors: for the adjusted R² (0: plain R²).
        name: defaults to 'r2_score'.
        dtype: the state dtype.

    Example:
        >>> R2Score()([[1.0], [2.0], [3.0]], [[1.0], [2.0], [2.0]])
        <tf.Tensor: shape=(), dtype=float32, numpy=0.5>
    """

    _direction = "up"

    def __init__(self, class_aggregation: str | None = "uniform_average",
                 num_regressors: int = 0, name: str = "r2_score", dtype: Any = None) -> None:
        if class_aggregation not in _R2_AGGREGATIONS:
            raise ValueError(f"R2Score: invalid value for argument `class_aggregation`; "
                             f"expected one of {_R2_AGGREGATIONS}, received "
                             f"class_aggregation={class_aggregation!r}")
        if num_regressors < 0:
            raise ValueError(f"R2Score: invalid value for argument `num_regressors`; expected "
                             f"a value >= 0, received num_regressors={num_regressors!r}")
        super().__init__(name=name, dtype=dtype)
        self.class_aggregation, self.num_regressors = class_aggregation, num_regressors
        self.add_state("num_samples")

    @without_grad
    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        device = self.prepare(y_true, y_pred)
        y_true = self._tensor(y_true, device, self._dtype)
        y_pred = self._tensor(y_pred, device, self._dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        if y_true.dim() != 2 or y_pred.dim() != 2:
            raise ValueError(f"R2Score expects 2D inputs with shape (batch_size, output_dim). "
                             f"Received input shapes: y_pred.shape={tuple(y_pred.shape)} and "
                             f"y_true.shape={tuple(y_true.shape)}.")
        if "sum" not in self._state_shapes:
            for name in _R2_SUMS:
                self.add_state(name, (y_pred.shape[-1],))
            device = self.prepare(y_true, y_pred)
        weight = torch.ones((), dtype=self._dtype, device=device) if sample_weight is None \
            else self._tensor(sample_weight, device, self._dtype)
        if weight.dim() == 1:
            weight = weight.unsqueeze(1)
        weight = weight.expand_as(y_true)
        self.sum.add_((y_true * weight).sum(0))
        self.squared_sum.add_((y_true * y_true * weight).sum(0))
        self.total_mse.add_(((y_true - y_pred) ** 2 * weight).sum(0))
        self.count.add_(weight.sum(0))
        # a sample counts once if any output has a non-zero weight
        self.num_samples.add_((weight != 0).any(dim=-1).sum().to(self._dtype))

    def result(self) -> torch.Tensor:
        if "sum" not in self._state_shapes:  # no batch yet
            return torch.zeros((), dtype=self._dtype)
        total_sum, squares, residual, count = (self.state(name) for name in _R2_SUMS)
        total = squares - total_sum * (total_sum / count)
        raw = 1 - residual / total
        raw = torch.where(torch.isinf(raw), torch.zeros_like(raw), raw)
        if self.class_aggregation == "uniform_average":
            score = raw.mean()
        elif self.class_aggregation == "variance_weighted_average":
            score = (total * raw).sum() / total.sum()
        else:
            score = raw
        return self._adjusted(score)

    def _adjusted(self, score: torch.Tensor) -> torch.Tensor:
        """Keras's adjusted R² for `num_regressors` predictors (with its fallbacks)."""
        if self.num_regressors == 0:
            return score
        samples = float(self.state("num_samples"))
        if self.num_regressors > samples - 1:
            warnings.warn("More independent predictors than datapoints in adjusted R2 score. "
                          "Falling back to standard R2 score.", stacklevel=2)
            return score
        if self.num_regressors == samples - 1:
            warnings.warn("Division by zero in Adjusted R2 score. Falling back to standard R2 "
                          "score.", stacklevel=2)
            return score
        return 1 - (1 - score) * (samples - 1) / (samples - self.num_regressors - 1)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype,
                "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}
