"""Circle loss (Sun et al., 2020) for metric learning on L2-normalized embeddings: within-class
pairs are pulled together and other pairs pushed apart, each pair weighted by how far it is
from its optimum.

Example:
    >>> embeddings = torch.nn.functional.normalize(torch.randn(4, 3), dim=1)
    >>> circle(torch.tensor([0, 0, 1, 1]), embeddings).shape
    torch.Size([4])
"""

from __future__ import annotations

from typing import Any

import torch

from deepfit.backend.tensor import returns_for_user_in
from deepfit.identifiers import register
from deepfit.losses.loss import Loss, _OptionsLoss
from deepfit.losses.utils import _CLASSES, _FUNCTIONS, _float_tensor


def _pair_masks(labels: torch.Tensor, ref_labels: torch.Tensor, remove_diagonal: bool):
    same = labels.reshape(-1, 1) == ref_labels.reshape(1, -1)
    different = ~same
    if remove_diagonal:
        same = same & ~torch.eye(*same.shape, dtype=torch.bool, device=same.device)
    return same, different


@register(_FUNCTIONS)
def circle(y_true: Any, y_pred: Any, ref_labels: Any = None, ref_embeddings: Any = None,
           remove_diagonal: bool = True, gamma: float = 80, margin: float = 0.4) -> torch.Tensor:
    """The circle loss of each embedding against the reference embeddings.

    Args:
        y_true: integer labels, shape `(batch,)`.
        y_pred: L2-normalized embeddings, shape `(batch, dim)`.
        ref_labels: the reference labels (default `y_true`).
        ref_embeddings: the reference embeddings (default `y_pred`).
        remove_diagonal: leave each embedding's pair with itself out of the positives.
        gamma: the scale of the similarities.
        margin: the relaxation margin.

    Returns:
        The per-sample losses, shape `(batch,)`, masked (`_keras_mask`) to the non-zero ones,
        which are the ones a `Loss` reduction counts.
    """
    y_pred = _float_tensor(y_pred)
    labels = torch.as_tensor(y_true, device=y_pred.device).to(torch.int32)
    refs = y_pred if ref_embeddings is None else _float_tensor(ref_embeddings).to(y_pred.device)
    ref_labels = labels if ref_labels is None else torch.as_tensor(
        ref_labels, device=y_pred.device).to(torch.int32)
    distances = torch.clamp(1 - y_pred @ refs.T, min=0.0)
    positive, negative = _pair_masks(labels, ref_labels, remove_diagonal)
    pos_weights = torch.clamp((margin + distances) * positive, min=0.0)
    neg_weights = torch.clamp((1 + margin - distances) * negative, min=0.0)
    inf = torch.tensor(float("-inf"), dtype=distances.dtype, device=distances.device)
    pos_terms = torch.where(positive, -gamma * pos_weights * (margin - distances), inf)
    neg_terms = torch.where(negative, gamma * neg_weights * (1 - margin - distances), inf)
    loss = torch.nn.functional.softplus(torch.logsumexp(pos_terms, dim=1)
                                        + torch.logsumexp(neg_terms, dim=1))
    # As Keras, only the samples with a loss count in a reduction (the wrapper reads the mask).
    loss._keras_mask = loss > 0
    return loss


@register(_CLASSES)
class Circle(_OptionsLoss):
    """`circle`, reduced over the samples whose loss is non-zero (as Keras masks the others).

    Args:
        gamma: the scale of the similarities.
        margin: the relaxation margin.
        remove_diagonal: leave self-pairs out of the positives.
        reduction: see `Loss`.
        name: defaults to 'circle'.
        dtype: see `Loss`.

    Example:
        >>> model.compile("adam", loss=Circle())  # on UnitNormalization'd embeddings
    """

    _fn = staticmethod(circle)

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True,
                 reduction="sum_over_batch_size", name="circle", dtype=None):
        super().__init__(reduction, name, dtype, gamma=gamma, margin=margin,
                         remove_diagonal=remove_diagonal)

    def get_config(self) -> dict[str, Any]:
        return {**Loss.get_config(self), "gamma": self.gamma, "margin": self.margin,
                "remove_diagonal": self.remove_diagonal}


returns_for_user_in(globals(), [_FUNCTIONS])
