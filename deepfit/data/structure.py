"""Nested elements of a dataset: a leaf array, a tuple of elements or a dict of elements.

A dataset element is a NumPy array, or a tuple/dict nesting them (`(x, y)`, `({'a': a}, y)`).
These helpers flatten an element to its list of leaves, rebuild it, and convert user values
(torch tensors, lists, Python scalars) to NumPy.

Example:
    >>> leaves = flatten((1, {"b": 2, "a": 3}))
    >>> leaves
    [1, 3, 2]
    >>> pack((0, {"b": 0, "a": 0}), [7, 8, 9])
    (7, {'b': 9, 'a': 8})
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import torch


def flatten(element: Any) -> list[Any]:
    """The leaves of `element` in a fixed order (tuple order; dict keys sorted).

    Args:
        element: a leaf, or a tuple/list/dict nesting leaves.

    Returns:
        The list of leaves.
    """
    if isinstance(element, (tuple, list)):
        return [leaf for item in element for leaf in flatten(item)]
    if isinstance(element, Mapping):
        return [leaf for key in sorted(element) for leaf in flatten(element[key])]
    return [element]


def pack(template: Any, leaves: list[Any]) -> Any:
    """Rebuild `template`'s nesting around `leaves` (the inverse of `flatten`).

    Args:
        template: an element whose nesting is copied.
        leaves: as many leaves as `flatten(template)` returns, in that order.

    Returns:
        The nested element.
    """
    iterator = iter(leaves)
    return _pack(template, iterator)


def _pack(template: Any, leaves) -> Any:
    if isinstance(template, (tuple, list)):
        return tuple(_pack(item, leaves) for item in template)
    if isinstance(template, Mapping):
        # Keep the template's own key order while consuming leaves in sorted-key order.
        filled = {key: _pack(template[key], leaves) for key in sorted(template)}
        return {key: filled[key] for key in template}
    return next(leaves)


def map_structure(fn: Callable[[Any], Any], element: Any) -> Any:
    """Apply `fn` to every leaf of `element`, keeping the nesting."""
    return pack(element, [fn(leaf) for leaf in flatten(element)])


def to_numpy(value: Any) -> np.ndarray:
    """Convert one leaf (NumPy array, torch tensor, list, scalar, string) to a NumPy array."""
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    if isinstance(value, np.generic):
        return np.asarray(value)
    return np.asarray(value)


def normalize(element: Any) -> Any:
    """Lists become tuples and every leaf a NumPy array or NumPy scalar, like tf.data does."""
    if isinstance(element, (tuple, list)):
        return tuple(normalize(item) for item in element)
    if isinstance(element, Mapping):
        return {key: normalize(value) for key, value in element.items()}
    if isinstance(element, (np.ndarray, np.generic)):
        return element
    return to_numpy(element)


def stack(elements: list[Any]) -> Any:
    """Stack a list of same-structured elements along a new first axis (one batch).

    Args:
        elements: a non-empty list of elements with identical nesting and leaf shapes.

    Returns:
        One element whose leaves have a leading batch dimension.
    """
    template = elements[0]
    columns = zip(*(flatten(element) for element in elements))
    try:
        leaves = [np.stack(column) for column in columns]
    except ValueError as err:
        raise ValueError(
            "batch: every element of a batch must have the same shape per component; "
            f"received elements that differ ({err}). Resize or pad them in .map() first."
        ) from err
    return pack(template, leaves)


def unstack(element: Any) -> list[Any]:
    """Split an element along its first axis (the inverse of `stack`).

    Args:
        element: an element whose leaves all share the same first dimension.

    Returns:
        The list of rows, each with the element's nesting.
    """
    leaves = flatten(element)
    sizes = {np.shape(leaf)[0] if np.ndim(leaf) else None for leaf in leaves}
    if None in sizes or len(sizes) != 1:
        shapes = [np.shape(leaf) for leaf in leaves]
        raise ValueError(
            "unbatch: every component must have the same first dimension, "
            f"received shapes {shapes}"
        )
    (size,) = sizes
    return [pack(element, [leaf[i] for leaf in leaves]) for i in range(size)]


def call_with_element(fn: Callable[..., Any], element: Any) -> Any:
    """Call `fn` like tf.data: a tuple element is spread over positional arguments."""
    if isinstance(element, tuple):
        return fn(*element)
    return fn(element)
