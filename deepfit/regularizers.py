"""Weight penalties with Keras 3's names, defaults and formulas.

A regularizer is called on a weight (or an activation) and returns a scalar tensor that is
added to the loss: `L1` is `l1 * sum(|w|)`, `L2` is `l2 * sum(w**2)` (no 1/2 factor).

Example:
    >>> import torch
    >>> from deepfit import regularizers
    >>> regularizers.get("l2")(torch.ones(5, 5))  # 0.01 * 25
    tensor(0.2500)
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from typing import Any

import torch

from deepfit import config
from deepfit.identifiers import resolve, serialize_object

REGULARIZERS: dict[str, type] = {}


def _register(*names: str) -> Callable[[type], type]:
    def add(cls: type) -> type:
        for name in (cls.__name__, *names):
            REGULARIZERS[name] = cls
        return cls

    return add


def _penalty_factor(value: Any, name: str, default: float) -> float:
    """Validate a penalty factor: None → `default`, else a finite number ≥ 0."""
    if value is None:
        return default
    valid = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not valid or math.isnan(value) or math.isinf(value) or value < 0:
        raise ValueError(f"{name}: expected a non-negative finite float, received {value!r}")
    return float(value)


class Regularizer:
    """Base class: subclasses implement `__call__(weight) -> scalar tensor` and `get_config`.

    Any function `weight -> scalar tensor` can also be used as a regularizer.

    Example:
        >>> class Sum(Regularizer):
        ...     def __call__(self, x):
        ...         return x.sum()
        ...     def get_config(self):
        ...         return {}
    """

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """The penalty for `x` (the base class penalizes nothing)."""
        return x.new_zeros(())

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, as a JSON-serializable dict."""
        raise NotImplementedError(f"{type(self).__name__} does not implement get_config()")

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Regularizer:
        """Rebuild a regularizer from `get_config()`'s output."""
        return cls(**config)

    def __repr__(self) -> str:
        try:
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except NotImplementedError:
            args = ""
        return f"{type(self).__name__}({args})"


@_register("l1l2", "l1_l2")
class L1L2(Regularizer):
    """`l1 * sum(|x|) + l2 * sum(x**2)`.

    The string 'l1_l2' gives `L1L2(l1=0.01, l2=0.01)`; the class defaults are 0.

    Args:
        l1: L1 factor (None means 0).
        l2: L2 factor (None means 0).

    Example:
        >>> L1L2(l1=0.1, l2=0.5)(torch.tensor([1.0, -2.0]))  # 0.1 * 3 + 0.5 * 5
        tensor(2.8000)
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        self.l1 = _penalty_factor(l1, "l1", 0.0)
        self.l2 = _penalty_factor(l2, "l2", 0.0)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if self.l1 == 0 and self.l2 == 0:
            return x.new_zeros(())
        if self.l2 == 0:
            return self.l1 * x.abs().sum()
        if self.l1 == 0:
            return self.l2 * x.square().sum()
        return self.l1 * x.abs().sum() + self.l2 * x.square().sum()

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1, "l2": self.l2}


@_register("l1")
class L1(Regularizer):
    """`l1 * sum(|x|)`.

    Args:
        l1: the factor (None means 0.01).

    Example:
        >>> L1(0.5)(torch.tensor([1.0, -2.0]))
        tensor(1.5000)
    """

    def __init__(self, l1: float = 0.01):
        self.l1 = _penalty_factor(l1, "l1", 0.01)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self.l1 * x.abs().sum()

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1}


@_register("l2")
class L2(Regularizer):
    """`l2 * sum(x**2)` (Keras has no 1/2 factor).

    Args:
        l2: the factor (None means 0.01).

    Example:
        >>> L2(2.0)(torch.ones(5, 5))
        tensor(50.)
    """

    def __init__(self, l2: float = 0.01):
        self.l2 = _penalty_factor(l2, "l2", 0.01)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self.l2 * x.square().sum()

    def get_config(self) -> dict[str, Any]:
        return {"l2": self.l2}


@_register("orthogonal_regularizer")
class OrthogonalRegularizer(Regularizer):
    """Pushes the rows (or columns) of a 2D weight towards being orthogonal.

    The penalty is `factor * 0.5 * sum(|cos|) / num_pairs` over all distinct pairs of
    L2-normalized rows (or columns), i.e. `factor / 2` times their mean absolute cosine
    counted over both orders of each pair.

    Args:
        factor: the regularization factor.
        mode: 'rows' or 'columns'.

    Example:
        >>> OrthogonalRegularizer(1.0)(torch.eye(3))
        tensor(0.)
    """

    def __init__(self, factor: float = 0.01, mode: str = "rows"):
        self.factor = _penalty_factor(factor, "factor", 0.01)
        if mode not in ("rows", "columns"):
            raise ValueError(f"mode: expected 'rows' or 'columns', received {mode!r}")
        self.mode = mode

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 2:
            raise ValueError(
                f"OrthogonalRegularizer: expected a rank-2 weight, received shape {tuple(x.shape)}"
            )
        vectors = x if self.mode == "rows" else x.T
        eps = config.epsilon()
        unit = vectors * torch.rsqrt(vectors.square().sum(1, keepdim=True).clamp_min(eps * eps))
        size = unit.shape[0]
        off_diagonal_mask = 1.0 - torch.eye(size, dtype=unit.dtype, device=unit.device)
        off_diagonal = ((unit @ unit.T) * off_diagonal_mask).abs().sum()
        return self.factor * 0.5 * off_diagonal / (size * (size - 1.0) / 2.0)

    def get_config(self) -> dict[str, Any]:
        return {"factor": self.factor, "mode": self.mode}


def get(identifier: Any, custom_objects: Mapping[str, Any] | None = None) -> Callable | None:
    """Find a regularizer from a name, a config, a class, an instance or a callable.

    Args:
        identifier: None; a name ('l1', 'l2', 'l1_l2', 'L1L2', 'orthogonal_regularizer', ...);
            `{'class_name': 'L2', 'config': {'l2': 0.1}}`; a class (instantiated with its
            defaults); an instance or any callable `weight -> scalar` (passed through).
        custom_objects: extra names a name or config may refer to.

    Returns:
        A regularizer, or None for None.

    Raises:
        ValueError: for an unknown name (the message lists the valid names) or an unusable
            value.

    Example:
        >>> get("l1_l2")
        L1L2(l1=0.01, l2=0.01)
    """
    if identifier is None:
        return None
    if isinstance(identifier, str) and identifier == "l1_l2":
        # Keras documents the string 'l1_l2' as both factors at 0.01, unlike the class.
        return L1L2(l1=0.01, l2=0.01)
    obj = resolve(
        "regularizer",
        identifier,
        REGULARIZERS,
        instantiate=True,
        base_class=Regularizer,
        custom_objects=custom_objects,
    )
    return obj() if isinstance(obj, type) else obj


def deserialize(config: Any, custom_objects: Mapping[str, Any] | None = None) -> Callable | None:
    """Inverse of `serialize` (same as `get`)."""
    return get(config, custom_objects=custom_objects)


def serialize(regularizer: Any) -> dict[str, Any] | str | None:
    """`{'class_name', 'config'}` for a regularizer object; a named function's name.

    Args:
        regularizer: a `Regularizer` (or any object with `get_config`), a named function,
            or None.

    Returns:
        A config `get`/`deserialize` accepts.

    Raises:
        ValueError: for anonymous functions, which no name can bring back.

    Example:
        >>> serialize(L2(0.1))
        {'class_name': 'L2', 'config': {'l2': 0.1}}
    """
    return serialize_object("regularizer", regularizer, "a Regularizer")
