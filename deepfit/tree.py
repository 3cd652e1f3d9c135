"""Small helpers for nested structures of tensors (a tensor, or lists/tuples/dicts of them).

Example:
    >>> map_structure(lambda t: t * 2, {"a": 1, "b": [2, 3]})
    {'a': 2, 'b': [4, 6]}
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def is_nested(value: Any) -> bool:
    """True for lists, tuples and dicts."""
    return isinstance(value, (list, tuple, dict))


def map_structure(fn: Callable[[Any], Any], value: Any) -> Any:
    """Apply `fn` to every leaf, keeping the structure (None leaves stay None)."""
    if value is None:
        return None
    if isinstance(value, dict):
        return {key: map_structure(fn, item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(map_structure(fn, item) for item in value)
    return fn(value)


def flatten(value: Any) -> list[Any]:
    """The leaves in order (dicts in key-insertion order); None leaves are dropped."""
    if value is None:
        return []
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in flatten(item)]
    if isinstance(value, (list, tuple)):
        return [leaf for item in value for leaf in flatten(item)]
    return [value]


def first_leaf(value: Any) -> Any:
    """The first leaf of a structure."""
    leaves = flatten(value)
    return leaves[0] if leaves else None
