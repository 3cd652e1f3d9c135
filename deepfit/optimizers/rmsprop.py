"""RMSprop."""

from __future__ import annotations

from typing import Any

import torch

from deepfit.identifiers import register
from deepfit.optimizers.base import (
    _REGISTRY,
    LearningRate,
    Optimizer,
    _FlatGroup,
    _real,
)


@register(_REGISTRY)
class RMSprop(Optimizer):
    """RMSprop as Keras: `v = rho*v + (1-rho)*g^2`, `p -= lr*g / sqrt(v + epsilon)` (centered:
    `sqrt(v - mean_g^2 + epsilon)`), optionally through a momentum buffer.

    Args:
        learning_rate: a float, schedule or callable.
        rho: decay of the squared-gradient average.
        momentum: momentum of the update (0 for none).
        epsilon: added inside the square root.
        centered: normalize by the variance instead of the second moment.
        **kwargs: the common arguments of `Optimizer` (weight_decay, clipnorm, ..., name).

    Example:
        >>> RMSprop().get_config()["rho"]
        0.9
    """

    def __init__(
        self,
        learning_rate: LearningRate = 0.001,
        rho: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-7,
        centered: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho = _real("rho", rho)
        self.momentum = _real("momentum", momentum)
        self.epsilon = _real("epsilon", epsilon)
        self.centered = bool(centered)

    def _slot_specs(self) -> list[tuple[str, float]]:
        specs = [("velocity", 0.0)]
        if self.momentum > 0:
            specs.append(("momentum", 0.0))
        if self.centered:
            specs.append(("average_gradient", 0.0))
        return specs

    def _update_group(self, group: _FlatGroup, grad: torch.Tensor, lr: float) -> None:
        rho, slots = self.rho, group.slots
        v = slots["velocity"].mul_(rho).addcmul_(grad, grad, value=1.0 - rho)
        denom = torch.add(v, self.epsilon, out=group.scratch[0])
        if self.centered:
            mean = slots["average_gradient"].mul_(rho).add_(grad, alpha=1.0 - rho)
            denom.addcmul_(mean, mean, value=-1.0)
        denom.sqrt_()
        if self.momentum > 0:
            m = slots["momentum"].mul_(self.momentum).addcdiv_(grad, denom, value=lr)
            group.param.sub_(m)
        else:
            group.param.addcdiv_(grad, denom, value=-lr)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}
