"""Focal crossentropy (Lin et al., 2017): crossentropy scaled down where the prediction is
already confident, so training concentrates on the hard examples — binary and categorical.

Example:
    >>> binary_focal_crossentropy(torch.tensor([[0.0, 1.0], [0.0, 0.0]]),
    ...                           torch.tensor([[0.6, 0.4], [0.4, 0.6]]), gamma=2.0)
    <tf.Tensor: shape=(2,), dtype=float32, numpy=array([0.32986, 0.20579], dtype=float32)>
"""

from __future__ import annotations

import warnings
from typing import Any

import torch

from deepfit import config
from deepfit.backend.tensor import returns_for_user_in
from deepfit.identifiers import register
from deepfit.losses.functions import (
    _check_axis,
    _check_same_shape,
    binary_crossentropy_values,
)
from deepfit.losses.loss import _OptionsLoss
from deepfit.losses.utils import _CLASSES, _FUNCTIONS, _align


@register(_FUNCTIONS)
def binary_focal_crossentropy(y_true: Any, y_pred: Any, apply_class_balancing: bool = False,
                              alpha: float = 0.25, gamma: float = 2.0,
                              from_logits: bool = False, label_smoothing: float = 0.0,
                              axis: int = -1) -> torch.Tensor:
    """Binary crossentropy times `(1 - p_t) ** gamma`, `p_t` the probability given to the
    true label; averaged over `axis`.

    Args:
        y_true: labels in [0, 1], shape `(batch, d0, .. dN)`.
        y_pred: probabilities (or logits with `from_logits=True`), same shape.
        apply_class_balancing: also weight label 1 by `alpha` and label 0 by `1 - alpha`.
        alpha: the weight of label 1 when balancing.
        gamma: the focusing exponent (0: plain binary crossentropy).
        from_logits: whether `y_pred` holds logits.
        label_smoothing: in [0, 1]; labels become `y * (1 - s) + 0.5 * s`.
        axis: the axis the mean is taken over.

    Returns:
        Per-sample values of shape `(batch, d0, .. dN-1)`.
    """
    axis = _check_axis(axis)
    y_true, y_pred = _align(y_true, y_pred)
    _check_same_shape(y_true, y_pred, "binary_focal_crossentropy")
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        from deepfit.activations import sigmoid  # keeps the logits for the crossentropy

        y_pred = sigmoid(y_pred)
    crossentropy = binary_crossentropy_values(y_true, y_pred, False)
    p_t = y_true * y_pred + (1 - y_true) * (1 - y_pred)
    focal = torch.pow(1.0 - p_t, gamma) * crossentropy
    if apply_class_balancing:
        focal = (y_true * alpha + (1 - y_true) * (1 - alpha)) * focal
    return torch.mean(focal, dim=axis)


@register(_FUNCTIONS)
def categorical_focal_crossentropy(y_true: Any, y_pred: Any, alpha: float = 0.25,
                                   gamma: float = 2.0, from_logits: bool = False,
                                   label_smoothing: float = 0.0, axis: int = -1) -> torch.Tensor:
    """Categorical crossentropy with each class's term times `alpha * (1 - p) ** gamma`.

    Args:
        y_true: one-hot labels, shape `(batch, classes)`.
        y_pred: probabilities (or logits with `from_logits=True`), same shape; each row is
            renormalized to sum to 1 and clipped to [epsilon, 1 - epsilon].
        alpha: the weight of every class's term.
        gamma: the focusing exponent (0 and alpha 1: plain categorical crossentropy).
        from_logits: whether `y_pred` holds logits.
        label_smoothing: in [0, 1]; labels become `y * (1 - s) + s / classes`.
        axis: the class axis.

    Returns:
        Per-sample values, shape `(batch,)`.
    """
    axis = _check_axis(axis)
    y_true, y_pred = _align(y_true, y_pred)
    _check_same_shape(y_true, y_pred, "categorical_focal_crossentropy")
    if y_pred.dim() >= 1 and y_pred.shape[-1] == 1:
        warnings.warn(f"In loss categorical_focal_crossentropy, expected y_pred.shape to be "
                      f"(batch_size, num_classes) with num_classes > 1. Received: "
                      f"y_pred.shape={tuple(y_pred.shape)}. Consider using "
                      "'binary_crossentropy' if you only have 2 classes.", SyntaxWarning,
                      stacklevel=2)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_pred.shape[axis]
    if from_logits:
        y_pred = torch.softmax(y_pred, dim=axis)
    eps = config.epsilon()
    output = torch.clamp(y_pred / y_pred.sum(dim=axis, keepdim=True), eps, 1.0 - eps)
    terms = alpha * torch.pow(1.0 - output, gamma) * (-y_true * torch.log(output))
    return terms.sum(dim=axis)


@register(_CLASSES)
class BinaryFocalCrossentropy(_OptionsLoss):
    """`binary_focal_crossentropy`, reduced.

    Args:
        apply_class_balancing: weight label 1 by `alpha` and label 0 by `1 - alpha`.
        alpha: the weight of label 1 when balancing.
        gamma: the focusing exponent.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: in [0, 1], squeezes labels towards 0.5.
        axis: the axis the per-sample mean is taken over.
        reduction: see `Loss`.
        name: defaults to 'binary_focal_crossentropy'.
        dtype: see `Loss`.
    """

    _fn = staticmethod(binary_focal_crossentropy)

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy", dtype=None):
        super().__init__(reduction, name, dtype, apply_class_balancing=apply_class_balancing,
                         alpha=alpha, gamma=gamma, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


@register(_CLASSES)
class CategoricalFocalCrossentropy(_OptionsLoss):
    """`categorical_focal_crossentropy`, reduced.

    Args:
        alpha: the weight of every class's term.
        gamma: the focusing exponent.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: in [0, 1]; labels become `y * (1 - s) + s / classes`.
        axis: the class axis.
        reduction: see `Loss`.
        name: defaults to 'categorical_focal_crossentropy'.
        dtype: see `Loss`.
    """

    _fn = staticmethod(categorical_focal_crossentropy)

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy",
                 dtype=None):
        super().__init__(reduction, name, dtype, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


returns_for_user_in(globals(), [_FUNCTIONS])
