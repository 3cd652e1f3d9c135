"""Weight constraints with Keras 3's names, defaults and formulas.

A constraint maps a weight to its projection (clipped, rescaled); the trainer applies it after
each optimizer step. Norms are taken along `axis` (an int or a list of ints): for a Dense kernel
`(in, out)`, `axis=0` constrains each unit's incoming weight vector; for a Conv2D kernel
`(rows, cols, in, out)`, use `axis=[0, 1, 2]` to constrain each filter.

Example:
    >>> import torch
    >>> from deepfit import constraints
    >>> constraints.get("non_neg")(torch.tensor([-1.0, 2.0]))
    tensor([0., 2.])
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch

from deepfit import config
from deepfit.identifiers import resolve, serialize_object

CONSTRAINTS: dict[str, type] = {}

Axis = int | Sequence[int]


def _register(cls: type) -> type:
    """Add a class under its own name and its snake_case name ('MaxNorm', 'max_norm')."""
    CONSTRAINTS[cls.__name__] = cls
    CONSTRAINTS[re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()] = cls
    return cls


def _check_axis(axis: Any) -> Axis:
    if isinstance(axis, int) and not isinstance(axis, bool):
        return axis
    if isinstance(axis, (list, tuple)) and all(isinstance(a, int) for a in axis):
        return list(axis)
    raise ValueError(f"axis: expected an int or a list of ints, received {axis!r}")


def _norms(w: torch.Tensor, axis: Axis) -> torch.Tensor:
    dims = axis if isinstance(axis, int) else tuple(axis)
    return torch.sqrt(w.square().sum(dim=dims, keepdim=True))


class Constraint:
    """Base class: subclasses implement `__call__(w) -> projected w` (the base returns `w`).

    Example:
        >>> class Clip(Constraint):
        ...     def __call__(self, w):
        ...         return w.clamp(-1, 1)
    """

    def __call__(self, w: torch.Tensor) -> torch.Tensor:
        """The projected weight."""
        return w

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, as a JSON-serializable dict."""
        return {}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Constraint:
        """Rebuild a constraint from `get_config()`'s output."""
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


@_register
class MaxNorm(Constraint):
    """Rescale weight vectors whose L2 norm along `axis` exceeds `max_value`.

    Computes `w * clip(norm, 0, max_value) / (epsilon + norm)`.

    Args:
        max_value: the largest norm allowed.
        axis: the axis (or axes) the norm is taken over.

    Example:
        >>> MaxNorm(1.0)(torch.tensor([[3.0], [4.0]]))  # norm 5 → 1
        tensor([[0.6000],
                [0.8000]])
    """

    def __init__(self, max_value: float = 2, axis: Axis = 0):
        self.max_value = max_value
        self.axis = _check_axis(axis)

    def __call__(self, w: torch.Tensor) -> torch.Tensor:
        norms = _norms(w, self.axis)
        desired = norms.clamp(0, self.max_value)
        return w * (desired / (config.epsilon() + norms))

    def get_config(self) -> dict[str, Any]:
        return {"max_value": self.max_value, "axis": self.axis}


@_register
class NonNeg(Constraint):
    """Clip weights below zero to zero."""

    def __call__(self, w: torch.Tensor) -> torch.Tensor:
        return w.clamp_min(0)


@_register
class UnitNorm(Constraint):
    """Rescale weight vectors to unit L2 norm along `axis`: `w / (epsilon + norm)`.

    Args:
        axis: the axis (or axes) the norm is taken over.
    """

    def __init__(self, axis: Axis = 0):
        self.axis = _check_axis(axis)

    def __call__(self, w: torch.Tensor) -> torch.Tensor:
        return w / (config.epsilon() + _norms(w, self.axis))

    def get_config(self) -> dict[str, Any]:
        return {"axis": self.axis}


@_register
class MinMaxNorm(Constraint):
    """Move weight vectors' L2 norms along `axis` into `[min_value, max_value]`.

    The new norm is `rate * clip(norm, min_value, max_value) + (1 - rate) * norm`; `rate=1`
    enforces the bounds at once, smaller rates move towards them gradually.

    Args:
        min_value: the smallest norm.
        max_value: the largest norm.
        rate: how far to move towards the bounds per application (0 to 1).
        axis: the axis (or axes) the norm is taken over.
    """

    def __init__(
        self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0, axis: Axis = 0
    ):
        if min_value > max_value:
            raise ValueError(
                f"min_value: expected at most max_value={max_value!r}, received {min_value!r}"
            )
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = _check_axis(axis)

    def __call__(self, w: torch.Tensor) -> torch.Tensor:
        norms = _norms(w, self.axis)
        desired = self.rate * norms.clamp(self.min_value, self.max_value) + (1 - self.rate) * norms
        return w * (desired / (config.epsilon() + norms))

    def get_config(self) -> dict[str, Any]:
        return {
            "min_value": self.min_value,
            "max_value": self.max_value,
            "rate": self.rate,
            "axis": self.axis,
        }


def get(identifier: Any, custom_objects: Mapping[str, Any] | None = None) -> Callable | None:
    """Find a constraint from a name, a config, a class, an instance or a callable.

    Args:
        identifier: None; a name ('max_norm', 'MaxNorm', 'non_neg', 'unit_norm',
            'min_max_norm'); `{'class_name': 'MaxNorm', 'config': {'max_value': 3}}`; a class
            (instantiated with its defaults); an instance or any callable `w -> w'`.
        custom_objects: extra names a name or config may refer to.

    Returns:
        A constraint, or None for None.

    Raises:
        ValueError: for an unknown name (the message lists the valid names) or an unusable
            value.

    Example:
        >>> get("max_norm")
        MaxNorm(max_value=2, axis=0)
    """
    if identifier is None:
        return None
    obj = resolve(
        "constraint",
        identifier,
        CONSTRAINTS,
        instantiate=True,
        base_class=Constraint,
        custom_objects=custom_objects,
    )
    return obj() if isinstance(obj, type) else obj


def deserialize(config: Any, custom_objects: Mapping[str, Any] | None = None) -> Callable | None:
    """Inverse of `serialize` (same as `get`)."""
    return get(config, custom_objects=custom_objects)


def serialize(constraint: Any) -> dict[str, Any] | str | None:
    """`{'class_name', 'config'}` for a constraint object; a named function's name.

    Args:
        constraint: a `Constraint` (or any object with `get_config`), a named function,
            or None.

    Returns:
        A config `get`/`deserialize` accepts.

    Raises:
        ValueError: for anonymous functions, which no name can bring back.

    Example:
        >>> serialize(MaxNorm(3))
        {'class_name': 'MaxNorm', 'config': {'max_value': 3, 'axis': 0}}
    """
    return serialize_object("constraint", constraint, "a Constraint")
