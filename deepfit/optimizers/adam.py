"""The Adam family: Adam, AdamW, Adamax and Nadam."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from deepfit.identifiers import register
from deepfit.optimizers.base import (
    _HAS_FUSED_ADAM,
    _REGISTRY,
    LearningRate,
    Optimizer,
    _FlatGroup,
    _real,
)


def _float32_corrections(beta_1: float, beta_2: float, first: int, last: int
                         ) -> tuple[np.ndarray, np.ndarray]:
    """`sqrt(1 - beta_2^t)` and `1 - beta_1^t` in float32 for t = first..last."""
    f32 = np.float32
    steps = np.arange(first, last + 1, dtype=f32)
    correction_2 = f32(1) - np.power(f32(beta_2), steps)
    return np.sqrt(correction_2), f32(1) - np.power(f32(beta_1), steps)


class _StepSizes:
    """Adam's step size `lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)` computed as Keras computes
    it on every backend: in float32, the betas rounded to float32 first. For beta_2 = 0.999 at
    t = 1, `1 - beta_2^t` is then 1.3e-5 smaller than exact, and Keras's first steps are that
    much shorter; exact float64 made Adam drift from Keras by ~6e-6 of a step per step. The
    float32 corrections are made 4,096 steps at a time (one NumPy call, not six per step).

    Args:
        beta_1, beta_2: the moment decays.
    """

    __slots__ = ("beta_1", "beta_2", "first", "sqrt_correction_2", "correction_1", "lr",
                 "sizes", "previous_lr")
    BLOCK = 4096

    def __init__(self, beta_1: float, beta_2: float) -> None:
        self.beta_1, self.beta_2, self.first = beta_1, beta_2, None
        self.lr = self.previous_lr = None
        self.sizes: list[float] = []

    def __call__(self, lr: float, t: int) -> float:
        if self.first is None or not self.first <= t < self.first + self.BLOCK:
            self.first, self.lr = t, None
            self.sqrt_correction_2, self.correction_1 = _float32_corrections(
                self.beta_1, self.beta_2, t, t + self.BLOCK - 1)
        i = t - self.first
        if lr == self.lr:
            return self.sizes[i]
        if lr == self.previous_lr:  # a constant rate: the block's step sizes in one go
            self.lr = lr
            self.sizes = ((np.float32(lr) * self.sqrt_correction_2) / self.correction_1).tolist()
            return self.sizes[i]
        self.previous_lr = lr  # a schedule's rate changes every step: one at a time
        return float(np.float32(lr) * self.sqrt_correction_2[i] / self.correction_1[i])


def _alpha_for(group: _FlatGroup, scalars: tuple[float, float, int, float]) -> float:
    return scalars[3] if group.param.dtype == torch.float64 else scalars[1]


@register(_REGISTRY)
class Adam(Optimizer):
    """Adam with Keras's epsilon placement: `alpha = lr*sqrt(1-beta_2^t)/(1-beta_1^t)`,
    `p -= alpha * m / (sqrt(v) + epsilon)`.

    Args:
        learning_rate: a float, schedule or callable.
        beta_1: decay of the first moment.
        beta_2: decay of the second moment.
        epsilon: added to `sqrt(v)`.
        amsgrad: use the running maximum of `v` (AMSGrad).
        **kwargs: the common arguments of `Optimizer` (weight_decay, clipnorm, ..., name).

    Example:
        >>> Adam().get_config()["beta_2"]
        0.999
    """

    _use_fused = True  # torch's fused Adam kernel where the device/dtype has one

    def __init__(
        self,
        learning_rate: LearningRate = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = _real("beta_1", beta_1)
        self.beta_2 = _real("beta_2", beta_2)
        self.epsilon = _real("epsilon", epsilon)
        self.amsgrad = bool(amsgrad)

    def _slot_specs(self) -> list[tuple[str, float]]:
        specs = [("momentum", 0.0), ("velocity", 0.0)]
        return specs + [("velocity_hat", 0.0)] if self.amsgrad else specs

    def _step_scalars(self, lr: float, t: int) -> tuple[float, float, int, float]:
        # Keras computes the step size in the variable's dtype: float32 for float32 weights.
        exact = lr * math.sqrt(1.0 - self.beta_2**t) / (1.0 - self.beta_1**t)
        sizes = self.__dict__.get("_step_sizes")
        if sizes is None or (sizes.beta_1, sizes.beta_2) != (self.beta_1, self.beta_2):
            sizes = self._step_sizes = _StepSizes(self.beta_1, self.beta_2)
        return lr, sizes(lr, t), t, exact

    def _update_group(self, group: _FlatGroup, grad: torch.Tensor, scalars) -> None:
        if self._use_fused and group.extra.get("fused", _HAS_FUSED_ADAM) and (
            self._fused_update(group, grad, scalars)
        ):
            return
        alpha = _alpha_for(group, scalars)
        m, v = group.slots["momentum"], group.slots["velocity"]
        m.lerp_(grad, 1.0 - self.beta_1)
        v.mul_(self.beta_2).addcmul_(grad, grad, value=1.0 - self.beta_2)
        if self.amsgrad:
            v = torch.maximum(group.slots["velocity_hat"], v, out=group.slots["velocity_hat"])
        denom = torch.sqrt(v, out=group.scratch[0]).add_(self.epsilon)
        group.param.addcdiv_(m, denom, value=-alpha)

    def _fused_update(self, group: _FlatGroup, grad: torch.Tensor, scalars) -> bool:
        """One fused kernel. Torch's Adam divides by its own (float64) bias corrections and
        puts epsilon after the correction of sqrt(v); a learning rate and epsilon rescaled by
        them give exactly Keras's `alpha * m / (sqrt(v) + epsilon)`."""
        alpha, t = _alpha_for(group, scalars), scalars[2]
        correction_1, correction_2 = 1.0 - self.beta_1**t, math.sqrt(1.0 - self.beta_2**t)
        step = group.extra.get("step")
        if step is None:
            step = group.extra["step"] = torch.zeros((), device=group.param.device)
        step.fill_(t)
        slots = group.slots
        try:
            torch._fused_adam_(
                [group.param], [grad], [slots["momentum"]], [slots["velocity"]],
                [slots["velocity_hat"]] if self.amsgrad else [], [step],
                lr=alpha * correction_1 / correction_2, beta1=self.beta_1, beta2=self.beta_2,
                weight_decay=0.0, eps=self.epsilon / correction_2, amsgrad=self.amsgrad,
                maximize=False,
            )
        except (RuntimeError, NotImplementedError):  # no fused kernel for this device/dtype
            group.extra["fused"] = False
            return False
        group.extra["fused"] = True
        return True

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}


