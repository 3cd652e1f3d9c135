"""`Dataset.padded_batch`'s stacking: elements of different lengths padded to one shape.

As tf.data pads: each component is padded at the end of every axis, to the longest element of
the batch along axes given as None/-1 (all of them when no `padded_shapes` is given) or to the
fixed size given; with `padding_values` (one scalar per component, or one for all) or 0 for
numbers, "" for strings, False for booleans.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deepfit.data import structure


def _default_padding(dtype: np.dtype) -> Any:
    if dtype.kind in "OUS":
        return "" if dtype.kind in "OU" else b""
    return False if dtype.kind == "b" else 0


def _target_shape(arrays: list[np.ndarray], wanted: Any, component: int) -> tuple[int, ...]:
    ranks = {array.ndim for array in arrays}
    if len(ranks) != 1:
        raise ValueError(f"padded_batch: component {component} has elements of different "
                         f"ranks {sorted(ranks)}; padding needs one rank")
    longest = tuple(max(sizes) for sizes in zip(*(array.shape for array in arrays)))
    if wanted is None:
        return longest
    dims = list(getattr(wanted, "as_list", lambda: wanted)())
    if len(dims) != len(longest):
        raise ValueError(f"padded_batch: padded_shapes for component {component} is "
                         f"{list(dims)} (rank {len(dims)}), but its elements have rank "
                         f"{len(longest)}")
    shape = []
    for axis, (dim, size) in enumerate(zip(dims, longest)):
        if dim is None or int(dim) == -1:
            shape.append(size)
        elif int(dim) < size:
            raise ValueError(f"padded_batch: attempted to pad component {component} to a "
                             f"smaller size than the input element: axis {axis} has "
                             f"{size} values, padded_shapes asks for {int(dim)}")
        else:
            shape.append(int(dim))
    return tuple(shape)


def pad_stack(elements: list[Any], padded_shapes: Any = None, padding_values: Any = None
              ) -> Any:
    """Stack `elements` (same nesting) into one batch, padding each component.

    Args:
        elements: a non-empty list of elements.
        padded_shapes: None, or the element's nesting with a shape (list with None/-1 for
            "the longest") per component.
        padding_values: None, one scalar for every component, or the nesting with one scalar
            per component.

    Returns:
        The batch, with the element's nesting.
    """
    template = elements[0]
    columns = [[np.asarray(leaf) for leaf in column]
               for column in zip(*(structure.flatten(element) for element in elements))]
    count = len(columns)
    shapes = [None] * count if padded_shapes is None else _per_component(
        padded_shapes, template, count, "padded_shapes", is_shape=True)
    values = [None] * count if padding_values is None else _per_component(
        padding_values, template, count, "padding_values", is_shape=False)
    leaves = []
    for index, (arrays, wanted, value) in enumerate(zip(columns, shapes, values)):
        shape = _target_shape(arrays, wanted, index)
        fill = _default_padding(arrays[0].dtype) if value is None else np.asarray(value).item()
        dtype = arrays[0].dtype
        if dtype.kind in "US":  # fixed-width strings: wide enough for every row and the fill
            dtype = np.result_type(*(array.dtype for array in arrays), np.asarray(fill).dtype)
        batch = np.full((len(arrays), *shape), fill, dtype=dtype)
        for row, array in enumerate(arrays):
            batch[(row, *(slice(0, size) for size in array.shape))] = array
        leaves.append(batch)
    return structure.pack(template, leaves)


def _per_component(value: Any, template: Any, count: int, name: str, is_shape: bool
                   ) -> list[Any]:
    nested = isinstance(template, (tuple, list, dict))
    if not nested:
        return [value]
    if not is_shape and np.ndim(value) == 0 and not isinstance(value, (tuple, list, dict)):
        return [value] * count  # one padding value for every component
    flat = _flatten_spec(value, template, is_shape)
    if len(flat) != count:
        raise ValueError(f"padded_batch: {name} must match the element's structure "
                         f"({count} components), received {value!r}")
    return flat


def _flatten_spec(value: Any, template: Any, is_shape: bool) -> list[Any]:
    if isinstance(template, dict):
        if not isinstance(value, dict):
            return [value]
        return [leaf for key in sorted(template) for leaf in
                _flatten_spec(value.get(key), template[key], is_shape)]
    if isinstance(template, (tuple, list)):
        if not isinstance(value, (tuple, list)) or len(value) != len(template):
            return [value]
        return [leaf for item, sub in zip(value, template) for leaf in
                _flatten_spec(item, sub, is_shape)]
    return [value]
