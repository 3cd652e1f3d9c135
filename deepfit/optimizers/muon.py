"""Muon (Jordan et al., 2024): momentum orthogonalized by a Newton-Schulz iteration for the
2-D weight matrices, AdamW for everything else (biases, embeddings, excluded layers)."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import torch

from deepfit.identifiers import register
from deepfit.optimizers.base import _REGISTRY, LearningRate, Optimizer, _FlatGroup, _real


def _swap_last(x: torch.Tensor) -> torch.Tensor:
    return x.transpose(-2, -1)


@register(_REGISTRY)
class Muon(Optimizer):
    """Muon as Keras: for a 2-D variable (not an embedding nor an excluded layer)
    `m += g + (momentum - 1) m`, the Nesterov direction `g + momentum*m` orthogonalized by
    `ns_steps` quintic Newton-Schulz steps, scaled by `sqrt(max(rows, cols)) * rms_rate`;
    other variables take AdamW steps at `learning_rate * adam_lr_ratio`. Weight decay is
    `weight_decay` for Muon variables and `adam_weight_decay` for the others.

    Args:
        learning_rate: a float, schedule or callable.
        adam_beta_1, adam_beta_2: the AdamW moments' decays.
        adam_weight_decay: decoupled weight decay of the AdamW variables.
        epsilon: AdamW's epsilon.
        weight_decay: decoupled weight decay of the Muon variables.
        exclude_layers: regular expressions; variables whose path matches one use AdamW.
        exclude_embeddings: variables with 'embedding' in their path use AdamW.
        muon_a, muon_b, muon_c: the Newton-Schulz polynomial's coefficients.
        adam_lr_ratio: the AdamW variables' learning rate relative to `learning_rate`.
        momentum: Muon's momentum.
        ns_steps: Newton-Schulz iterations.
        nesterov: use the Nesterov direction (else the momentum itself).
        rms_rate: the update's scale factor (None: no rescaling).
        **kwargs: the common arguments of `Optimizer` (clipnorm, ..., name).

    Example:
        >>> Muon().get_config()["ns_steps"]
        5
    """

    def __init__(self, learning_rate: LearningRate = 0.001, adam_beta_1: float = 0.9,
                 adam_beta_2: float = 0.999, adam_weight_decay: float | None = 0.004,
                 epsilon: float = 1e-7, weight_decay: float | None = 0.004,
                 exclude_layers: list[str] | None = None, exclude_embeddings: bool = True,
                 muon_a: float = 3.4445, muon_b: float = -4.7750, muon_c: float = 2.0315,
                 adam_lr_ratio: float = 1, momentum: float = 0.95, ns_steps: int = 5,
                 nesterov: bool = True, rms_rate: float | None = 0.2, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, **kwargs)
        # Muon decays its two kinds of variables differently: done in the update.
        self._decay, self.weight_decay = self.weight_decay, None
        self.adam_beta_1 = _real("adam_beta_1", adam_beta_1)
        self.adam_beta_2 = _real("adam_beta_2", adam_beta_2)
        self.adam_weight_decay = _real("adam_weight_decay", adam_weight_decay, optional=True)
        self.epsilon = _real("epsilon", epsilon)
        self.exclude_layers = list(exclude_layers or [])
        self.exclude_embeddings = bool(exclude_embeddings)
        self.muon_a, self.muon_b = _real("muon_a", muon_a), _real("muon_b", muon_b)
        self.muon_c = _real("muon_c", muon_c)
        self.adam_lr_ratio = _real("adam_lr_ratio", adam_lr_ratio)
        self.momentum = _real("momentum", momentum)
        if isinstance(ns_steps, bool) or not isinstance(ns_steps, int) or ns_steps < 0:
            raise ValueError(f"ns_steps: expected an integer >= 0, received {ns_steps!r}")
        self.ns_steps = ns_steps
        self.nesterov = bool(nesterov)
        self.rms_rate = _real("rms_rate", rms_rate, optional=True)

    def _uses_adamw(self, p: torch.Tensor) -> bool:
        if p.dim() != 2:
            return True
        path = str(getattr(p, "path", None) or getattr(p, "name", None) or "")
        if self.exclude_embeddings and "embedding" in path.lower():
            return True
        return any(re.search(pattern, path) for pattern in self.exclude_layers)

    def _slot_specs(self) -> list[tuple[str, float]]:
        return [("momentum", 0.0), ("velocity", 0.0)]

    def _step_scalars(self, lr: float, t: int) -> tuple[float, float]:
        f32 = np.float32
        adam_lr = f32(lr * self.adam_lr_ratio)
        step = f32(t)
        alpha = adam_lr * np.sqrt(f32(1) - f32(self.adam_beta_2) ** step) / (
            f32(1) - f32(self.adam_beta_1) ** step)
        return lr, float(alpha)

    def _orthogonalized(self, x: torch.Tensor) -> torch.Tensor:
        tall = x.shape[-2] > x.shape[-1]
        if tall:
            x = _swap_last(x)
        x = x / (torch.linalg.matrix_norm(x, keepdim=True) + 1e-7)
        for _ in range(self.ns_steps):
            gram = x @ _swap_last(x)
            x = self.muon_a * x + (self.muon_b * gram + self.muon_c * gram @ gram) @ x
        return _swap_last(x) if tall else x

    def _update_group(self, group: _FlatGroup, grad: torch.Tensor, scalars) -> None:
        lr, alpha = scalars
        views = zip(group.params, group.views(group.param), group.views(grad),
                    group.views(group.slots["momentum"]), group.views(group.slots["velocity"]))
        for original, p, g, m, v in views:
            adamw = self._uses_adamw(original)
            decay = self.adam_weight_decay if adamw else self._decay
            if decay is not None and not self._excluded_from_decay(original):
                p.mul_(1.0 - decay * lr)
            if adamw:
                m.add_((g - m).mul_(1 - self.adam_beta_1))
                v.add_((g * g).sub_(v).mul_(1 - self.adam_beta_2))
                p.sub_(m * alpha / (torch.sqrt(v) + self.epsilon))
                continue
            m.add_(g + m * (self.momentum - 1))
            direction = g + self.momentum * m if self.nesterov else m
            update = self._orthogonalized(direction) * lr
            if self.rms_rate is not None:
                update = update * (max(update.shape[0], update.shape[1]) ** 0.5 * self.rms_rate)
            p.sub_(update)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "weight_decay": self._decay,
                "adam_beta_1": self.adam_beta_1, "adam_beta_2": self.adam_beta_2,
                "epsilon": self.epsilon, "exclude_layers": self.exclude_layers,
                "muon_a": self.muon_a, "muon_b": self.muon_b, "muon_c": self.muon_c,
                "adam_lr_ratio": self.adam_lr_ratio, "momentum": self.momentum,
                "ns_steps": self.ns_steps, "nesterov": self.nesterov,
                "exclude_embeddings": self.exclude_embeddings,
                "adam_weight_decay": self.adam_weight_decay, "rms_rate": self.rms_rate}