@register(_REGISTRY)
class AdamW(Adam):
    """Adam with decoupled weight decay (`p -= p * weight_decay * lr` before each update).

    Args:
        learning_rate: a float, schedule or callable.
        weight_decay: the decay rate (required: not None).
        beta_1: decay of the first moment.
        beta_2: decay of the second moment.
        epsilon: added to `sqrt(v)`.
        amsgrad: use the running maximum of `v`.
        **kwargs: the common arguments of `Optimizer` (clipnorm, ..., name).

    Example:
        >>> AdamW().weight_decay
        0.004
    """

    def __init__(
        self,
        learning_rate: LearningRate = 0.001,
        weight_decay: float = 0.004,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, amsgrad=amsgrad, weight_decay=weight_decay, **kwargs)
        if self.weight_decay is None:
            raise ValueError(
                "Argument `weight_decay` must be a float. Received: weight_decay=None"
            )


@register(_REGISTRY)
class Adamax(Optimizer):
    """Adamax as Keras: `u = max(beta_2*u, |g|)`, `p -= lr*m / ((1-beta_1^t) * (u + epsilon))`.

    Args:
        learning_rate: a float, schedule or callable.
        beta_1: decay of the first moment.
        beta_2: decay of the infinity norm.
        epsilon: added to the norm.
        **kwargs: the common arguments of `Optimizer` (weight_decay, clipnorm, ..., name).

    Example:
        >>> Adamax().beta_1
        0.9
    """

    def __init__(
        self,
        learning_rate: LearningRate = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = _real("beta_1", beta_1)
        self.beta_2 = _real("beta_2", beta_2)
        self.epsilon = _real("epsilon", epsilon)

    def _slot_specs(self) -> list[tuple[str, float]]:
        return [("momentum", 0.0), ("norm", 0.0)]

    def _step_scalars(self, lr: float, t: int) -> float:
        return lr / (1.0 - self.beta_1**t)

    def _update_group(self, group: _FlatGroup, grad: torch.Tensor, step_size: float) -> None:
        m = group.slots["momentum"].lerp_(grad, 1.0 - self.beta_1)
        u = group.slots["norm"].mul_(self.beta_2)
        torch.maximum(u, torch.abs(grad, out=group.scratch[0]), out=u)
        denom = torch.add(u, self.epsilon, out=group.scratch[0])
        group.param.addcdiv_(m, denom, value=-step_size)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}


