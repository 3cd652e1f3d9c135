"""`keras.ops`: the most used Keras 3 ops, on torch tensors (Keras's argument names and
defaults where they differ from `tf.*`). Others raise `NotImplementedError` naming them.

Example:
    >>> from deepfit.compat.keras import ops
    >>> ops.convert_to_numpy(ops.mean(ops.convert_to_tensor([1.0, 3.0])))
    array(2., dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from deepfit.compat import namespace as _namespace
from deepfit.compat.tensorflow import nn as _nn
from deepfit.compat.tensorflow import ops as _ops
from deepfit.compat.tensorflow.ops import (
    abs,
    cast,
    convert_to_tensor,
    cos,
    equal,
    exp,
    expand_dims,
    greater,
    greater_equal,
    less,
    less_equal,
    log,
    matmul,
    maximum,
    minimum,
    multiply,
    not_equal,
    ones_like,
    reshape,
    sign,
    sin,
    sqrt,
    square,
    squeeze,
    stack,
    subtract,
    tanh,
    transpose,
    where,
    zeros_like,
)

__all__ = [
    "abs", "add", "arange", "argmax", "argmin", "cast", "clip", "concatenate", "convert_to_numpy",
    "convert_to_tensor", "cos", "equal", "exp", "expand_dims", "greater", "greater_equal",
    "less", "less_equal", "log", "matmul", "max", "maximum", "mean", "min", "minimum",
    "multiply", "not_equal", "one_hot", "ones", "ones_like", "relu", "reshape", "shape",
    "sigmoid", "sign", "sin", "softmax", "sqrt", "square", "squeeze", "stack", "subtract", "sum",
    "tanh", "transpose", "where", "zeros", "zeros_like",
]


def convert_to_numpy(x: Any) -> np.ndarray:
    """A tensor (on any device) as a NumPy array."""
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def add(x1: Any, x2: Any) -> torch.Tensor:
    """Element-wise sum with broadcasting."""
    return _ops.add(x1, x2)


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> torch.Tensor:
    """The mean over `axis` (all axes when None)."""
    return _ops.reduce_mean(x, axis, keepdims)


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> torch.Tensor:  # noqa: A001
    """The sum over `axis` (all axes when None)."""
    return _ops.reduce_sum(x, axis, keepdims)


def max(x: Any, axis: Any = None, keepdims: bool = False) -> torch.Tensor:  # noqa: A001
    """The maximum over `axis` (all axes when None)."""
    return _ops.reduce_max(x, axis, keepdims)


def min(x: Any, axis: Any = None, keepdims: bool = False) -> torch.Tensor:  # noqa: A001
    """The minimum over `axis` (all axes when None)."""
    return _ops.reduce_min(x, axis, keepdims)


def argmax(x: Any, axis: int | None = None, keepdims: bool = False) -> torch.Tensor:
    """The index of the largest value along `axis`; of the flattened tensor when None."""
    t = convert_to_tensor(x)
    out = torch.argmax(t.reshape(-1) if axis is None else t, dim=0 if axis is None else axis)
    return out.unsqueeze(axis) if keepdims and axis is not None else out.to(torch.int32)


def argmin(x: Any, axis: int | None = None, keepdims: bool = False) -> torch.Tensor:
    """The index of the smallest value along `axis`; of the flattened tensor when None."""
    t = convert_to_tensor(x)
    out = torch.argmin(t.reshape(-1) if axis is None else t, dim=0 if axis is None else axis)
    return out.unsqueeze(axis) if keepdims and axis is not None else out.to(torch.int32)


def clip(x: Any, x_min: Any, x_max: Any) -> torch.Tensor:
    """Values limited to [x_min, x_max]."""
    return _ops.clip_by_value(x, x_min, x_max)


def concatenate(xs: Any, axis: int = 0) -> torch.Tensor:
    """Tensors joined along `axis` (the first by default)."""
    return _ops.concat(xs, axis)


def one_hot(x: Any, num_classes: int, axis: int = -1, dtype: Any = None) -> torch.Tensor:
    """One-hot vectors of length `num_classes` (float32)."""
    return _ops.one_hot(x, num_classes, axis=axis, dtype=dtype)


def zeros(shape: Any, dtype: Any = None) -> torch.Tensor:
    """Zeros of `shape` (float32 by default)."""
    return _ops.zeros(shape, dtype or torch.float32)


def ones(shape: Any, dtype: Any = None) -> torch.Tensor:
    """Ones of `shape` (float32 by default)."""
    return _ops.ones(shape, dtype or torch.float32)


def arange(start: Any, stop: Any = None, step: Any = 1, dtype: Any = None) -> torch.Tensor:
    """Evenly spaced values in [start, stop)."""
    return _ops.range(start, stop, step, dtype)


def shape(x: Any) -> tuple:
    """The shape as a tuple of ints."""
    return tuple(convert_to_tensor(x).shape)


def softmax(x: Any, axis: int = -1) -> torch.Tensor:
    """Probabilities along `axis`."""
    return _nn.softmax(x, axis)


def relu(x: Any) -> torch.Tensor:
    """`max(x, 0)`."""
    return _nn.relu(x)


def sigmoid(x: Any) -> torch.Tensor:
    """`1 / (1 + exp(-x))`."""
    return _nn.sigmoid(x)


_namespace.install(globals(), _namespace.Lookup("keras.ops"))
