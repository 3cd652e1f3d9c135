"""Keras's dtype names and type promotion for `deepfit.ops`.

Keras names dtypes by strings ('float32', 'int32', 'bool', ...); Python's `int`/`float` and the
names 'int'/'float' mean int32/float32. Results of mixed-dtype ops follow Keras's promotion
lattice (the one JAX uses): bool < int/uint < float, a Python number is "weak" and takes the
other operand's kind, and on this backend 64-bit results of promotion are given as 32-bit, as
Keras does with its torch and JAX backends.

Example:
    >>> result_type("int32", "float16"), result_type("int8", int), standardize_dtype("int")
    ('float16', 'int8', 'int32')
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import torch

from deepfit import config

__all__ = ["is_float_dtype", "is_int_dtype", "result_type", "standardize_dtype", "to_torch"]

_TORCH = {
    "bool": torch.bool, "uint8": torch.uint8, "uint16": torch.uint16, "uint32": torch.uint32,
    "uint64": torch.uint64, "int8": torch.int8, "int16": torch.int16, "int32": torch.int32,
    "int64": torch.int64, "bfloat16": torch.bfloat16, "float16": torch.float16,
    "float32": torch.float32, "float64": torch.float64, "complex64": torch.complex64,
    "complex128": torch.complex128,
}
_NAMES = {dtype: name for name, dtype in _TORCH.items()}
_ALIASES = {"int": "int32", "float": None, "double": "float64", "half": "float16"}

# Each dtype's immediate successors in Keras's promotion lattice ('int'/'float': weak types).
_LATTICE = {
    "bool": ["int"], "int": ["uint8", "int8", "complex64"], "uint8": ["int16", "uint16"],
    "uint16": ["int32", "uint32"], "uint32": ["int64", "uint64"], "uint64": ["float"],
    "int8": ["int16"], "int16": ["int32"], "int32": ["int64"], "int64": ["float"],
    "float": ["bfloat16", "float16"], "bfloat16": ["float32"], "float16": ["float32"],
    "float32": ["float64", "complex64"], "float64": ["complex128"],
    "complex64": ["complex128"], "complex128": [],
}
_TO_32_BITS = {"int64": "int32", "uint64": "uint32", "float64": "float32",
               "complex128": "complex64"}


def standardize_dtype(dtype: Any) -> str:
    """Keras's name for a dtype given as a name, torch/NumPy dtype or Python type.

    Args:
        dtype: e.g. 'float32', torch.int64, np.float16, int, float, bool, or None (floatx).

    Returns:
        The name, e.g. 'int32'.

    Raises:
        ValueError: for something that names no dtype.
    """
    if dtype is None:
        return config.floatx()
    if dtype is int:
        return "int32"
    if dtype is float:
        return "float32"
    if dtype is bool:
        return "bool"
    if isinstance(dtype, torch.dtype):
        if dtype in _NAMES:
            return _NAMES[dtype]
    elif isinstance(dtype, str):
        if dtype in _ALIASES:
            return _ALIASES[dtype] or config.floatx()
        if dtype in _TORCH or dtype == "string":
            return dtype
        if dtype.startswith("torch.") and dtype[6:] in _TORCH:
            return dtype[6:]
    else:
        try:
            name = np.dtype(dtype).name
        except TypeError:
            name = None
        if name in _TORCH:
            return name
    raise ValueError(f"Invalid dtype: {dtype!r}. Expected one of {sorted(_TORCH)}")


def to_torch(dtype: Any) -> torch.dtype:
    """The torch dtype for any dtype description (None means floatx)."""
    name = standardize_dtype(dtype)
    if name == "string":
        raise ValueError("deepfit.ops tensors cannot hold strings (dtype='string')")
    return _TORCH[name]


def is_float_dtype(dtype: Any) -> bool:
    """Whether the dtype is a floating-point one."""
    return "float" in standardize_dtype(dtype)


def is_int_dtype(dtype: Any) -> bool:
    """Whether the dtype is an integer one (signed or unsigned)."""
    return "int" in standardize_dtype(dtype)


@functools.cache
def _upper_bounds(node: str) -> frozenset[str]:
    found = {node}
    for successor in _LATTICE[node]:
        found |= _upper_bounds(successor)
    return frozenset(found)


def _least_upper_bound(nodes: frozenset[str]) -> str:
    common = frozenset.intersection(*(_upper_bounds(n) for n in nodes))
    least = [c for c in common if common <= _upper_bounds(c)]
    if len(least) != 1:
        raise ValueError(f"Input dtypes {sorted(nodes)} have no implicit promotion path; cast "
                         f"the inputs to the type you want")
    return least[0]


def _weak(name: str) -> str:
    if name == "bool":
        return name
    return "float" if "float" in name else ("int" if "int" in name else "complex64")


def result_type(*dtypes: Any) -> str:
    """The dtype of an op's result on inputs of `dtypes`, by Keras's promotion rules.

    Args:
        *dtypes: dtype names, torch dtypes, or the Python types `int`, `float`, `bool` for
            Python numbers (weakly typed: `result_type('float16', float)` is 'float16').

    Returns:
        The result's dtype name.
    """
    if not dtypes:
        return config.floatx()
    pairs = [(standardize_dtype(d), d is int or d is float) for d in dtypes]
    names = {name for name, _ in pairs}
    if len(pairs) == 1 or (len(names) == 1 and not all(weak for _, weak in pairs)):
        out, weak_out = pairs[0][0], pairs[0][1]
    elif all(weak for _, weak in pairs):
        out, weak_out = _least_upper_bound(frozenset(names)), True
    else:
        nodes = frozenset(_weak(n) if weak else n for n, weak in pairs)
        out = _least_upper_bound(nodes)
        weak_out = out in ("int", "float")
    if weak_out and out != "bool":
        bits = config.floatx()[-2:]
        out = "bool" if out == "bool" else (f"int{bits}" if out.startswith("i") else (
            f"uint{bits}" if out.startswith("u") else f"float{bits}"))
    return _TO_32_BITS.get(out, out)


def python_type(value: Any) -> Any:
    """The weak type Keras gives a Python number (`int`, `float`), else None."""
    if isinstance(value, bool):
        return bool
    if isinstance(value, int):
        return int
    if isinstance(value, float):
        return float
    return None