@register(_REGISTRY)
class Nadam(Optimizer):
    """Nadam as Keras, with its momentum cache: `u_t = beta_1*(1 - 0.5*0.96^t)` and the running
    product of the `u_t` correcting the Nesterov-style first moment.

    Args:
        learning_rate: a float, schedule or callable.
        beta_1: decay of the first moment.
        beta_2: decay of the second moment.
        epsilon: added to `sqrt(v_hat)`.
        **kwargs: the common arguments of `Optimizer` (weight_decay, clipnorm, ..., name).

    Example:
        >>> Nadam().beta_2
        0.999
    """

    _n_scratch = 2

    def __init__(
        self,
        learning_rate: LearningRate = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = _real("beta_1", beta_1)
        self.beta_2 = _real("beta_2", beta_2)
        self.epsilon = _real("epsilon", epsilon)
        self._u_product = (0, 1.0)  # (t, product of u_1..u_t): a function of t only

    def _slot_specs(self) -> list[tuple[str, float]]:
        return [("momentum", 0.0), ("velocity", 0.0)]

    def _u(self, t: int) -> float:
        return self.beta_1 * (1.0 - 0.5 * 0.96**t)

    def _product_through(self, t: int) -> float:
        cached_t, product = self._u_product
        if t != cached_t + 1:
            cached_t, product = 0, 1.0
        for s in range(cached_t + 1, t + 1):
            product *= self._u(s)
        self._u_product = (t, product)
        return product

    def _step_scalars(self, lr: float, t: int) -> tuple[float, float, float, float]:
        u_t, u_next = self._u(t), self._u(t + 1)
        product = self._product_through(t)
        m_scale = u_next / (1.0 - product * u_next)
        g_scale = (1.0 - u_t) / (1.0 - product)
        return lr, m_scale, g_scale, 1.0 - self.beta_2**t

    def _update_group(self, group: _FlatGroup, grad: torch.Tensor, scalars) -> None:
        lr, m_scale, g_scale, v_correction = scalars
        m = group.slots["momentum"].lerp_(grad, 1.0 - self.beta_1)
        v = group.slots["velocity"].mul_(self.beta_2).addcmul_(grad, grad, value=1 - self.beta_2)
        m_hat = torch.mul(m, m_scale, out=group.scratch[0]).add_(grad, alpha=g_scale)
        denom = torch.div(v, v_correction, out=group.scratch[1]).sqrt_().add_(self.epsilon)
        group.param.addcdiv_(m_hat, denom, value=-lr)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}
