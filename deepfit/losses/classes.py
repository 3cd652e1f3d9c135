"""The built-in `Loss` classes, one per loss function, with Keras 3's options and defaults."""

from __future__ import annotations

from typing import Any

import torch

from deepfit.identifiers import register
from deepfit.losses.functions import (
    _sparse_ce_and_mask,
    binary_crossentropy,
    categorical_crossentropy,
    categorical_hinge,
    cosine_similarity,
    hinge,
    huber,
    kl_divergence,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
)
from deepfit.losses.loss import _OptionsLoss
from deepfit.losses.utils import _CLASSES


@register(_CLASSES)
class MeanSquaredError(_OptionsLoss):
    """Mean squared error (`mean_squared_error`), reduced.

    Args:
        reduction: see `Loss`.
        name: defaults to 'mean_squared_error'.
        dtype: see `Loss`.

    Example:
        >>> MeanSquaredError()(torch.zeros(2, 1), torch.ones(2, 1))
        <tf.Tensor: shape=(), dtype=float32, numpy=1.0>
    """

    _fn = staticmethod(mean_squared_error)

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(reduction, name, dtype)


@register(_CLASSES)
class MeanAbsoluteError(_OptionsLoss):
    """Mean absolute error (`mean_absolute_error`), reduced.

    Args:
        reduction: see `Loss`.
        name: defaults to 'mean_absolute_error'.
        dtype: see `Loss`.

    Example:
        >>> MeanAbsoluteError()(torch.zeros(2, 1), torch.ones(2, 1))
        <tf.Tensor: shape=(), dtype=float32, numpy=1.0>
    """

    _fn = staticmethod(mean_absolute_error)

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(reduction, name, dtype)


@register(_CLASSES)
class MeanAbsolutePercentageError(_OptionsLoss):
    """Mean absolute percentage error (`mean_absolute_percentage_error`), reduced.

    Args:
        reduction: see `Loss`.
        name: defaults to 'mean_absolute_percentage_error'.
        dtype: see `Loss`.

    Example:
        >>> MeanAbsolutePercentageError()(torch.full((1, 1), 2.0), torch.ones(1, 1))
        <tf.Tensor: shape=(), dtype=float32, numpy=50.0>
    """

    _fn = staticmethod(mean_absolute_percentage_error)

    def __init__(
        self, reduction="sum_over_batch_size", name="mean_absolute_percentage_error", dtype=None
    ):
        super().__init__(reduction, name, dtype)


@register(_CLASSES)
class MeanSquaredLogarithmicError(_OptionsLoss):
    """Mean squared logarithmic error (`mean_squared_logarithmic_error`), reduced.

    Args:
        reduction: see `Loss`.
        name: defaults to 'mean_squared_logarithmic_error'.
        dtype: see `Loss`.

    Example:
        >>> MeanSquaredLogarithmicError()(torch.zeros(1, 1), torch.zeros(1, 1))
        <tf.Tensor: shape=(), dtype=float32, numpy=0.0>
    """

    _fn = staticmethod(mean_squared_logarithmic_error)

    def __init__(
        self, reduction="sum_over_batch_size", name="mean_squared_logarithmic_error", dtype=None
    ):
        super().__init__(reduction, name, dtype)


@register(_CLASSES)
class LogCosh(_OptionsLoss):
    """Logarithm of the hyperbolic cosine of the error (`log_cosh`), reduced.

    Args:
        reduction: see `Loss`.
        name: defaults to 'log_cosh'.
        dtype: see `Loss`.

    Example:
        >>> LogCosh()(torch.zeros(1, 1), torch.zeros(1, 1))
        <tf.Tensor: shape=(), dtype=float32, numpy=0.0>
    """

    _fn = staticmethod(log_cosh)

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(reduction, name, dtype)


@register(_CLASSES)
class Hinge(_OptionsLoss):
    """Hinge loss (`hinge`), reduced.

    Args:
        reduction: see `Loss`.
        name: defaults to 'hinge'.
        dtype: see `Loss`.

    Example:
        >>> Hinge()(torch.ones(1, 1), torch.full((1, 1), 0.25))
        <tf.Tensor: shape=(), dtype=float32, numpy=0.75>
    """

    _fn = staticmethod(hinge)

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(reduction, name, dtype)


@register(_CLASSES)
class SquaredHinge(_OptionsLoss):
    """Squared hinge loss (`squared_hinge`), reduced.

    Args:
        reduction: see `Loss`.
        name: defaults to 'squared_hinge'.
        dtype: see `Loss`.

    Example:
        >>> SquaredHinge()(torch.ones(1, 1), torch.full((1, 1), 0.5))
        <tf.Tensor: shape=(), dtype=float32, numpy=0.25>
    """

    _fn = staticmethod(squared_hinge)

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(reduction, name, dtype)


@register(_CLASSES)
class CategoricalHinge(_OptionsLoss):
    """Categorical hinge loss (`categorical_hinge`), reduced.

    Args:
        reduction: see `Loss`.
        name: defaults to 'categorical_hinge'.
        dtype: see `Loss`.

    Example:
        >>> CategoricalHinge()(torch.tensor([[0.0, 1.0]]), torch.tensor([[0.2, 0.9]]))
        <tf.Tensor: shape=(), dtype=float32, numpy=0.30000001192092896>
    """

    _fn = staticmethod(categorical_hinge)

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(reduction, name, dtype)


