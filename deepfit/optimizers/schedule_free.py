"""Schedule-free AdamW (Defazio et al., 2024): Adam's normalized step on a base sequence `z`,
its running average `x`, and the weights `y` held between the two — no learning-rate schedule
needed beyond an optional linear warmup."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from deepfit.identifiers import register
from deepfit.optimizers.base import _REGISTRY, LearningRate, Optimizer, _FlatGroup, _real


@register(_REGISTRY)
class ScheduleFreeAdamW(Optimizer):
    """Schedule-free AdamW as Keras: the 'momentum' slot holds `z` (starting at the weights),
    `v` is Adam's second moment; per step, with `lr` warmed up over `warmup_steps`,
    `z -= lr * g / (sqrt(v / (1 - beta_2^t)) + epsilon)`, `x = (y - (1-beta_1) z) / beta_1`
    averaged with weight `1/t` towards `z`, and `y = (1-beta_1) z + beta_1 x`. The `z` in `x`
    is the updated one, as Keras's torch and TensorFlow backends compute it (their
    "momentum_old" reads the variable after its in-place update; Keras's JAX backend uses the
    `z` from before the step).

    Args:
        learning_rate: a float, schedule or callable.
        beta_1: the interpolation between the average and the base sequence.
        beta_2: decay of the second moment.
        epsilon: added to the normalizer.
        warmup_steps: steps of linear learning-rate warmup (0: none).
        **kwargs: the common arguments of `Optimizer` (weight_decay, clipnorm, ..., name).

    Example:
        >>> ScheduleFreeAdamW().get_config()["learning_rate"]
        0.0025
    """

    _n_scratch = 2

    def __init__(self, learning_rate: LearningRate = 0.0025, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-8, warmup_steps: int = 0,
                 **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = _real("beta_1", beta_1)
        self.beta_2 = _real("beta_2", beta_2)
        self.epsilon = _real("epsilon", epsilon)
        if isinstance(warmup_steps, bool) or not isinstance(warmup_steps, int) or (
                warmup_steps < 0):
            raise ValueError(f"warmup_steps: expected an integer >= 0, received {warmup_steps!r}")
        self.warmup_steps = warmup_steps
        self._started: set[int] = set()

    def _slot_specs(self) -> list[tuple[str, float]]:
        return [("momentum", 0.0), ("velocity", 0.0)]

    @torch.no_grad()
    def build(self, variables: Sequence[torch.Tensor]) -> None:
        restoring = self._pending_state is not None
        super().build(variables)
        # The base sequence starts at the weights (unless a saved state provided it).
        for p, (group, j) in zip(self._vars, self._where):
            if id(p) not in self._started:
                if not restoring:
                    group.view(group.slots["momentum"], j).copy_(group.view(group.param, j))
                self._started.add(id(p))

    def _step_scalars(self, lr: float, t: int) -> tuple[float, float, float]:
        f32 = np.float32
        step = f32(t)
        if self.warmup_steps > 0:
            lr = float(f32(lr) * min(step / f32(self.warmup_steps), f32(1.0)))
        return lr, float(f32(1) - np.power(f32(self.beta_2), step)), float(f32(1) / step)

    def _update_group(self, group: _FlatGroup, grad: torch.Tensor, scalars) -> None:
        lr, correction_2, weight = scalars
        z, v, y = group.slots["momentum"], group.slots["velocity"], group.param
        b1 = self.beta_1
        v.add_((grad * grad).sub_(v).mul_(1 - self.beta_2))
        denominator = torch.div(v, correction_2, out=group.scratch[0]).sqrt_().add_(self.epsilon)
        z.sub_(torch.mul(grad, lr, out=group.scratch[1]).div_(denominator))
        x_old = (y - (1 - b1) * z).div_(b1)
        x_new = x_old.mul_(1 - weight).add_(z * weight)
        y.copy_((1 - b1) * z + b1 * x_new)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "warmup_steps": self.warmup_steps}
