"""`TensorShape`: a tensor's shape with TensorFlow's manners (`as_list()`, `rank`, None dims).

Example:
    >>> from deepfit.backend.shape import TensorShape
    >>> s = TensorShape((None, 3))
    >>> s.as_list(), s == (None, 3), s[1], s.rank
    ([None, 3], True, 3, 2)
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any


class TensorShape(tuple):
    """A tuple of dimensions (ints, or None where unknown) with `tf.TensorShape`'s methods.

    Being a tuple, it indexes, unpacks and compares with tuples and lists as TensorFlow's does,
    and torch functions accept it wherever a size is expected.
    """

    def __new__(cls, dims: Iterable[Any] | None = ()) -> TensorShape:
        if dims is None:
            dims = ()
        return super().__new__(cls, (None if d is None else int(d) for d in dims))

    def as_list(self) -> list[int | None]:
        """The dimensions as a list."""
        return list(self)

    @property
    def rank(self) -> int:
        """The number of dimensions."""
        return len(self)

    ndims = rank

    @property
    def dims(self) -> list[int | None]:
        """The dimensions as a list (TensorFlow 2 returns ints)."""
        return list(self)

    def num_elements(self) -> int | None:
        """The number of elements, or None when a dimension is unknown."""
        if any(d is None for d in self):
            return None
        return math.prod(self)

    def is_fully_defined(self) -> bool:
        """Whether every dimension is known."""
        return all(d is not None for d in self)

    def is_compatible_with(self, other: Any) -> bool:
        """Whether the shapes could be the same: equal ranks, and equal dimensions wherever
        both are known (a None shape, TensorFlow's unknown rank, fits every shape)."""
        if other is None:
            return True
        other = TensorShape(other)
        return len(self) == len(other) and all(
            a is None or b is None or a == b for a, b in zip(self, other))

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, list):
            other = tuple(other)
        return tuple.__eq__(self, other)

    def __ne__(self, other: Any) -> bool:
        return not self == other

    __hash__ = tuple.__hash__

    def __getitem__(self, key: Any) -> Any:
        item = tuple.__getitem__(self, key)
        return TensorShape(item) if isinstance(key, slice) else item

    def __repr__(self) -> str:
        return f"TensorShape({list(self)})"

    def __str__(self) -> str:
        if len(self) == 1:
            return f"({self[0]},)"
        return "(" + ", ".join(str(d) for d in self) + ")"


def set_shape(actual: Iterable[int], shape: Any) -> None:
    """TensorFlow's eager `tensor.set_shape(shape)`: nothing to change, but a shape that does
    not fit the values' raises.

    Args:
        actual: the values' shape.
        shape: the supplied shape (dimensions may be None; None itself fits any shape).

    Raises:
        ValueError: the shapes are incompatible.
    """
    current = TensorShape(actual)
    if shape is not None and not current.is_compatible_with(_dims(shape)):
        raise ValueError(f"Tensor's shape {current} is not compatible with supplied shape "
                         f"{_dims(shape)}.")


def _dims(shape: Any) -> list[int | None]:
    return [None if d is None else int(d) for d in shape]
