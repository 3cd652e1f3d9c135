"""What fit learns from its first batch in ONE forward pass before the first step.

Why: building the model, checking the targets, the pre-flight checks, the History's baseline
loss and the FLOP estimate that picks the thread count all need the model's outputs on one
batch. Running the model once for all of them keeps fit's start cheap and leaves every
layer's state as it was (the pass runs under `layer_states_kept`: a stateful RNN keeps its
carried state).

Example:
    >>> prepared = first_pass(model, x)        # inside fit's preparation
    >>> prepared.y_pred.shape, prepared.flops_per_sample
    (torch.Size([32, 10]), 203264.0)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from deepfit.trainer.runtime import FlopCounter
from deepfit.trainer.state import layer_states_kept


@dataclass
class Preparation:
    """The first batch and what one pass of the model over it gave.

    Attributes:
        x, y, sample_weight: the first training batch.
        y_pred: the model's outputs on `x` (inference mode, no gradients), or None for a
            model without a `call` (only a custom `train_step`).
        flops_per_sample: forward FLOPs per sample counted on that pass, or None when not
            counted (no pass, or layers the pass created).
    """

    x: Any
    y: Any
    sample_weight: Any
    y_pred: Any = None
    flops_per_sample: float | None = None


def first_pass(model: Any, batch: tuple) -> Preparation:
    """Run `model` once on the batch's inputs, counting FLOPs, without changing layer state.

    Args:
        model: the model (it builds on this call if it was not built).
        batch: `(x, y, sample_weight)`.

    Returns:
        The `Preparation`.
    """
    x, y, sample_weight = batch
    with layer_states_kept(model), torch.no_grad(), FlopCounter(model) as counter:
        y_pred = model(x, training=False)
    return Preparation(x, y, sample_weight, y_pred, counter.per_sample)
