"""The adaptive-accumulator family: Adagrad and Adadelta."""

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
class Adagrad(Optimizer):
    """Adagrad as Keras: `acc += g^2`, `p -= lr*g / sqrt(acc + epsilon)`.

    Args:
        learning_rate: a float, schedule or callable.
        initial_accumulator_value: the accumulators' starting value.
        epsilon: added inside the square root.
        **kwargs: the common arguments of `Optimizer` (weight_decay, clipnorm, ..., name).

    Example:
        >>> Adagrad().initial_accumulator_value
        0.1
    """

    def __init__(
        self,
        learning_rate: LearningRate = 0.001,
        initial_accumulator_value: float = 0.1,
        epsilon: float = 1e-7,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.initial_accumulator_value = _real("initial_accumulator_value",
                                               initial_accumulator_value)
        self.epsilon = _real("epsilon", epsilon)

    def _slot_specs(self) -> list[tuple[str, float]]:
        return [("accumulator", self.initial_accumulator_value)]

    def _update_group(self, group: _FlatGroup, grad: torch.Tensor, lr: float) -> None:
        acc = group.slots["accumulator"].addcmul_(grad, grad)
        denom = torch.add(acc, self.epsilon, out=group.scratch[0]).sqrt_()
        group.param.addcdiv_(grad, denom, value=-lr)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(),
                "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}


@register(_REGISTRY)
class Adadelta(Optimizer):
    """Adadelta as Keras: `delta = sqrt(acc_delta + eps) / sqrt(acc_grad + eps) * g`,
    `p -= lr * delta`, with both accumulators decayed by `rho`.

    Args:
        learning_rate: a float, schedule or callable.
        rho: decay of the accumulators.
        epsilon: added inside the square roots.
        **kwargs: the common arguments of `Optimizer` (weight_decay, clipnorm, ..., name).

    Example:
        >>> Adadelta().rho
        0.95
    """

    _n_scratch = 2

    def __init__(
        self,
        learning_rate: LearningRate = 0.001,
        rho: float = 0.95,
        epsilon: float = 1e-7,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho = _real("rho", rho)
        self.epsilon = _real("epsilon", epsilon)

    def _slot_specs(self) -> list[tuple[str, float]]:
        return [("accumulated_grad", 0.0), ("accumulated_delta_var", 0.0)]

    def _update_group(self, group: _FlatGroup, grad: torch.Tensor, lr: float) -> None:
        rho, eps = self.rho, self.epsilon
        acc_grad = group.slots["accumulated_grad"].mul_(rho).addcmul_(grad, grad, value=1 - rho)
        acc_delta = group.slots["accumulated_delta_var"]
        delta = torch.add(acc_delta, eps, out=group.scratch[0]).sqrt_().mul_(grad)
        delta.div_(torch.add(acc_grad, eps, out=group.scratch[1]).sqrt_())
        acc_delta.mul_(rho).addcmul_(delta, delta, value=1 - rho)
        group.param.add_(delta, alpha=-lr)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
