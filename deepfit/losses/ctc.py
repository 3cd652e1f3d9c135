"""The CTC (Connectionist Temporal Classification) loss for sequence models whose output is
longer than, and unaligned with, their label sequences (speech, handwriting, captcha OCR).

Example:
    >>> ctc(torch.tensor([[1, 2]]), torch.zeros(1, 4, 3)).shape
    torch.Size([1])
"""

from __future__ import annotations

from typing import Any

import torch

from deepfit.backend.tensor import returns_for_user_in
from deepfit.identifiers import register
from deepfit.losses.loss import Loss, _OptionsLoss
from deepfit.losses.utils import _CLASSES, _FUNCTIONS


@register(_FUNCTIONS)
def ctc(y_true: Any, y_pred: Any) -> torch.Tensor:
    """The CTC loss of integer label sequences padded with 0, the blank class.

    Every output step counts; a label sequence's length is its number of non-zero labels.

    Args:
        y_true: integer labels, shape `(batch_size, max_label_length)`; 0 is the blank/padding
            and must not be used as a class.
        y_pred: logits (not softmaxed), shape `(batch_size, max_length, num_classes)`.

    Returns:
        The per-sample losses, shape `(batch_size,)`.

    Raises:
        ValueError: `y_true` is not rank 2 or `y_pred` not rank 3.
    """
    from deepfit.ops.ctc import ctc_loss

    labels = torch.as_tensor(y_true)
    logits = torch.as_tensor(y_pred)
    if labels.dim() != 2:
        raise ValueError("Targets `y_true` are expected to be a tensor of shape "
                         "`(batch_size, max_length)` in integer format. "
                         f"Received: y_true.shape={tuple(labels.shape)}")
    if logits.dim() != 3:
        raise ValueError("Logits `y_pred` are expected to be a tensor of shape "
                         "`(batch_size, max_length, num_classes)`. "
                         f"Received: y_pred.shape={tuple(logits.shape)}")
    batch, steps = logits.shape[:2]
    output_length = torch.full((batch,), steps, dtype=torch.int32, device=logits.device)
    label_length = (labels != 0).sum(dim=-1).to(torch.int32)
    return ctc_loss(labels, logits, label_length, output_length, mask_index=0)


@register(_CLASSES)
class CTC(_OptionsLoss):
    """`ctc`, reduced.

    Args:
        reduction: see `Loss`.
        name: defaults to 'ctc'.
        dtype: see `Loss`.

    Example:
        >>> CTC()(torch.tensor([[1, 2]]), torch.zeros(1, 4, 3)).shape
        torch.Size([])
    """

    _fn = staticmethod(ctc)

    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        super().__init__(reduction, name, dtype)

    def get_config(self) -> dict[str, Any]:
        return Loss.get_config(self)


returns_for_user_in(globals(), [_FUNCTIONS])
