"""Mixed precision as Keras: computations in float16 or bfloat16, variables in float32, and
dynamic loss scaling for float16 so small gradients do not underflow.

Example:
    >>> deepfit.mixed_precision.set_global_policy("mixed_bfloat16")
    >>> model.fit(x, y)        # forward and loss under torch.autocast(dtype=bfloat16)
    >>> deepfit.mixed_precision.set_global_policy("float32")
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import torch

_POLICIES = {
    "float32": (torch.float32, torch.float32),
    "mixed_float16": (torch.float16, torch.float32),
    "mixed_bfloat16": (torch.bfloat16, torch.float32),
}


class DTypePolicy:
    """A named pair of dtypes: the one layers compute in and the one variables are stored in.

    Args:
        name: 'float32', 'mixed_float16' or 'mixed_bfloat16'.
    """

    def __init__(self, name: str = "float32") -> None:
        if name not in _POLICIES:
            raise ValueError(f"Unknown dtype policy {name!r}; valid policies: "
                             f"{', '.join(repr(p) for p in _POLICIES)}")
        self.name = name
        self._compute, self._variable = _POLICIES[name]

    @property
    def compute_dtype(self) -> str:
        return str(self._compute).replace("torch.", "")

    @property
    def variable_dtype(self) -> str:
        return str(self._variable).replace("torch.", "")

    @property
    def is_mixed(self) -> bool:
        return self._compute != torch.float32

    @property
    def needs_loss_scaling(self) -> bool:
        return self._compute == torch.float16

    def __repr__(self) -> str:
        return f'<DTypePolicy "{self.name}">'


Policy = DTypePolicy
_global = DTypePolicy("float32")


def set_global_policy(policy: str | DTypePolicy) -> None:
    """Set the policy used by every model trained from now on.

    Args:
        policy: a policy name ('float32', 'mixed_float16', 'mixed_bfloat16') or a DTypePolicy.
    """
    global _global
    _global = policy if isinstance(policy, DTypePolicy) else DTypePolicy(policy)


def global_policy() -> DTypePolicy:
    """The current global policy ('float32' unless set)."""
    return _global


def dtype_policy() -> DTypePolicy:
    """Alias of `global_policy` (Keras 3 name)."""
    return _global


def set_dtype_policy(policy: str | DTypePolicy) -> None:
    """Alias of `set_global_policy` (Keras 3 name)."""
    set_global_policy(policy)


@contextlib.contextmanager
def autocast(device: torch.device) -> Iterator[None]:
    """Run the enclosed forward pass and loss in the policy's compute dtype (no-op for float32)."""
    if not _global.is_mixed:
        yield
        return
    with torch.autocast(device_type=device.type, dtype=_global._compute):
        yield


class LossScaler:
    """Keras's dynamic loss scaling: multiply the loss by `scale` before backward, divide the
    gradients by it after; skip the step and halve the scale when a gradient is not finite, and
    double it after `growth_steps` finite steps in a row.

    Args:
        initial_scale: the starting scale (2**15 as Keras).
        growth_steps: finite steps between doublings (2000 as Keras).
    """

    def __init__(self, initial_scale: float = 2.0**15, growth_steps: int = 2000) -> None:
        self.scale = float(initial_scale)
        self.growth_steps = int(growth_steps)
        self._good_steps = 0

    def unscale_and_check(self, gradients: list[torch.Tensor]) -> bool:
        """Divide the gradients by the scale in place; True when all of them are finite."""
        finite = True
        with torch.no_grad():
            for grad in gradients:
                grad.div_(self.scale)
                finite = finite and bool(torch.isfinite(grad).all())
        if finite:
            self._good_steps += 1
            if self._good_steps >= self.growth_steps:
                self.scale *= 2.0
                self._good_steps = 0
        else:
            self.scale = max(self.scale / 2.0, 1.0)
            self._good_steps = 0
        return finite


def __getattr__(name: str) -> Any:
    # `keras.mixed_precision.LossScaleOptimizer` is the optimizer class; imported on first use
    # because the optimizers import this module's users.
    if name == "LossScaleOptimizer":
        from deepfit.optimizers.loss_scale import LossScaleOptimizer

        return LossScaleOptimizer
    raise AttributeError(f"module 'deepfit.mixed_precision' has no attribute {name!r}")
