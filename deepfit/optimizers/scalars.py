"""`optimizer.learning_rate` and `optimizer.iterations` as Keras Variables.

The optimizer keeps Python numbers for its update (no host sync per step); these Variables
mirror them when read, and `assign` on them writes back, so `opt.learning_rate.assign(1e-4)`,
`opt.learning_rate.numpy()` and `int(opt.iterations)` work as in Keras.

Example:
    >>> from deepfit.optimizers import SGD
    >>> opt = SGD(learning_rate=0.1)
    >>> _ = opt.learning_rate.assign(0.05)
    >>> float(opt.learning_rate), opt.learning_rate.numpy(), int(opt.iterations)
    (0.05, array(0.05, dtype=float32), 0)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from deepfit.backend.variable import Variable


class OptimizerScalar(Variable):
    """A 0-d Variable mirroring one number of an optimizer (`assign` writes it back)."""

    _write_back: Callable[[float], None] | None
    _number: float

    @classmethod
    def make(cls, value: float, dtype: torch.dtype, name: str, path: str,
             write_back: Callable[[float], None] | None) -> OptimizerScalar:
        """A new scalar holding `value`; `write_back(number)` runs after each assignment."""
        scalar = cls(torch.tensor(value, dtype=dtype), False, name)
        scalar._path = path
        scalar._write_back = write_back
        return scalar.refresh(value)

    @torch.no_grad()
    def refresh(self, value: float) -> OptimizerScalar:
        """Set the mirrored value (without writing back); returns self."""
        self._number = value
        self.data.fill_(value)
        return self

    def _write(self, number: float) -> OptimizerScalar:
        if self._write_back is None:
            raise ValueError(f"{self.path} cannot be assigned")
        self._write_back(number)
        return self.refresh(number)

    def assign(self, value: Any, *args: Any, **kwargs: Any) -> OptimizerScalar:
        """Set the optimizer's number (the learning rate, the step count)."""
        return self._write(_number(value))

    def assign_add(self, delta: Any, *args: Any, **kwargs: Any) -> OptimizerScalar:
        """Add `delta` to the optimizer's number."""
        return self._write(self._number + _number(delta))

    def assign_sub(self, delta: Any, *args: Any, **kwargs: Any) -> OptimizerScalar:
        """Subtract `delta` from the optimizer's number."""
        return self._write(self._number - _number(delta))

    def __float__(self) -> float:
        return float(self._number)

    def __int__(self) -> int:
        return int(self._number)

    def __index__(self) -> int:
        return int(self._number)

    def __format__(self, spec: str) -> str:
        return self._number.__format__(spec)

    def __repr__(self) -> str:
        return (f"<Variable path={self.path}, shape=(), "
                f"dtype={str(self.dtype).removeprefix('torch.')}, value={self._number}>")

    __str__ = __repr__


def _number(value: Any) -> float:
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu()
    try:
        return float(np.asarray(value).reshape(()))
    except (TypeError, ValueError):
        raise ValueError(f"assign: expected a number, received {value!r}") from None
