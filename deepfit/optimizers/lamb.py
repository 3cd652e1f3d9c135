"""LAMB (You et al., 2019): Adam's step rescaled, variable by variable, by the ratio of the
variable's norm to the step's norm (layer-wise trust ratio), for large-batch training."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from deepfit.identifiers import register
from deepfit.optimizers.base import _REGISTRY, LearningRate, Optimizer, _FlatGroup, _real


def _norms(group: _FlatGroup, flat: torch.Tensor) -> torch.Tensor:
    return torch.stack(torch._foreach_norm(group.views(flat)))


@register(_REGISTRY)
class Lamb(Optimizer):
    """LAMB as Keras: Adam's moments and bias corrections, `u = m_hat / (sqrt(v_hat) + eps)`,
    then `p -= lr * (||p|| / ||u||) * u` per variable (a ratio of 1 when a norm is 0).

    Args:
        learning_rate: a float, schedule or callable.
        beta_1: decay of the first moment.
        beta_2: decay of the second moment.
        epsilon: added to `sqrt(v_hat)`.
        **kwargs: the common arguments of `Optimizer` (weight_decay, clipnorm, ..., name).

    Example:
        >>> Lamb().get_config()["epsilon"]
        1e-07
    """

    _n_scratch = 2

    def __init__(self, learning_rate: LearningRate = 0.001, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = _real("beta_1", beta_1)
        self.beta_2 = _real("beta_2", beta_2)
        self.epsilon = _real("epsilon", epsilon)

    def _slot_specs(self) -> list[tuple[str, float]]:
        return [("momentum", 0.0), ("velocity", 0.0)]

    def _step_scalars(self, lr: float, t: int) -> tuple[float, float, float]:
        # Keras raises the betas to the step in float32.
        step = np.float32(t)
        return (lr, float(np.float32(1) - np.float32(self.beta_1) ** step),
                float(np.float32(1) - np.float32(self.beta_2) ** step))

    def _update_group(self, group: _FlatGroup, grad: torch.Tensor, scalars) -> None:
        lr, correction_1, correction_2 = scalars
        m, v = group.slots["momentum"], group.slots["velocity"]
        m.add_((grad - m).mul_(1 - self.beta_1))
        v.add_((grad * grad).sub_(v).mul_(1 - self.beta_2))
        denominator = torch.div(v, correction_2, out=group.scratch[0]).sqrt_().add_(self.epsilon)
        update = torch.div(m, correction_1, out=group.scratch[1]).div_(denominator)
        w_norm, u_norm = _norms(group, group.param), _norms(group, update)
        ratio = torch.where((w_norm > 0) & (u_norm > 0), w_norm / u_norm, 1.0)
        scale = torch.repeat_interleave(ratio * lr, group.counts, output_size=group.total)
        group.param.sub_(update.mul_(scale))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}
