"""Loss functions and `Loss` classes with Keras 3's names, defaults, shapes and reductions.

Every function maps `(y_true, y_pred)` to per-sample values (the mean over the last axis, as
Keras does); every `Loss` class reduces those values to a scalar exactly as Keras reduces them.

The crossentropy losses follow Keras's clip-and-log path for probabilities, except when `y_pred`
carries a `_keras_logits` attribute (set by the softmax/sigmoid activation on its output): then
they compute from those logits with `log_softmax` / `binary_cross_entropy_with_logits`, which
equals Keras away from saturation and stays finite, with correct gradients, at saturation.

Example:
    >>> import torch
    >>> from deepfit import losses
    >>> losses.MeanSquaredError()(torch.tensor([[0.0, 1.0]]), torch.tensor([[1.0, 1.0]]))
    tensor(0.5000)
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import torch
import torch.nn.functional as F

from deepfit import config
from deepfit.identifiers import register, resolve, valid_names

__all__ = [
    "Loss", "LossFunctionWrapper", "BinaryCrossentropy", "CategoricalCrossentropy",
    "SparseCategoricalCrossentropy", "MeanSquaredError", "MeanAbsoluteError",
    "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError", "Huber", "Hinge",
    "SquaredHinge", "CategoricalHinge", "KLDivergence", "Poisson", "CosineSimilarity", "LogCosh",
    "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
    "mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error", "huber", "hinge", "squared_hinge", "categorical_hinge",
    "kl_divergence", "poisson", "cosine_similarity", "log_cosh", "get", "serialize",
    "deserialize", "reduce_weighted_values", "squeeze_or_expand_to_same_rank",
    "is_binary_or_sparse_categorical", "resolve_crossentropy",
]

REDUCTIONS = ("sum_over_batch_size", "sum", None, "none", "mean", "mean_with_sample_weight")
LOGITS_ATTR = "_keras_logits"

_FUNCTIONS: dict[str, Any] = {}  # loss functions and their aliases
_CLASSES: dict[str, Any] = {}  # Loss classes by class name


# --------------------------------------------------------------------------- tensor helpers


def _float_tensor(x: Any, dtype: torch.dtype | None = None) -> torch.Tensor:
    """`x` as a floating tensor (its own float dtype unless `dtype`), keeping attached logits."""
    tensor = x if isinstance(x, torch.Tensor) else torch.as_tensor(x)
    if dtype is None:
        dtype = tensor.dtype if tensor.is_floating_point() else torch.float32
    return _map_pred(x, tensor, lambda t: t.to(dtype))


def _map_pred(original: Any, tensor: torch.Tensor, fn: Callable) -> torch.Tensor:
    """Apply a shape/dtype/device transform to a prediction and to the logits it carries."""
    out = fn(tensor)
    logits = getattr(original, LOGITS_ATTR, None)
    if logits is not None and out is not original:
        setattr(out, LOGITS_ATTR, fn(logits))
    return out


def _labels_like(y_true: Any, y_pred: torch.Tensor) -> torch.Tensor:
    return torch.as_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)


def _logits(y_pred: torch.Tensor, from_logits: bool) -> torch.Tensor | None:
    """The logits to compute from: `y_pred` itself, the attached ones, or None (probabilities)."""
    if from_logits:
        return y_pred
    return getattr(y_pred, LOGITS_ATTR, None)


def squeeze_or_expand_to_same_rank(
    x1: torch.Tensor, x2: torch.Tensor, expand_rank_1: bool = True
) -> tuple[torch.Tensor, torch.Tensor]:
    """Squeeze or expand the last axis when the ranks differ by exactly one (Keras's rule).

    Args:
        x1: first tensor.
        x2: second tensor.
        expand_rank_1: expand a rank-1 tensor rather than squeeze the other one.

    Returns:
        The pair, with equal ranks where a trailing axis of size 1 allowed it.

    Example:
        >>> a, b = squeeze_or_expand_to_same_rank(torch.zeros(4), torch.zeros(4, 1))
        >>> a.shape
        torch.Size([4, 1])
    """
    r1, r2 = x1.dim(), x2.dim()
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = x2.unsqueeze(-1)
        else:
            x1 = x1.squeeze(-1)
    elif r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = x1.unsqueeze(-1)
        else:
            x2 = x2.squeeze(-1)
    return x1, x2


def _align(y_true: Any, y_pred: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """Float prediction, labels in its dtype/device, ranks aligned; logits follow the prediction."""
    pred = _float_tensor(y_pred)
    true = _labels_like(y_true, pred)
    new_true, new_pred = squeeze_or_expand_to_same_rank(true, pred)
    if new_pred is not pred:
        new_pred = _map_pred(pred, pred, lambda t: squeeze_or_expand_to_same_rank(true, t)[1])
    return new_true, new_pred


def _divide_no_nan(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return torch.where(b == 0, torch.zeros_like(a), a / torch.where(b == 0, torch.ones_like(b), b))


# ----------------------------------------------------------------------------- functions


@register(_FUNCTIONS, "mse", "MSE")
def mean_squared_error(y_true: Any, y_pred: Any) -> torch.Tensor:
    """Mean of squared errors over the last axis: `mean(square(y_true - y_pred), axis=-1)`.

    Args:
        y_true: targets, shape `(batch, d0, .. dN)`.
        y_pred: predictions, same shape.

    Returns:
        Per-sample values of shape `(batch, d0, .. dN-1)`.

    Example:
        >>> mean_squared_error(torch.tensor([[0.0, 1.0]]), torch.tensor([[1.0, 1.0]]))
        tensor([0.5000])
    """
    y_true, y_pred = _align(y_true, y_pred)
    return torch.mean(torch.square(y_true - y_pred), dim=-1)


@register(_FUNCTIONS, "mae", "MAE")
def mean_absolute_error(y_true: Any, y_pred: Any) -> torch.Tensor:
    """Mean of absolute errors over the last axis: `mean(abs(y_true - y_pred), axis=-1)`.

    Args:
        y_true: targets, shape `(batch, d0, .. dN)`.
        y_pred: predictions, same shape.

    Returns:
        Per-sample values of shape `(batch, d0, .. dN-1)`.

    Example:
        >>> mean_absolute_error(torch.tensor([[0.0, 1.0]]), torch.tensor([[1.0, 1.0]]))
        tensor([0.5000])
    """
    y_true, y_pred = _align(y_true, y_pred)
    return torch.mean(torch.abs(y_true - y_pred), dim=-1)


@register(_FUNCTIONS, "mape", "MAPE")
def mean_absolute_percentage_error(y_true: Any, y_pred: Any) -> torch.Tensor:
    """`100 * mean(abs((y_true - y_pred) / max(abs(y_true), epsilon)), axis=-1)`.

    Args:
        y_true: targets, shape `(batch, d0, .. dN)`.
        y_pred: predictions, same shape.

    Returns:
        Per-sample values of shape `(batch, d0, .. dN-1)`.

    Example:
        >>> mean_absolute_percentage_error(torch.tensor([[2.0]]), torch.tensor([[1.0]]))
        tensor([50.])
    """
    y_true, y_pred = _align(y_true, y_pred)
    denominator = torch.clamp(torch.abs(y_true), min=config.epsilon())
    return 100.0 * torch.mean(torch.abs((y_true - y_pred) / denominator), dim=-1)


@register(_FUNCTIONS, "msle", "MSLE")
def mean_squared_logarithmic_error(y_true: Any, y_pred: Any) -> torch.Tensor:
    """`mean(square(log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)), axis=-1)`.

    Args:
        y_true: targets, shape `(batch, d0, .. dN)`.
        y_pred: predictions, same shape.

    Returns:
        Per-sample values of shape `(batch, d0, .. dN-1)`.

    Example:
        >>> mean_squared_logarithmic_error(torch.tensor([[0.0]]), torch.tensor([[0.0]]))
        tensor([0.])
    """
    y_true, y_pred = _align(y_true, y_pred)
    eps = config.epsilon()
    first = torch.log(torch.clamp(y_pred, min=eps) + 1.0)
    second = torch.log(torch.clamp(y_true, min=eps) + 1.0)
    return torch.mean(torch.square(first - second), dim=-1)


@register(_FUNCTIONS)
def huber(y_true: Any, y_pred: Any, delta: float = 1.0) -> torch.Tensor:
    """Huber loss: `0.5 * e**2` where `|e| <= delta`, else `delta * |e| - 0.5 * delta**2`.

    Args:
        y_true: targets, shape `(batch, d0, .. dN)`.
        y_pred: predictions, same shape.
        delta: where the loss turns from quadratic to linear.

    Returns:
        Per-sample values (mean over the last axis), shape `(batch, d0, .. dN-1)`.

    Example:
        >>> huber(torch.tensor([[0.0]]), torch.tensor([[3.0]]))
        tensor([2.5000])
    """
    y_true, y_pred = _align(y_true, y_pred)
    error = y_pred - y_true
    abs_error = torch.abs(error)
    quadratic = 0.5 * torch.square(error)
    linear = delta * abs_error - 0.5 * delta * delta
    return torch.mean(torch.where(abs_error <= delta, quadratic, linear), dim=-1)


@register(_FUNCTIONS, "logcosh")
def log_cosh(y_true: Any, y_pred: Any) -> torch.Tensor:
    """`mean(log(cosh(y_pred - y_true)), axis=-1)`, computed without overflow.

    Args:
        y_true: targets, shape `(batch, d0, .. dN)`.
        y_pred: predictions, same shape.

    Returns:
        Per-sample values of shape `(batch, d0, .. dN-1)`.

    Example:
        >>> log_cosh(torch.tensor([[0.0]]), torch.tensor([[0.0]]))
        tensor([0.])
    """
    y_true, y_pred = _align(y_true, y_pred)
    x = y_pred - y_true
    return torch.mean(x + F.softplus(-2.0 * x) - math.log(2.0), dim=-1)


def _hinge_labels(y_true: torch.Tensor) -> torch.Tensor:
    """Map {0, 1} labels to {-1, 1}; other labels pass unchanged (decided on device, no sync)."""
    is_binary = torch.all((y_true == 0) | (y_true == 1))
    return torch.where(is_binary, 2.0 * y_true - 1.0, y_true)


@register(_FUNCTIONS)
def hinge(y_true: Any, y_pred: Any) -> torch.Tensor:
    """`mean(maximum(1 - y_true * y_pred, 0), axis=-1)`; labels 0/1 become -1/1.

    Args:
        y_true: labels in {-1, 1} (or {0, 1}), shape `(batch, d0, .. dN)`.
        y_pred: predictions, same shape.

    Returns:
        Per-sample values of shape `(batch, d0, .. dN-1)`.

    Example:
        >>> hinge(torch.tensor([[1.0]]), torch.tensor([[0.25]]))
        tensor([0.7500])
    """
    y_true, y_pred = _align(y_true, y_pred)
    y_true = _hinge_labels(y_true)
    return torch.mean(torch.clamp(1.0 - y_true * y_pred, min=0.0), dim=-1)


@register(_FUNCTIONS)
def squared_hinge(y_true: Any, y_pred: Any) -> torch.Tensor:
    """`mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1)`; labels 0/1 become -1/1.

    Args:
        y_true: labels in {-1, 1} (or {0, 1}), shape `(batch, d0, .. dN)`.
        y_pred: predictions, same shape.

    Returns:
        Per-sample values of shape `(batch, d0, .. dN-1)`.

    Example:
        >>> squared_hinge(torch.tensor([[1.0]]), torch.tensor([[0.5]]))
        tensor([0.2500])
    """
    y_true, y_pred = _align(y_true, y_pred)
    y_true = _hinge_labels(y_true)
    return torch.mean(torch.square(torch.clamp(1.0 - y_true * y_pred, min=0.0)), dim=-1)


@register(_FUNCTIONS)
def categorical_hinge(y_true: Any, y_pred: Any) -> torch.Tensor:
    """`maximum(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)` over the last axis.

    Args:
        y_true: one-hot labels, shape `(batch, classes)`.
        y_pred: predictions, same shape.

    Returns:
        Per-sample values of shape `(batch,)`.

    Example:
        >>> categorical_hinge(torch.tensor([[0.0, 1.0]]), torch.tensor([[0.2, 0.9]]))
        tensor([0.3000])
    """
    y_true, y_pred = _align(y_true, y_pred)
    positive = torch.sum(y_true * y_pred, dim=-1)
    negative = torch.amax((1.0 - y_true) * y_pred, dim=-1)
    return torch.clamp(negative - positive + 1.0, min=0.0)


@register(_FUNCTIONS, "kld", "KLD", "kullback_leibler_divergence")
def kl_divergence(y_true: Any, y_pred: Any) -> torch.Tensor:
    """`sum(y_true * log(y_true / y_pred), axis=-1)`, both clipped to `[epsilon, 1]`.

    Args:
        y_true: target distributions, shape `(batch, classes)`.
        y_pred: predicted distributions, same shape.

    Returns:
        Per-sample values of shape `(batch,)`.

    Example:
        >>> kl_divergence(torch.tensor([[0.5, 0.5]]), torch.tensor([[0.5, 0.5]]))
        tensor([0.])
    """
    y_true, y_pred = _align(y_true, y_pred)
    eps = config.epsilon()
    y_true = torch.clamp(y_true, eps, 1.0)
    y_pred = torch.clamp(y_pred, eps, 1.0)
    return torch.sum(y_true * torch.log(y_true / y_pred), dim=-1)


@register(_FUNCTIONS)
def poisson(y_true: Any, y_pred: Any) -> torch.Tensor:
    """`mean(y_pred - y_true * log(y_pred + epsilon), axis=-1)`.

    Args:
        y_true: observed counts, shape `(batch, d0, .. dN)`.
        y_pred: predicted rates, same shape.

    Returns:
        Per-sample values of shape `(batch, d0, .. dN-1)`.

    Example:
        >>> poisson(torch.tensor([[0.0]]), torch.tensor([[2.0]]))
        tensor([2.])
    """
    y_true, y_pred = _align(y_true, y_pred)
    return torch.mean(y_pred - y_true * torch.log(y_pred + config.epsilon()), dim=-1)


def _l2_normalize(x: torch.Tensor, axis: int) -> torch.Tensor:
    # Clamping the squared norm (rather than the inverse) keeps zero vectors' gradients finite.
    eps = config.epsilon()
    square_sum = torch.sum(torch.square(x), dim=axis, keepdim=True)
    return x * torch.rsqrt(torch.clamp(square_sum, min=eps * eps))


@register(_FUNCTIONS)
def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> torch.Tensor:
    """Negative cosine similarity: `-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)`.

    Args:
        y_true: targets.
        y_pred: predictions, same shape.
        axis: the axis along which similarity is computed.

    Returns:
        Per-sample values in [-1, 1] (-1 is most similar), the axis removed.

    Example:
        >>> cosine_similarity(torch.tensor([[1.0, 0.0]]), torch.tensor([[2.0, 0.0]]))
        tensor([-1.])
    """
    y_true, y_pred = _align(y_true, y_pred)
    return -torch.sum(_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis), dim=axis)


def _check_axis(axis: Any) -> int:
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise TypeError(f"axis: expected an int, received {axis!r} of type {type(axis).__name__}")
    return axis


def _check_same_shape(y_true: torch.Tensor, y_pred: torch.Tensor, loss: str) -> None:
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"{loss}: y_true and y_pred must have the same shape, received "
            f"y_true.shape={tuple(y_true.shape)} and y_pred.shape={tuple(y_pred.shape)}"
        )


def _clipped_log(probabilities: torch.Tensor) -> torch.Tensor:
    eps = config.epsilon()
    return torch.log(torch.clamp(probabilities, eps, 1.0 - eps))


@register(_FUNCTIONS)
def categorical_crossentropy(
    y_true: Any,
    y_pred: Any,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> torch.Tensor:
    """Crossentropy between one-hot (or soft) labels and a predicted distribution.

    Args:
        y_true: one-hot or soft labels, shape `(batch, classes)`.
        y_pred: probabilities (or logits with `from_logits=True`), same shape. A `_keras_logits`
            attribute on `y_pred` is used instead of the probabilities, for stability.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: in [0, 1]; labels become `y * (1 - s) + s / classes`.
        axis: the class axis.

    Returns:
        Per-sample values, the class axis removed.

    Example:
        >>> categorical_crossentropy(torch.tensor([[0.0, 1.0]]), torch.tensor([[0.5, 0.5]]))
        tensor([0.6931])
    """
    axis = _check_axis(axis)
    y_true, y_pred = _align(y_true, y_pred)
    _check_same_shape(y_true, y_pred, "categorical_crossentropy")
    if y_pred.dim() < 1:
        raise ValueError("categorical_crossentropy: y_pred must have rank >= 1, received a scalar")
    if y_pred.shape[axis] == 1:
        warnings.warn(
            "categorical_crossentropy expects y_pred of shape (batch, num_classes) with "
            f"num_classes > 1, received y_pred.shape={tuple(y_pred.shape)}; use "
            "binary_crossentropy for two classes.",
            SyntaxWarning,
            stacklevel=2,
        )
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_pred.shape[axis]
    logits = _logits(y_pred, from_logits)
    if logits is not None:
        log_prob = F.log_softmax(logits.to(y_pred.dtype), dim=axis)
    else:
        log_prob = _clipped_log(y_pred / torch.sum(y_pred, dim=axis, keepdim=True))
    return -torch.sum(y_true * log_prob, dim=axis)


def _sparse_ce_and_mask(
    y_true: Any, y_pred: Any, from_logits: bool, ignore_class: int | None, axis: int
) -> tuple[torch.Tensor, torch.Tensor | None]:
    axis = _check_axis(axis)
    y_pred = _float_tensor(y_pred)
    labels = torch.as_tensor(y_true, device=y_pred.device)
    if y_pred.dim() < 1:
        raise ValueError("sparse_categorical_crossentropy: y_pred must have rank >= 1")
    if labels.dim() == y_pred.dim() and labels.shape[axis] == 1:
        labels = labels.squeeze(axis)
    class_axis = axis % y_pred.dim()
    expected = tuple(d for i, d in enumerate(y_pred.shape) if i != class_axis)
    if tuple(labels.shape) != expected:
        raise ValueError(
            "sparse_categorical_crossentropy: y_true must have y_pred's shape without the class "
            f"axis ({expected}, or with a trailing 1), received y_true.shape="
            f"{tuple(labels.shape)} and y_pred.shape={tuple(y_pred.shape)}"
        )
    target = labels.long()
    valid = None
    if ignore_class is not None:
        valid = labels != ignore_class
        target = torch.where(valid, target, torch.zeros_like(target))
    logits = _logits(y_pred, from_logits)
    source = y_pred if logits is None else logits.to(y_pred.dtype)
    squeeze = source.dim() == 1
    if squeeze:
        source, target = source.unsqueeze(0), target.unsqueeze(0)
    elif class_axis != 1:
        source = source.movedim(class_axis, 1)
    if logits is not None:
        result = F.cross_entropy(source, target, reduction="none")
    else:
        log_prob = _clipped_log(source / torch.sum(source, dim=1, keepdim=True))
        result = F.nll_loss(log_prob, target, reduction="none")
    if squeeze:
        result = result.squeeze(0)
    if valid is not None:
        result = torch.where(valid, result, torch.zeros_like(result))
    return result, valid


@register(_FUNCTIONS)
def sparse_categorical_crossentropy(
    y_true: Any,
    y_pred: Any,
    from_logits: bool = False,
    ignore_class: int | None = None,
    axis: int = -1,
) -> torch.Tensor:
    """Crossentropy between integer labels and a predicted distribution.

    Args:
        y_true: class ids of shape `(batch,)` or `(batch, 1)`, any int or float dtype.
        y_pred: probabilities (or logits with `from_logits=True`), shape `(batch, classes)`.
            A `_keras_logits` attribute on `y_pred` is used instead, for stability.
        from_logits: whether `y_pred` holds logits.
        ignore_class: a label whose entries get a loss of 0 (and, in `Loss` reductions, do
            not count).
        axis: the class axis.

    Returns:
        Per-sample values, shape `(batch,)`.

    Example:
        >>> sparse_categorical_crossentropy(torch.tensor([1]), torch.tensor([[0.5, 0.5]]))
        tensor([0.6931])
    """
    return _sparse_ce_and_mask(y_true, y_pred, from_logits, ignore_class, axis)[0]


@register(_FUNCTIONS, "bce", "BCE")
def binary_crossentropy(
    y_true: Any,
    y_pred: Any,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> torch.Tensor:
    """Binary crossentropy, averaged over `axis`.

    Args:
        y_true: labels in [0, 1], shape `(batch, d0, .. dN)`.
        y_pred: probabilities (or logits with `from_logits=True`), same shape. A
            `_keras_logits` attribute on `y_pred` is used instead, for stability.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: in [0, 1]; labels become `y * (1 - s) + 0.5 * s`.
        axis: the axis the mean is taken over.

    Returns:
        Per-sample values of shape `(batch, d0, .. dN-1)`.

    Example:
        >>> binary_crossentropy(torch.tensor([[1.0]]), torch.tensor([[0.5]]))
        tensor([0.6931])
    """
    axis = _check_axis(axis)
    y_true, y_pred = _align(y_true, y_pred)
    _check_same_shape(y_true, y_pred, "binary_crossentropy")
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    logits = _logits(y_pred, from_logits)
    if logits is not None:
        values = F.binary_cross_entropy_with_logits(
            logits.to(y_pred.dtype), y_true, reduction="none"
        )
    else:
        # Written out (not F.binary_cross_entropy) so it also runs under autocast.
        eps = config.epsilon()
        p = torch.clamp(y_pred, eps, 1.0 - eps)
        values = -(y_true * torch.log(p) + (1.0 - y_true) * torch.log1p(-p))
    return torch.mean(values, dim=axis)


# ----------------------------------------------------------------------------- reduction


def _standardize_reduction(reduction: Any) -> str | None:
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"reduction: expected one of {list(REDUCTIONS)}, received {reduction!r}"
        )
    return reduction


def _merge_mask(
    sample_weight: torch.Tensor | None, mask: torch.Tensor, reduction: str | None, dtype
) -> torch.Tensor:
    """Keras's `apply_mask`: masked entries weigh 0; for means the rest weigh `total / valid`."""
    if reduction in ("mean", "sum_over_batch_size"):
        valid = torch.sum(mask.to(dtype))
        scale = torch.where(valid > 0, mask.numel() / torch.clamp(valid, min=1.0), 0.0)
        float_mask = torch.where(mask.bool(), scale, 0.0)
    else:
        float_mask = mask.to(dtype)
    if sample_weight is None:
        return float_mask
    float_mask, sample_weight = squeeze_or_expand_to_same_rank(float_mask, sample_weight)
    return sample_weight * float_mask


def reduce_weighted_values(
    values: torch.Tensor,
    sample_weight: Any = None,
    mask: torch.Tensor | None = None,
    reduction: str | None = "sum_over_batch_size",
) -> torch.Tensor:
    """Weight per-sample loss values and reduce them exactly as Keras's `Loss` does.

    Args:
        values: per-sample losses.
        sample_weight: None, a scalar, or weights broadcastable from the batch axis.
        mask: optional boolean mask of `values` (entries that count).
        reduction: 'sum_over_batch_size' / 'mean' (sum divided by the number of elements),
            'sum', 'mean_with_sample_weight' (sum divided by the sum of weights), or
            None / 'none' (no reduction).

    Returns:
        The reduced loss (a 0-d tensor unless the reduction is None/'none').

    Example:
        >>> reduce_weighted_values(torch.tensor([1.0, 3.0]), torch.tensor([1.0, 0.0]))
        tensor(0.5000)
    """
    reduction = _standardize_reduction(reduction)
    weight = None
    if sample_weight is not None:
        weight = torch.as_tensor(sample_weight, dtype=values.dtype, device=values.device)
    if mask is not None:
        weight = _merge_mask(weight, mask, reduction, values.dtype)
    if weight is not None:
        values, weight = squeeze_or_expand_to_same_rank(values, weight)
        if 0 < weight.dim() < values.dim():
            # Per-sample weights of a per-timestep loss align with the batch axis.
            weight = weight.reshape(weight.shape + (1,) * (values.dim() - weight.dim()))
        values = values * weight
    if reduction in (None, "none") or values.dim() == 0 or tuple(values.shape) == (0,):
        return values
    loss = torch.sum(values)
    if reduction == "sum":
        return loss
    if reduction == "mean_with_sample_weight" and weight is not None:
        return _divide_no_nan(loss, torch.sum(weight))
    count = values.numel()
    return loss / count if count else torch.zeros_like(loss)


# ----------------------------------------------------------------------------- classes


def _snake_case(name: str) -> str:
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _resolve_dtype(dtype: Any) -> torch.dtype:
    if dtype is None:
        dtype = config.floatx()
    if isinstance(dtype, torch.dtype):
        return dtype
    resolved = getattr(torch, str(dtype), None)
    if not isinstance(resolved, torch.dtype) or not resolved.is_floating_point:
        raise ValueError(f"dtype: expected a float dtype such as 'float32', received {dtype!r}")
    return resolved


@register(_CLASSES)
class Loss:
    """Base class: subclasses implement `call(y_true, y_pred)` returning per-sample values.

    Args:
        name: the loss's name (defaults to the snake-case class name).
        reduction: 'sum_over_batch_size' (default), 'sum', 'mean', 'mean_with_sample_weight',
            or None / 'none'.
        dtype: the computation dtype (defaults to `deepfit.config.floatx()`); half-precision
            predictions are computed in it.

    Example:
        >>> class Absolute(Loss):
        ...     def call(self, y_true, y_pred):
        ...         return torch.abs(y_true - y_pred).mean(dim=-1)
        >>> Absolute()(torch.zeros(2, 1), torch.ones(2, 1))
        tensor(1.)
    """

    def __init__(
        self,
        name: str | None = None,
        reduction: str | None = "sum_over_batch_size",
        dtype: Any = None,
    ) -> None:
        self.name = name or _snake_case(type(self).__name__)
        self.reduction = _standardize_reduction(reduction)
        self._dtype = _resolve_dtype(dtype)

    @property
    def dtype(self) -> str:
        """The computation dtype's name."""
        return str(self._dtype).replace("torch.", "")

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> torch.Tensor:
        """Per-sample losses, weighted by `sample_weight`, reduced by `self.reduction`."""
        y_pred = _float_tensor(y_pred, self._dtype)
        if not isinstance(y_true, torch.Tensor):
            y_true = torch.as_tensor(y_true, device=y_pred.device)
        values, mask = self._values_and_mask(y_true, y_pred)
        return reduce_weighted_values(values, sample_weight, mask, self.reduction)

    def _values_and_mask(self, y_true: Any, y_pred: torch.Tensor):
        return self.call(y_true, y_pred), None

    def call(self, y_true: Any, y_pred: torch.Tensor) -> torch.Tensor:
        """Per-sample loss values; subclasses implement this."""
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred)")

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments that recreate this loss."""
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Loss:
        """Recreate a loss from `get_config()`'s output."""
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} reduction={self.reduction!r}>"


