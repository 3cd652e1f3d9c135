"""A torch dtype from any spelling a program uses: torch, TensorFlow/Keras names, NumPy, Python.

Lives in the backend (not the compat namespace) because Variables resolve their dtype when every
layer builds, and that must not import the TensorFlow namespace.

Example:
    >>> import numpy as np
    >>> as_dtype("int32"), as_dtype(np.float64), as_dtype(float)
    (torch.int32, torch.float64, torch.float32)
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np
import torch

_BY_NAME = {
    "float16": torch.float16, "half": torch.float16, "bfloat16": torch.bfloat16,
    "float32": torch.float32, "float": torch.float32, "float64": torch.float64,
    "double": torch.float64, "int8": torch.int8, "int16": torch.int16, "int32": torch.int32,
    "int64": torch.int64, "uint8": torch.uint8, "uint16": torch.uint16, "uint32": torch.uint32,
    "uint64": torch.uint64, "bool": torch.bool, "complex64": torch.complex64,
    "complex128": torch.complex128,
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
        return torch.float32
    if type_value is int:
        return torch.int32
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
