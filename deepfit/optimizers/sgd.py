"""SGD: gradient descent with optional (Nesterov) momentum."""

from __future__ import annotations

from typing import Any

import torch

from deepfit.identifiers import register
from deepfit.optimizers.base import (
    _REGISTRY,
    LearningRate,
    Optimizer,
    _FlatGroup,
    _unit_interval,
)


@register(_REGISTRY)
class SGD(Optimizer):
    """Gradient descent with optional (Nesterov) momentum, as Keras: `m = momentum*m - lr*g`,
    then `p += m`, or with Nesterov `p += momentum*m - lr*g`.

    Args:
        learning_rate: a float, schedule or callable.
        momentum: a float in [0, 1].
        nesterov: use Nesterov momentum.
        **kwargs: the common arguments of `Optimizer` (weight_decay, clipnorm, ..., name).

    Example:
        >>> SGD(learning_rate=0.1, momentum=0.9).get_config()["momentum"]
        0.9
    """

    _n_scratch = 0

    def __init__(
        self,
        learning_rate: LearningRate = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.momentum = _unit_interval("momentum", momentum)
        self.nesterov = bool(nesterov)

    def _slot_specs(self) -> list[tuple[str, float]]:
        return [("momentum", 0.0)] if self.momentum != 0 else []

    def _update_group(self, group: _FlatGroup, grad: torch.Tensor, lr: float) -> None:
        if self.momentum == 0:
            group.param.add_(grad, alpha=-lr)
            return
        m = group.slots["momentum"]
        m.mul_(self.momentum).add_(grad, alpha=-lr)
        if self.nesterov:
            group.param.add_(grad, alpha=-lr).add_(m, alpha=self.momentum)
        else:
            group.param.add_(m)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
