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