@register(_CLASSES)
class KLDivergence(_OptionsLoss):
    """Kullback-Leibler divergence (`kl_divergence`), reduced.

    Args:
        reduction: see `Loss`.
        name: defaults to 'kl_divergence'.
        dtype: see `Loss`.

    Example:
        >>> KLDivergence()(torch.tensor([[0.5, 0.5]]), torch.tensor([[0.5, 0.5]]))
        <tf.Tensor: shape=(), dtype=float32, numpy=0.0>
    """

    _fn = staticmethod(kl_divergence)

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(reduction, name, dtype)


@register(_CLASSES)
class Poisson(_OptionsLoss):
    """Poisson loss (`poisson`), reduced.

    Args:
        reduction: see `Loss`.
        name: defaults to 'poisson'.
        dtype: see `Loss`.

    Example:
        >>> Poisson()(torch.zeros(1, 1), torch.full((1, 1), 2.0))
        <tf.Tensor: shape=(), dtype=float32, numpy=2.0>
    """

    _fn = staticmethod(poisson)

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(reduction, name, dtype)


@register(_CLASSES)
class Huber(_OptionsLoss):
    """Huber loss (`huber`), reduced.

    Args:
        delta: where the loss turns from quadratic to linear.
        reduction: see `Loss`.
        name: defaults to 'huber_loss'.
        dtype: see `Loss`.

    Example:
        >>> Huber(delta=1.0)(torch.zeros(1, 1), torch.full((1, 1), 3.0))
        <tf.Tensor: shape=(), dtype=float32, numpy=2.5>
    """

    _fn = staticmethod(huber)

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        super().__init__(reduction, name, dtype, delta=delta)


@register(_CLASSES)
class CosineSimilarity(_OptionsLoss):
    """Negative cosine similarity (`cosine_similarity`), reduced.

    Args:
        axis: the axis along which similarity is computed.
        reduction: see `Loss`.
        name: defaults to 'cosine_similarity'.
        dtype: see `Loss`.

    Example:
        >>> CosineSimilarity()(torch.tensor([[1.0, 0.0]]), torch.tensor([[3.0, 0.0]]))
        <tf.Tensor: shape=(), dtype=float32, numpy=-1.0>
    """

    _fn = staticmethod(cosine_similarity)

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity",
                 dtype=None):
        super().__init__(reduction, name, dtype, axis=axis)


@register(_CLASSES)
class BinaryCrossentropy(_OptionsLoss):
    """Binary crossentropy (`binary_crossentropy`), reduced.

    Args:
        from_logits: whether `y_pred` holds logits.
        label_smoothing: in [0, 1], squeezes labels towards 0.5.
        axis: the axis the per-sample mean is taken over.
        reduction: see `Loss`.
        name: defaults to 'binary_crossentropy'.
        dtype: see `Loss`.

    Example:
        >>> BinaryCrossentropy()(torch.tensor([[1.0]]), torch.tensor([[0.5]]))
        <tf.Tensor: shape=(), dtype=float32, numpy=0.6931471824645996>
    """

    _fn = staticmethod(binary_crossentropy)

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(reduction, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


@register(_CLASSES)
class CategoricalCrossentropy(_OptionsLoss):
    """Categorical crossentropy (`categorical_crossentropy`), reduced.

    Args:
        from_logits: whether `y_pred` holds logits.
        label_smoothing: in [0, 1]; labels become `y * (1 - s) + s / classes`.
        axis: the class axis.
        reduction: see `Loss`.
        name: defaults to 'categorical_crossentropy'.
        dtype: see `Loss`.

    Example:
        >>> CategoricalCrossentropy()(torch.tensor([[0.0, 1.0]]), torch.tensor([[0.5, 0.5]]))
        <tf.Tensor: shape=(), dtype=float32, numpy=0.6931471824645996>
    """

    _fn = staticmethod(categorical_crossentropy)

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(reduction, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


@register(_CLASSES)
class SparseCategoricalCrossentropy(_OptionsLoss):
    """Sparse categorical crossentropy (`sparse_categorical_crossentropy`), reduced.

    Entries labelled `ignore_class` weigh 0 and, for the mean reductions, do not count.

    Args:
        from_logits: whether `y_pred` holds logits.
        ignore_class: a label to leave out of the loss, or None.
        reduction: see `Loss`.
        axis: the class axis.
        name: defaults to 'sparse_categorical_crossentropy'.
        dtype: see `Loss`.

    Example:
        >>> SparseCategoricalCrossentropy()(torch.tensor([1]), torch.tensor([[0.5, 0.5]]))
        <tf.Tensor: shape=(), dtype=float32, numpy=0.6931471824645996>
    """

    _fn = staticmethod(sparse_categorical_crossentropy)

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 axis=-1, name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(reduction, name, dtype, from_logits=from_logits,
                         ignore_class=ignore_class, axis=axis)

    def _values_and_mask(self, y_true: Any, y_pred: torch.Tensor):
        kw = self._fn_kwargs
        return _sparse_ce_and_mask(y_true, y_pred, kw["from_logits"], kw["ignore_class"],
                                   kw["axis"])
