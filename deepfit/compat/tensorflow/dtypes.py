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

from typing import Any

import torch

from deepfit.backend.dtypes import as_dtype as as_dtype  # re-exported: tf.dtypes.as_dtype
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


def cast(x: Any, dtype: Any, name: str | None = None) -> torch.Tensor:
    """`tf.dtypes.cast`: the same as `tf.cast`."""
    from deepfit.compat.tensorflow.ops import cast as _cast

    return _cast(x, dtype)


_namespace.install(globals(), _namespace.Lookup("tf.dtypes"))
