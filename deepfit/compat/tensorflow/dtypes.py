"""`tf.dtypes`: TensorFlow's dtype names as torch dtypes (`tf.float32 is torch.float32`).

Torch dtypes are what deepfit's layers, `Input(dtype=...)` and tensors use, so a script's
`tf.float32` works everywhere a dtype is expected and `tensor.dtype == tf.float32` holds.

Example:
    >>> import torch
    >>> from deepfit.compat.tensorflow import dtypes
    >>> dtypes.float32 is torch.float32, dtypes.as_dtype("int32")
    (True, torch.int32)
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np
import torch

from deepfit.compat import namespace as _namespace

float16 = half = torch.float16
bfloat16 = torch.bfloat16
float32 = torch.float32
float64 = double = torch.float64
int8 = torch.int8
int16 = torch.int16
int32 = torch.int32
int64 = torch.int64
uint8 = torch.uint8
uint16 = torch.uint16
uint32 = torch.uint32
uint64 = torch.uint64
bool = torch.bool  # noqa: A001 - TensorFlow's name
complex64 = torch.complex64
complex128 = torch.complex128
DType = torch.dtype

_BY_NAME = {
    "float16": float16, "half": float16, "bfloat16": bfloat16, "float32": float32,
    "float": float32, "float64": float64, "double": float64, "int8": int8, "int16": int16,
    "int32": int32, "int64": int64, "uint8": uint8, "uint16": uint16, "uint32": uint32,
    "uint64": uint64, "bool": bool, "complex64": complex64, "complex128": complex128,
}


def as_dtype(type_value: Any) -> torch.dtype:
    """A torch dtype from a torch dtype, a name ('float32'), a NumPy dtype or a Python type.

    Args:
        type_value: the dtype in any of those forms.

    Returns:
        The torch dtype.

    Raises:
        TypeError: for something that names no dtype.

    Example:
        >>> as_dtype(np.float64), as_dtype(float)
        (torch.float64, torch.float32)
    """
    if isinstance(type_value, torch.dtype):
        return type_value
    if type_value is float:
        return float32
    if type_value is int:
        return int32
    if type_value is builtins.bool:
        return torch.bool
    name = type_value if isinstance(type_value, str) else _numpy_name(type_value)
    if name in _BY_NAME:
        return _BY_NAME[name]
    raise TypeError(
        f"dtype: expected a dtype such as tf.float32, 'int32' or np.float64, "
        f"received {type_value!r}"
    )


def _numpy_name(value: Any) -> str | None:
    try:
        return np.dtype(value).name
    except TypeError:
        return None


def cast(x: Any, dtype: Any, name: str | None = None) -> torch.Tensor:
    """`tf.dtypes.cast`: the same as `tf.cast`."""
    from deepfit.compat.tensorflow.ops import cast as _cast

    return _cast(x, dtype)


_namespace.install(globals(), _namespace.Lookup("tf.dtypes"))
