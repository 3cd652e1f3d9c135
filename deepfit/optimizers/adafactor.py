"""Adafactor (Shazeer & Stern, 2018): an Adam-like step whose second moment is factored into
row and column averages for matrices, with a relative step size and update clipping."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from deepfit.identifiers import register
from deepfit.optimizers.base import _REGISTRY, LearningRate, Optimizer, _FlatGroup, _real


def _rms(x: torch.Tensor) -> torch.Tensor:
    return torch.sqrt(torch.mean(torch.square(x)))


def _factors(group: _FlatGroup, j: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The row and column averages of variable `j` (rank >= 2): the leading elements of its
    segments of the 'row' and 'column' buffers, so that they are saved with the state."""
    shape = group.params[j].shape
    row_shape, column_shape = shape[:-1], shape[:-2] + shape[-1:]
    row = group.view(group.slots["row"], j).reshape(-1)[:math.prod(row_shape)]
    column = group.view(group.slots["column"], j).reshape(-1)[:math.prod(column_shape)]
    return row.view(row_shape), column.view(column_shape)


@register(_REGISTRY)
class Adafactor(Optimizer):
    """Adafactor as Keras: with `t` the step, `rho = min(lr, 1/sqrt(t))`,
    `beta = 1 - t^beta_2_decay` and `s = g^2 + epsilon_1`, the second moment `v` is
    `beta*v + (1-beta)*s` for vectors, and for matrices the outer product of the running row
    means (normalized by their mean) and column means of `s`; then
    `u = g / sqrt(v)`, `u /= max(1, rms(u) / clip_threshold)` and
    `p -= max(epsilon_2, rms(p)) * rho * u`.

    Args:
        learning_rate: a float, schedule or callable (capped at `1/sqrt(t)`).
        beta_2_decay: the exponent of the second moment's decay schedule.
        epsilon_1: added to the squared gradients.
        epsilon_2: the smallest scale of a step (relative to the variable's RMS).
        clip_threshold: the largest RMS of an update before it is scaled down.
        relative_step: kept for Keras compatibility (the rate is capped at `1/sqrt(t)`
            either way, as in Keras).
        **kwargs: the common arguments of `Optimizer` (weight_decay, clipnorm, ..., name).

    Example:
        >>> Adafactor().get_config()["beta_2_decay"]
        -0.8
    """

    def __init__(self, learning_rate: LearningRate = 0.001, beta_2_decay: float = -0.8,
                 epsilon_1: float = 1e-30, epsilon_2: float = 1e-3, clip_threshold: float = 1.0,
                 relative_step: bool = True, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_2_decay = _real("beta_2_decay", beta_2_decay)
        self.epsilon_1 = _real("epsilon_1", epsilon_1)
        self.epsilon_2 = _real("epsilon_2", epsilon_2)
        self.clip_threshold = _real("clip_threshold", clip_threshold)
        self.relative_step = bool(relative_step)

    def _slot_specs(self) -> list[tuple[str, float]]:
        return [("velocity", 0.0), ("row", 0.0), ("column", 0.0)]

    def _step_scalars(self, lr: float, t: int) -> tuple[float, float]:
        # Keras computes these in the variables' dtype (float32).
        f32 = np.float32
        step = f32(t)
        rho = min(f32(lr), f32(1) / np.sqrt(step))
        return float(rho), float(f32(1) - np.power(step, f32(self.beta_2_decay)))

    def _update_group(self, group: _FlatGroup, grad: torch.Tensor, scalars) -> None:
        rho, beta = scalars
        params, grads = group.views(group.param), group.views(grad)
        velocities = group.views(group.slots["velocity"])
        for j, (p, g, v) in enumerate(zip(params, grads, velocities)):
            scale = torch.clamp(_rms(p), min=self.epsilon_2) * rho
            squared = torch.square(g).add_(self.epsilon_1)
            if p.dim() >= 2:
                row, column = _factors(group, j)
                row.mul_(beta).add_(squared.mean(dim=-1), alpha=1 - beta)
                column.mul_(beta).add_(squared.mean(dim=-2), alpha=1 - beta)
                v.copy_((row / row.mean(dim=-1, keepdim=True)).unsqueeze(-1)
                        * column.unsqueeze(-2))
            else:
                v.mul_(beta).add_(squared, alpha=1 - beta)
            update = g / torch.sqrt(v)
            update = update / torch.clamp(_rms(update) / self.clip_threshold, min=1.0)
            p.sub_(scale * update)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta_2_decay": self.beta_2_decay,
                "epsilon_1": self.epsilon_1, "epsilon_2": self.epsilon_2,
                "clip_threshold": self.clip_threshold, "relative_step": self.relative_step}