@register(_CLASSES)
class LossFunctionWrapper(Loss):
    """A `Loss` around a per-sample function `fn(y_true, y_pred, **kwargs)`.

    Args:
        fn: the loss function (a callable or a registered function name).
        reduction: see `Loss`.
        name: the loss's name (defaults to the function's name).
        dtype: see `Loss`.
        **kwargs: keyword arguments passed to `fn`.

    Example:
        >>> LossFunctionWrapper(huber, delta=2.0)(torch.zeros(1, 1), torch.full((1, 1), 3.0))
        tensor(4.)
    """

    def __init__(
        self,
        fn: Callable | str,
        reduction: str | None = "sum_over_batch_size",
        name: str | None = None,
        dtype: Any = None,
        **kwargs: Any,
    ) -> None:
        if isinstance(fn, str):
            fn = _find_function(fn)
        if not callable(fn):
            raise TypeError(f"fn: expected a callable, received {fn!r}")
        super().__init__(name=name or getattr(fn, "__name__", None), reduction=reduction,
                         dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true: Any, y_pred: torch.Tensor) -> torch.Tensor:
        y_true, y_pred = _align(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> torch.Tensor:
        if sample_weight is None and self.reduction == "sum_over_batch_size" and isinstance(
            y_pred, torch.Tensor
        ) and isinstance(y_true, torch.Tensor) and y_pred.dtype == self._dtype:
            fast = _FAST_MEANS.get(self.fn)
            value = fast(y_true, y_pred, **self._fn_kwargs) if fast is not None else None
            if value is not None:
                return value
        return super().__call__(y_true, y_pred, sample_weight)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["fn"] = _function_name(self.fn)
        config.update(self._fn_kwargs)
        return config

    def __repr__(self) -> str:
        return f"<LossFunctionWrapper({_function_name(self.fn)}, kwargs={self._fn_kwargs})>"


class _OptionsLoss(LossFunctionWrapper):
    """A wrapper of one registered function whose options are also constructor arguments."""

    _fn: Callable
    _options: tuple[str, ...] = ()

    def __init__(self, reduction, name, dtype, **options: Any) -> None:
        super().__init__(type(self)._fn, reduction=reduction, name=name, dtype=dtype, **options)
        for key, value in options.items():
            setattr(self, key, value)

    def get_config(self) -> dict[str, Any]:
        config = Loss.get_config(self)
        config.update(self._fn_kwargs)
        return config


@register(_CLASSES)
class MeanSquaredError(_OptionsLoss):
    """Mean squared error (`mean_squared_error`), reduced.

    Args:
        reduction: see `Loss`.
        name: defaults to 'mean_squared_error'.
        dtype: see `Loss`.

    Example:
        >>> MeanSquaredError()(torch.zeros(2, 1), torch.ones(2, 1))
        tensor(1.)
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
        tensor(1.)
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
        tensor(50.)
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
        tensor(0.)
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
        tensor(0.)
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
        tensor(0.7500)
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
        tensor(0.2500)
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
        tensor(0.3000)
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
        tensor(0.)
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
        tensor(2.)
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
        tensor(2.5000)
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
        tensor(-1.)
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
        tensor(0.6931)
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
        tensor(0.6931)
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
        tensor(0.6931)
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


# ----------------------------------------------------------------------------- lookup


def _function_name(fn: Callable) -> str | Callable:
    name = getattr(fn, "__name__", None)
    return name if name is not None and _FUNCTIONS.get(name) is fn else fn


def _find_function(name: str) -> Callable:
    if name not in _FUNCTIONS:
        raise ValueError(
            f"Unknown loss function: {name!r}. Valid names: {valid_names(_FUNCTIONS)}"
        )
    return _FUNCTIONS[name]


def get(identifier: Any) -> Any:
    """Resolve a loss identifier.

    Args:
        identifier: a function name ('mse', 'categorical_crossentropy', ... -> the function),
            a class name ('MeanSquaredError' -> an instance), 'crossentropy' / 'ce' (resolved
            from the shapes at each call), a `{'class_name', 'config'}` dict (-> the class
            built from its config), a `Loss` object or any callable (returned unchanged).

    Returns:
        A loss function or `Loss` object, or None for None.

    Raises:
        ValueError: for an unknown name (listing the valid ones) or an unusable value.

    Example:
        >>> get("mse") is mean_squared_error
        True
    """
    if identifier is None:
        return None
    if isinstance(identifier, str) and identifier.lower() in ("crossentropy", "ce"):
        return AutoCrossentropy(name=identifier)
    if isinstance(identifier, Mapping) and identifier.get("class_name") == "function":
        return get(str(identifier.get("config")))
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    return resolve("loss", identifier, {**_FUNCTIONS, **_CLASSES}, instantiate=True,
                   base_class=Loss)


def serialize(loss: Any) -> dict[str, Any]:
    """A Keras-compatible config dict for a `Loss` object or a registered loss function.

    Args:
        loss: a `Loss` instance or a registered function.

    Returns:
        `{'module', 'class_name', 'config', 'registered_name'}` as Keras writes it.

    Example:
        >>> serialize(mean_squared_error)["config"]
        'mean_squared_error'
    """
    if isinstance(loss, Loss):
        return {"module": "keras.losses", "class_name": type(loss).__name__,
                "config": loss.get_config(), "registered_name": None}
    name = _function_name(loss)
    if isinstance(name, str):
        return {"module": "builtins", "class_name": "function", "config": name,
                "registered_name": "function"}
    raise ValueError(f"loss: cannot serialize {loss!r}; expected a Loss or a registered function")


def deserialize(config: Any) -> Any:
    """Inverse of `serialize` (also accepts names); same as `get`."""
    return get(config)


# ----------------------------------------------------------------------------- fast paths
# The training loop's common case — one float32 output, tensor labels of the expected shape, no
# sample weights, default options — reduced with a single fused kernel. Each returns the same
# value as the general path (tests check this) or None to fall back to it.


def _fast_sparse_ce(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    if ignore_class is not None or axis != -1 or y_pred.dim() != 2:
        return None
    logits = y_pred if from_logits else getattr(y_pred, "_keras_logits", None)
    if logits is None or logits.dtype != torch.float32 or y_true.numel() != y_pred.shape[0]:
        return None
    target = y_true.reshape(-1)
    if target.dtype != torch.long:
        target = target.long()
    return F.cross_entropy(logits, target)


def _fast_categorical_ce(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    if label_smoothing or axis != -1 or y_pred.dim() != 2 or y_true.shape != y_pred.shape:
        return None
    logits = y_pred if from_logits else getattr(y_pred, "_keras_logits", None)
    if logits is None or logits.dtype != torch.float32 or not y_true.is_floating_point():
        return None
    return F.cross_entropy(logits, y_true)


def _fast_binary_ce(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    if label_smoothing or axis != -1 or y_true.numel() != y_pred.numel():
        return None
    logits = y_pred if from_logits else getattr(y_pred, "_keras_logits", None)
    if logits is None or logits.dtype != torch.float32:
        return None
    target = y_true.reshape(logits.shape)
    if target.dtype != torch.float32:
        target = target.float()
    return F.binary_cross_entropy_with_logits(logits, target)


def _fast_mse(y_true, y_pred):
    if y_true.numel() != y_pred.numel() or y_pred.dim() < 2 or y_true.dim() < 1:
        return None
    target = y_true.reshape(y_pred.shape)
    return F.mse_loss(y_pred, target if target.dtype == y_pred.dtype else target.to(y_pred.dtype))


def _fast_mae(y_true, y_pred):
    if y_true.numel() != y_pred.numel() or y_pred.dim() < 2 or y_true.dim() < 1:
        return None
    target = y_true.reshape(y_pred.shape)
    return F.l1_loss(y_pred, target if target.dtype == y_pred.dtype else target.to(y_pred.dtype))


_FAST_MEANS = {
    sparse_categorical_crossentropy: _fast_sparse_ce,
    categorical_crossentropy: _fast_categorical_ce,
    binary_crossentropy: _fast_binary_ce,
    mean_squared_error: _fast_mse,
    mean_absolute_error: _fast_mae,
}
