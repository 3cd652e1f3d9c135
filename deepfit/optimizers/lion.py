"""Lion (Chen et al., 2023): the sign of an interpolated momentum as the step."""

from __future__ import annotations

from typing import Any

import torch

from deepfit.identifiers import register
from deepfit.optimizers.base import _REGISTRY, LearningRate, Optimizer, _FlatGroup, _real


@register(_REGISTRY)
class Lion(Optimizer):
    """Lion as Keras: `p -= lr * sign(beta_1*m + (1-beta_1)*g)`, then
    `m = beta_2*m + (1-beta_2)*g`. Its steps are larger than Adam's: use a 3-10x smaller
    learning rate (and a 3-10x larger weight decay).

    Args:
        learning_rate: a float, schedule or callable.
        beta_1: how much of the momentum the step's direction takes, in (0, 1].
        beta_2: the momentum's decay.
        **kwargs: the common arguments of `Optimizer` (weight_decay, clipnorm, ..., name).

    Example:
        >>> Lion(learning_rate=1e-4).get_config()["beta_2"]
        0.99
    """

    def __init__(self, learning_rate: LearningRate = 0.001, beta_1: float = 0.9,
                 beta_2: float = 0.99, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError("Argument `beta_1` must be in the [0, 1] range. Otherwise, the "
                             f"optimizer degenerates to SignSGD. Received: beta_1={beta_1}.")
        self.beta_1 = _real("beta_1", beta_1)
        self.beta_2 = _real("beta_2", beta_2)

    def _slot_specs(self) -> list[tuple[str, float]]:
        return [("momentum", 0.0)]

    def _update_group(self, group: _FlatGroup, grad: torch.Tensor, lr: float) -> None:
        m = group.slots["momentum"]
        direction = torch.mul(m, self.beta_1, out=group.scratch[0])
        direction.add_(grad, alpha=1.0 - self.beta_1).sign_()
        group.param.sub_(direction, alpha=lr)
        m.mul_(self.beta_2).add_(grad, alpha=1.0 - self.beta_2)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2}
