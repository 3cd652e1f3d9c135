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


def pack_sequence_as(structure: Any, flat_sequence: Any) -> Any:
    """The leaves of `flat_sequence`, in order, put back into the shape of `structure`.

    Example:
        >>> pack_sequence_as({"a": 0, "b": [0, 0]}, [1, 2, 3])
        {'a': 1, 'b': [2, 3]}
    """
    leaves = iter(flat_sequence)

    def take(_: Any) -> Any:
        return next(leaves)

    packed = map_structure(take, structure)
    if next(leaves, _END) is not _END:
        raise ValueError("pack_sequence_as: flat_sequence has more items than the structure")
    return packed


_END = object()


def assert_same_structure(a: Any, b: Any, check_types: bool = False) -> None:
    """Raise ValueError unless `a` and `b` nest the same way (same keys, same lengths)."""
    if isinstance(a, dict) or isinstance(b, dict):
        if not (isinstance(a, dict) and isinstance(b, dict)) or set(a) != set(b):
            raise ValueError(f"The two structures don't have the same nested structure: "
                             f"{a!r} and {b!r}")
        for key in a:
            assert_same_structure(a[key], b[key], check_types)
        return
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        same_kind = isinstance(a, (list, tuple)) and isinstance(b, (list, tuple))
        if not same_kind or len(a) != len(b) or (check_types and type(a) is not type(b)):
            raise ValueError(f"The two structures don't have the same nested structure: "
                             f"{a!r} and {b!r}")
        for x, y in zip(a, b):
            assert_same_structure(x, y, check_types)


def flatten_with_path(value: Any) -> list[tuple[tuple, Any]]:
    """`(path, leaf)` pairs, the path being the keys/indices from the root."""
    if isinstance(value, dict):
        return [((key, *path), leaf) for key, item in value.items()
                for path, leaf in flatten_with_path(item)]
    if isinstance(value, (list, tuple)):
        return [((i, *path), leaf) for i, item in enumerate(value)
                for path, leaf in flatten_with_path(item)]
    return [((), value)]


def lists_to_tuples(value: Any) -> Any:
    """The structure with every list turned into a tuple."""
    if isinstance(value, dict):
        return {key: lists_to_tuples(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return tuple(lists_to_tuples(item) for item in value)
    return value
