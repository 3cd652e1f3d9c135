"""FTRL-Proximal (McMahan et al., 2013): per-coordinate rates from an accumulator of squared
gradients, with L1 (sparsity), L2 and L2-shrinkage regularization built into the update."""

from __future__ import annotations

from typing import Any

import torch

from deepfit.identifiers import register
from deepfit.optimizers.base import _REGISTRY, LearningRate, Optimizer, _FlatGroup, _real


@register(_REGISTRY)
class Ftrl(Optimizer):
    """FTRL as Keras: with `n' = n + g^2`,
    `z += g + 2*l2_shrinkage*p - (n'^(-power) - n^(-power)) / lr * p`,
    `p = (clip(z, -l1, l1) - z) / (n'^(-power) / lr + 2*(l2 + beta / (2*lr)))`.

    Args:
        learning_rate: a float, schedule or callable.
        learning_rate_power: how the rate decays with the accumulator, <= 0 (-0.5: 1/sqrt).
        initial_accumulator_value: the accumulators' starting value, >= 0.
        l1_regularization_strength: >= 0; larger values zero more weights.
        l2_regularization_strength: >= 0.
        l2_shrinkage_regularization_strength: >= 0, an L2 penalty on the gradient's side.
        beta: the `beta` of the FTRL paper (0 in Keras's default).
        **kwargs: the common arguments of `Optimizer` (weight_decay, clipnorm, ..., name).

    Example:
        >>> Ftrl(l1_regularization_strength=0.01).get_config()["learning_rate_power"]
        -0.5
    """

    _n_scratch = 2

    def __init__(self, learning_rate: LearningRate = 0.001, learning_rate_power: float = -0.5,
                 initial_accumulator_value: float = 0.1, l1_regularization_strength: float = 0.0,
                 l2_regularization_strength: float = 0.0,
                 l2_shrinkage_regularization_strength: float = 0.0, beta: float = 0.0,
                 **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        checks = (("initial_accumulator_value", initial_accumulator_value, "positive or zero"),
                  ("learning_rate_power", -_real("learning_rate_power", learning_rate_power),
                   "negative or zero"),
                  ("l1_regularization_strength", l1_regularization_strength, "positive or zero"),
                  ("l2_regularization_strength", l2_regularization_strength, "positive or zero"),
                  ("l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength,
                   "positive or zero"))
        for argument, value, expected in checks:
            if _real(argument, value) < 0.0:
                shown = -value if argument == "learning_rate_power" else value
                raise ValueError(f"`{argument}` needs to be {expected}. Received: "
                                 f"{argument}={shown}.")
        self.learning_rate_power = float(learning_rate_power)
        self.initial_accumulator_value = float(initial_accumulator_value)
        self.l1_regularization_strength = float(l1_regularization_strength)
        self.l2_regularization_strength = float(l2_regularization_strength)
        self.l2_shrinkage_regularization_strength = float(l2_shrinkage_regularization_strength)
        self.beta = _real("beta", beta)

    def _slot_specs(self) -> list[tuple[str, float]]:
        return [("accumulator", self.initial_accumulator_value), ("linear", 0.0)]

    def _update_group(self, group: _FlatGroup, grad: torch.Tensor, lr: float) -> None:
        accum, linear, p = group.slots["accumulator"], group.slots["linear"], group.param
        power = -self.learning_rate_power
        l1 = self.l1_regularization_strength
        l2 = self.l2_regularization_strength + self.beta / (2.0 * lr)
        new_accum = torch.addcmul(accum, grad, grad, out=group.scratch[0])
        new_rate = torch.pow(new_accum, power)
        step = (new_rate - torch.pow(accum, power)).div_(lr).mul_(p)
        shrinkage = self.l2_shrinkage_regularization_strength
        gradient = grad if not shrinkage else grad + (2 * shrinkage) * p
        linear.add_(gradient - step)
        quadratic = new_rate.div_(lr).add_(2 * l2)
        clipped = torch.clamp(linear, -l1, l1, out=group.scratch[1])
        p.copy_(clipped.sub_(linear).div_(quadratic))
        accum.copy_(new_accum)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "learning_rate_power": self.learning_rate_power,
                "initial_accumulator_value": self.initial_accumulator_value,
                "l1_regularization_strength": self.l1_regularization_strength,
                "l2_regularization_strength": self.l2_regularization_strength,
                "l2_shrinkage_regularization_strength":
                    self.l2_shrinkage_regularization_strength,
                "beta": self.beta}
