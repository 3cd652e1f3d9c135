"""Number-theory and floating-point element-wise ops of `keras.ops`: `gcd`, `lcm`, `ldexp`,
`nextafter`, `angle`, `isreal` and `erfc`, with Keras's result dtypes.

Example:
    >>> from deepfit import ops
    >>> ops.gcd(ops.array([12, 18]), ops.array([8, 27]))
    tensor([4, 9], dtype=torch.int32)
"""

from __future__ import annotations

from typing import Any

import torch

from deepfit import config
from deepfit.ops.core import convert_to_tensor as _t
from deepfit.ops.dtypes import result_type, standardize_dtype, to_torch
from deepfit.ops.symbolic import op

__all__ = ["angle", "erfc", "gcd", "isreal", "lcm", "ldexp", "nextafter"]


def _integers(name: str, x1: Any, x2: Any) -> tuple[torch.Tensor, torch.Tensor]:
    a, b = _t(x1), _t(x2)
    for label, t in (("x1", a), ("x2", b)):
        if t.is_floating_point() or t.is_complex():
            raise TypeError(f"{name}: `{label}` must hold integers; received dtype "
                            f"{standardize_dtype(t.dtype)}")
    dtype = torch.promote_types(a.dtype, b.dtype)
    if dtype == torch.bool:
        raise TypeError(f"{name}: boolean inputs are not supported; cast them to int")
    return a.to(dtype), b.to(dtype).to(a.device)


@op
def gcd(x1: Any, x2: Any) -> torch.Tensor:
    """The element-wise greatest common divisor of two integer tensors (non-negative)."""
    return torch.gcd(*_integers("gcd", x1, x2))


@op
def lcm(x1: Any, x2: Any) -> torch.Tensor:
    """The element-wise least common multiple of two integer tensors (non-negative)."""
    return torch.lcm(*_integers("lcm", x1, x2))


@op
def ldexp(x1: Any, x2: Any) -> torch.Tensor:
    """`x1 * 2 ** x2` element-wise; `x2` must hold integers.

    Args:
        x1: the mantissas.
        x2: the integer exponents.

    Returns:
        Floats of the promoted dtype (float32 for integer `x1`).

    Raises:
        TypeError: when `x2` is not an integer tensor.
    """
    a, b = _t(x1), _t(x2)
    if "int" not in standardize_dtype(b.dtype):
        raise TypeError(f"ldexp: exponent must be an integer type. Received: x2 dtype="
                        f"{standardize_dtype(b.dtype)}")
    dtype = to_torch(result_type(a.dtype, b.dtype, float))
    compute = torch.float32 if dtype in (torch.float16, torch.bfloat16) else dtype
    return torch.ldexp(a.to(compute), b.to(a.device)).to(dtype)


@op
def nextafter(x1: Any, x2: Any) -> torch.Tensor:
    """The next representable float after `x1` towards `x2`, element-wise (computed in
    float64, as Keras on torch, then given in the promoted float dtype)."""
    a, b = _t(x1), _t(x2)
    dtype = to_torch(result_type(a.dtype, b.dtype, float))
    out = torch.nextafter(a.to(torch.float64), b.to(torch.float64).to(a.device))
    return out.to(dtype)


@op
def angle(x: Any) -> torch.Tensor:
    """The element-wise argument (phase) of complex `x`; 0 or π for real numbers.
    Integer and bool inputs give floatx."""
    t = _t(x)
    if not (t.is_floating_point() or t.is_complex()):
        t = t.to(to_torch(config.floatx()))
    if t.dtype == torch.float16 and t.device.type != "cpu":
        return torch.angle(t.float()).half()
    return torch.angle(t)


@op
def isreal(x: Any) -> torch.Tensor:
    """Whether each entry has a zero imaginary part (always True for real dtypes)."""
    return torch.isreal(_t(x))


@op
def erfc(x: Any) -> torch.Tensor:
    """The complementary error function `1 - erf(x)`, element-wise, accurate where `erf(x)` is
    close to 1; integer and bool inputs give floatx."""
    t = _t(x)
    if not t.is_floating_point():
        t = t.to(to_torch(config.floatx()))
    if t.dtype == torch.float16 and t.device.type == "cpu":
        return torch.erfc(t.float()).half()
    return torch.erfc(t)
