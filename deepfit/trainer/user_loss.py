"""The loss of one step: the model's own `compute_loss` when a subclass overrides it (Keras 3's
hook for custom losses, e.g. knowledge distillation), else the compiled rule.

Keras's default `train_step` and `test_step` call `self.compute_loss(x=, y=, y_pred=,
sample_weight=)`, adding `training=` only when the override's signature takes it, so an
override written for an older signature (or with extra keywords such as `allow_empty`) works.
"""

from __future__ import annotations

import inspect
from typing import Any

import torch


def overrides_compute_loss(model: Any) -> bool:
    """Whether `model`'s class replaces `Trainer.compute_loss`.

    Args:
        model: a deepfit model.

    Returns:
        True when a subclass defines its own `compute_loss`.
    """
    from deepfit.trainer.trainer import Trainer

    return type(model).compute_loss is not Trainer.compute_loss


def step_loss(model: Any, x: Any, y: Any, y_pred: Any, sample_weight: Any,
              training: bool) -> torch.Tensor:
    """The scalar loss of a step, as Keras's default steps compute it.

    Args:
        model: the model being trained or evaluated.
        x, y, y_pred, sample_weight: the batch and the model's outputs.
        training: whether this is a training step.

    Returns:
        The loss tensor.
    """
    if not overrides_compute_loss(model):
        return model._total_loss(y, y_pred, sample_weight)
    kwargs = {"x": x, "y": y, "y_pred": y_pred, "sample_weight": sample_weight}
    if _takes_training(type(model).compute_loss):
        kwargs["training"] = training
    loss = model.compute_loss(**kwargs)
    if not isinstance(loss, torch.Tensor):
        raise TypeError(f"{type(model).__name__}.compute_loss() must return a scalar tensor; "
                        f"received {type(loss).__name__}")
    return loss if loss.ndim == 0 else loss.mean()


def _takes_training(function: Any) -> bool:
    parameters = inspect.signature(function).parameters.values()
    return any(p.name == "training" or p.kind is p.VAR_KEYWORD for p in parameters)
