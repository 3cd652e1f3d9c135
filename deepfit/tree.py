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


class MAP_TO_NONE:  # noqa: N801 - Keras's name
    """Returned by a `traverse` function to put None in place of a sub-structure."""


def _children(value: Any) -> list[Any] | None:
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, (list, tuple)):
        return list(value)
    return None


def _rebuild(value: Any, children: list[Any]) -> Any:
    if isinstance(value, dict):
        return dict(zip(value.keys(), children))
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a namedtuple
        return type(value)(*children)
    return type(value)(children)


def traverse(func: Callable[[Any], Any], structure: Any, top_down: bool = True) -> Any:
    """Visit every sub-structure of `structure` depth-first, parents before children
    (`top_down`) or after them, rebuilding it with what `func` returns.

    Args:
        func: called on each sub-structure. Top-down, a result other than None replaces that
            sub-structure and its children are not visited; bottom-up, it replaces the
            sub-structure built from the visited children. `MAP_TO_NONE` puts None there.
        structure: the nested structure.
        top_down: visit parents first.

    Returns:
        The rebuilt structure.

    Example:
        >>> traverse(lambda s: len(s) if isinstance(s, list) else None, {"a": [1, 2], "b": 3})
        {'a': 2, 'b': 3}
    """
    if not callable(func):
        raise TypeError(f"traverse: `func` must be callable, received {func!r}")

    def visit_children(value: Any) -> Any:
        children = _children(value)
        if children is None:
            return value
        return _rebuild(value, [traverse(func, c, top_down) for c in children])

    if top_down:
        found = func(structure)
        if found is None:
            return visit_children(structure)
    else:
        structure = visit_children(structure)
        found = func(structure)
        if found is None:
            return structure
    return None if found is MAP_TO_NONE else found


def map_structure_up_to(shallow_structure: Any, func: Callable[..., Any], *structures: Any
                        ) -> Any:
    """`func` applied to the parts of `structures` at the leaves of `shallow_structure`;
    anything nested deeper is passed to `func` whole.

    Args:
        shallow_structure: the layout to map over (its leaves may be None).
        func: takes one argument per structure.
        *structures: structures whose layout starts with `shallow_structure`'s.

    Returns:
        A structure laid out as `shallow_structure`.

    Raises:
        ValueError: with no structures, or one that does not follow the shallow layout.

    Example:
        >>> map_structure_up_to([None, [None, None]], str, [[1, 1], [2, 2]])
        ['[1, 1]', ['2', '2']]
    """
    if not structures:
        raise ValueError("Must provide at least one structure")

    def walk(shallow: Any, items: list[Any]) -> Any:
        children = _children(shallow)
        if children is None:
            return func(*items)
        for item in items:
            same = (isinstance(item, dict) and set(item) == set(shallow)
                    if isinstance(shallow, dict) else
                    isinstance(item, (list, tuple)) and len(item) == len(shallow))
            if not same:
                raise ValueError(f"Structures don't have the same nested structure: "
                                 f"{shallow!r} and {item!r}")
        if isinstance(shallow, dict):
            return {key: walk(shallow[key], [item[key] for item in items]) for key in shallow}
        return _rebuild(shallow, [walk(child, [item[i] for item in items])
                                  for i, child in enumerate(children)])

    return walk(shallow_structure, list(structures))


def assert_same_paths(a: Any, b: Any) -> None:
    """Raise ValueError unless `a` and `b` have the same leaf paths (keys and indices),
    whatever their container types.

    Example:
        >>> assert_same_paths([0, 1], (2, 3))
    """
    a_paths = {path for path, _ in flatten_with_path(a)}
    b_paths = {path for path, _ in flatten_with_path(b)}
    if a_paths != b_paths:
        message = "`a` and `b` don't have the same paths."
        if a_paths - b_paths:
            message += f"\nPaths in `a` missing in `b`:\n{a_paths - b_paths}"
        if b_paths - a_paths:
            message += f"\nPaths in `b` missing in `a`:\n{b_paths - a_paths}"
        raise ValueError(message)


def _is_shape(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and all(
        v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in value)


def map_shape_structure(func: Callable[[Any], Any], structure: Any) -> Any:
    """`map_structure` that treats shapes (tuples or lists of ints and Nones) as leaves.

    Example:
        >>> map_shape_structure(len, {"x": (None, 3), "y": [(2,), (4, 5)]})
        {'x': 2, 'y': [1, 2]}
    """
    if _is_shape(structure):
        return func(structure)
    children = _children(structure)
    if children is None:
        return func(structure)
    return _rebuild(structure, [map_shape_structure(func, c) for c in children])
