"""Generalized crossentropy (Zhang & Sabuncu, 2018): `(1 - p ** q) / q` of the probability `p`
given to the true class, between crossentropy (q -> 0) and mean absolute error (q = 1), robust
to noisy labels.

Example:
    >>> categorical_generalized_cross_entropy([1], [[0.36, 0.64]], q=0.5)
    <tf.Tensor: shape=(1,), dtype=float32, numpy=array([0.4], dtype=float32)>
"""

from __future__ import annotations

from typing import Any

import torch

from deepfit.backend.tensor import returns_for_user_in
from deepfit.identifiers import register
from deepfit.losses.loss import Loss, _OptionsLoss
from deepfit.losses.utils import _CLASSES, _FUNCTIONS, _float_tensor


@register(_FUNCTIONS)
def categorical_generalized_cross_entropy(y_true: Any, y_pred: Any, q: float) -> torch.Tensor:
    """`(1 - p ** q) / q`, `p` the probability of the true class.

    Args:
        y_true: integer class indices, shape `(batch,)` or `(batch, 1)`.
        y_pred: class probabilities, shape `(batch, classes)`.
        q: the noise parameter in (0, 1).

    Returns:
        The per-sample losses, shape `(batch,)`.
    """
    y_pred = _float_tensor(y_pred)
    labels = torch.as_tensor(y_true, device=y_pred.device).long()
    classes = y_pred.shape[-1]
    if labels.numel() and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(f"y_true: expected class indices in [0, {classes}), received values "
                         f"from {int(labels.min())} to {int(labels.max())}")
    hot = torch.nn.functional.one_hot(labels, classes).to(y_pred.dtype)
    p = (y_pred * hot).sum(dim=-1)
    return (1 - torch.pow(p, q)) / q


@register(_CLASSES)
class CategoricalGeneralizedCrossEntropy(_OptionsLoss):
    """`categorical_generalized_cross_entropy`, reduced.

    Args:
        q: the noise parameter in (0, 1): near 0 like crossentropy, near 1 like mean absolute
            error.
        reduction: see `Loss`.
        name: defaults to 'categorical_generalized_cross_entropy'.
        dtype: see `Loss`.

    Example:
        >>> CategoricalGeneralizedCrossEntropy()([1], [[0.36, 0.64]])
        <tf.Tensor: shape=(), dtype=float32, numpy=0.4>
    """

    _fn = staticmethod(categorical_generalized_cross_entropy)

    def __init__(self, q=0.5, reduction="sum_over_batch_size",
                 name="categorical_generalized_cross_entropy", dtype=None):
        if not 0 < q < 1:
            raise ValueError(f"q must be in the interval (0, 1). Received: q={q!r}")
        super().__init__(reduction, name, dtype, q=q)

    def get_config(self) -> dict[str, Any]:
        return {**Loss.get_config(self), "q": self.q}


returns_for_user_in(globals(), [_FUNCTIONS])
