"""Loss functions: `(y_true, y_pred)` to per-sample values, with Keras 3's names and aliases."""

from __future__ import annotations

import math
import warnings
from typing import Any

import torch
import torch.nn.functional as F

from deepfit import config
from deepfit.backend.tensor import returns_for_user_in
from deepfit.identifiers import register
from deepfit.losses.utils import _FUNCTIONS, _align, _float_tensor, _logits
from deepfit.ops import numpy_bridge

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
        <tf.Tensor: shape=(1,), dtype=float32, numpy=array([0.5], dtype=float32)>
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
        <tf.Tensor: shape=(1,), dtype=float32, numpy=array([0.5], dtype=float32)>
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
        <tf.Tensor: shape=(1,), dtype=float32, numpy=array([50.], dtype=float32)>
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
        <tf.Tensor: shape=(1,), dtype=float32, numpy=array([0.], dtype=float32)>
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
        <tf.Tensor: shape=(1,), dtype=float32, numpy=array([2.5], dtype=float32)>
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
        <tf.Tensor: shape=(1,), dtype=float32, numpy=array([0.], dtype=float32)>
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
        <tf.Tensor: shape=(1,), dtype=float32, numpy=array([0.75], dtype=float32)>
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
        <tf.Tensor: shape=(1,), dtype=float32, numpy=array([0.25], dtype=float32)>
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
        <tf.Tensor: shape=(1,), dtype=float32, numpy=array([0.3], dtype=float32)>
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
        <tf.Tensor: shape=(1,), dtype=float32, numpy=array([0.], dtype=float32)>
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
        <tf.Tensor: shape=(1,), dtype=float32, numpy=array([2.], dtype=float32)>
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
        <tf.Tensor: shape=(1,), dtype=float32, numpy=array([-1.], dtype=float32)>
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
        <tf.Tensor: shape=(1,), dtype=float32, numpy=array([0.6931472], dtype=float32)>
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
    labels = numpy_bridge.as_tensor(y_true, device=y_pred.device)
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
        <tf.Tensor: shape=(1,), dtype=float32, numpy=array([0.6931472], dtype=float32)>
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
        <tf.Tensor: shape=(1,), dtype=float32, numpy=array([0.6931472], dtype=float32)>
    """
    axis = _check_axis(axis)
    y_true, y_pred = _align(y_true, y_pred)
    _check_same_shape(y_true, y_pred, "binary_crossentropy")
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    return torch.mean(binary_crossentropy_values(y_true, y_pred, from_logits), dim=axis)


def binary_crossentropy_values(y_true: torch.Tensor, y_pred: torch.Tensor,
                               from_logits: bool) -> torch.Tensor:
    """Elementwise binary crossentropy (no mean), from logits when `y_pred` carries them."""
    logits = _logits(y_pred, from_logits)
    if logits is not None:
        return F.binary_cross_entropy_with_logits(logits.to(y_pred.dtype), y_true,
                                                  reduction="none")
    # Written out (not F.binary_cross_entropy) so it also runs under autocast.
    eps = config.epsilon()
    p = torch.clamp(y_pred, eps, 1.0 - eps)
    return -(y_true * torch.log(p) + (1.0 - y_true) * torch.log1p(-p))


# Called by hand from user code, the functions hand back eager tensors (`.numpy()`, NumPy
# interop); inside training steps they stay plain torch.
returns_for_user_in(globals(), [_FUNCTIONS])
