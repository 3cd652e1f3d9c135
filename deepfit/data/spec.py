"""`TensorSpec` and `Dataset.element_spec`: the shape and dtype of a dataset's elements, as
`tf.data` reports them.

deepfit's datasets are lazy Python pipelines without static shapes, so the spec is read from
the first element; the first axis of a batched dataset (one `batch()` without
`drop_remainder` after the last `unbatch()`) is None, as TensorFlow reports it.

Example:
    >>> ds = deepfit.data.Dataset.from_tensor_slices(np.zeros((10, 3), "float32")).batch(4)
    >>> ds.element_spec
    TensorSpec(shape=(None, 3), dtype=tf.float32, name=None)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from deepfit.data.strings import STRING


class TensorSpec:
    """The type of a tensor: `shape` (a `TensorShape`, None where unknown), `dtype`, `name`.

    Args:
        shape: the dimensions (ints or None).
        dtype: a dtype (`tf.float32` is `torch.float32`; strings are `tf.string`).
        name: an optional name.
    """

    def __init__(self, shape: Any, dtype: Any = torch.float32, name: str | None = None) -> None:
        from deepfit.backend.shape import TensorShape

        self.shape = TensorShape(shape)
        self.dtype = dtype
        self.name = name

    def is_compatible_with(self, other: Any) -> bool:
        """Whether `other` (a spec or a tensor/array) has this dtype and a fitting shape."""
        dtype = getattr(other, "dtype", None)
        if isinstance(other, np.ndarray):
            dtype = _dtype(other)
        return dtype == self.dtype and self.shape.is_compatible_with(tuple(other.shape))

    def __eq__(self, other: Any) -> bool:
        return (isinstance(other, TensorSpec) and tuple(self.shape) == tuple(other.shape)
                and self.dtype == other.dtype and self.name == other.name)

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        name = "string" if self.dtype is STRING else str(self.dtype).removeprefix("torch.")
        return f"TensorSpec(shape={self.shape}, dtype=tf.{name}, name={self.name!r})"


def element_spec(dataset: Any) -> Any:
    """The structure of `TensorSpec`s of `dataset`'s elements (see the module docstring).

    Raises:
        ValueError: the dataset is empty (its first element cannot be read).
    """
    from deepfit.data.eager_array import plain

    first = next(iter(dataset.take(1)), _EMPTY)
    if first is _EMPTY:
        raise ValueError("element_spec: the dataset is empty, so deepfit cannot read the shape "
                         "of its elements (it has no static shapes)")
    batched = _is_batched(dataset)
    return _map(lambda array: _spec(array, batched), plain(first))


_EMPTY = object()


def _is_batched(dataset: Any) -> bool:
    from deepfit.data.transforms import Batch, Unbatch

    node = dataset
    while node is not None:
        if isinstance(node, Unbatch):
            return False
        if isinstance(node, Batch):
            return not node.drop_remainder
        node = getattr(node, "_parent", None)
    return False


def _spec(value: Any, batched: bool) -> TensorSpec:
    array = value if isinstance(value, np.ndarray) else np.asarray(value)
    shape = list(array.shape)
    if batched and shape:
        shape[0] = None
    return TensorSpec(shape, _dtype(array))


def _dtype(array: np.ndarray) -> Any:
    if array.dtype.kind in "OSU":
        return STRING
    return torch.from_numpy(np.empty(0, dtype=array.dtype)).dtype


def _map(fn: Any, value: Any) -> Any:
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(_map(fn, item) for item in value)
    if isinstance(value, list):
        return [_map(fn, item) for item in value]
    if isinstance(value, dict):
        return {key: _map(fn, item) for key, item in value.items()}
    return fn(value)
