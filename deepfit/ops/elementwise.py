"""Element-wise ops of `keras.ops` (NumPy's names): arithmetic, comparisons, logic, and the
float functions (`exp`, `sqrt`, `sin`, ...), with Keras's result dtypes (integer and bool inputs
of float functions give float32; mixed dtypes promote as `deepfit.ops.dtypes.result_type`).

Example:
    >>> from deepfit import ops
    >>> ops.sqrt(ops.array([1, 4]))
    tensor([1., 2.])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from deepfit import config
from deepfit.ops.core import convert_to_tensor as _t
from deepfit.ops.dtypes import python_type, result_type, standardize_dtype, to_torch
from deepfit.ops.symbolic import op

_UNARY_FLOAT = {
    "sqrt": torch.sqrt, "exp": torch.exp, "exp2": torch.exp2, "expm1": torch.expm1,
    "log": torch.log, "log2": torch.log2, "log10": torch.log10, "log1p": torch.log1p,
    "sin": torch.sin, "cos": torch.cos, "tan": torch.tan, "arcsin": torch.arcsin,
    "arccos": torch.arccos, "arctan": torch.arctan, "sinh": torch.sinh, "cosh": torch.cosh,
    "tanh": torch.tanh, "arcsinh": torch.arcsinh, "arccosh": torch.arccosh,
    "arctanh": torch.arctanh, "rsqrt": torch.rsqrt, "erf": torch.erf, "erfinv": torch.erfinv,
    "sinc": torch.sinc,
    "reciprocal": torch.reciprocal,
}


def _float_input(x: Any) -> torch.Tensor:
    t = _t(x)
    if not t.is_floating_point():
        t = t.to(to_torch(config.floatx()))
    return t


def _float64_for_int64(x: Any) -> torch.Tensor:
    t = _t(x)
    return t.to(torch.float64) if t.dtype == torch.int64 else _float_input(t)


def _make_unary_float(name: str, fn: Callable[[torch.Tensor], torch.Tensor]) -> Any:
    def unary(x: Any) -> torch.Tensor:
        t = _float_input(x)
        if t.dtype == torch.float16 and t.device.type == "cpu":
            return fn(t.float()).half()
        return fn(t)

    unary.__name__ = unary.__qualname__ = name
    unary.__doc__ = (f"Element-wise `{name}`; integer and bool inputs give "
                     f"{config.floatx()} (as in Keras).")
    return op(unary)


for _name, _fn in _UNARY_FLOAT.items():
    globals()[_name] = _make_unary_float(_name, _fn)


def _to_float_of(x: torch.Tensor) -> torch.Tensor:
    name = standardize_dtype(x.dtype)
    if name == "int64":
        return x.to(to_torch(config.floatx()))
    return x.to(to_torch(result_type(name, float)))


@op
def floor(x: Any) -> torch.Tensor:
    """The largest integer ≤ x, as a float tensor."""
    return torch.floor(_to_float_of(_t(x)))


@op
def ceil(x: Any) -> torch.Tensor:
    """The smallest integer ≥ x, as a float tensor."""
    return torch.ceil(_to_float_of(_t(x)))


@op
def trunc(x: Any) -> torch.Tensor:
    """x rounded towards zero (integers unchanged)."""
    t = _t(x)
    return torch.trunc(t) if t.is_floating_point() else t


@op
def round(x: Any, decimals: int = 0) -> torch.Tensor:  # noqa: A001 - Keras's name
    """x rounded to `decimals` places (half to even); integer inputs keep their dtype."""
    t = _t(x)
    if t.dtype == torch.bool:
        raise TypeError("round: bool tensors cannot be rounded")
    if not t.is_floating_point():
        return torch.round(t.to(to_torch(config.floatx())), decimals=decimals).to(t.dtype)
    return torch.round(t, decimals=decimals)


@op
def abs(x: Any) -> torch.Tensor:  # noqa: A001 - Keras's name
    """The absolute value."""
    t = _t(x)
    return t if t.dtype == torch.bool else torch.abs(t)


absolute = abs


@op
def fabs(x: Any) -> torch.Tensor:
    """The absolute value, as a float tensor."""
    return torch.abs(_float_input(x))


@op
def negative(x: Any) -> torch.Tensor:
    """`-x`."""
    return torch.negative(_t(x))


@op
def square(x: Any) -> torch.Tensor:
    """`x * x` (bool inputs give int32)."""
    t = _t(x)
    return torch.square(t.int() if t.dtype == torch.bool else t)


@op
def sign(x: Any) -> torch.Tensor:
    """-1, 0 or 1 by the sign of x."""
    return torch.sign(_t(x))


@op
def signbit(x: Any) -> torch.Tensor:
    """Whether the sign bit is set (True for -0.0 and negatives)."""
    t = _t(x)
    return torch.signbit(t.float() if t.dtype == torch.bool else t)


@op
def conjugate(x: Any) -> torch.Tensor:
    """The complex conjugate (real inputs unchanged)."""
    return torch.conj(_t(x))


conj = conjugate


@op
def real(x: Any) -> torch.Tensor:
    """The real part."""
    t = _t(x)
    return torch.real(t) if t.is_complex() else t


@op
def imag(x: Any) -> torch.Tensor:
    """The imaginary part (zeros for real inputs)."""
    t = _t(x)
    return torch.imag(t) if t.is_complex() else torch.zeros_like(t)


@op
def isnan(x: Any) -> torch.Tensor:
    """Whether each entry is NaN."""
    return torch.isnan(_t(x))


@op
def isinf(x: Any) -> torch.Tensor:
    """Whether each entry is ±inf."""
    return torch.isinf(_t(x))


@op
def isfinite(x: Any) -> torch.Tensor:
    """Whether each entry is finite."""
    return torch.isfinite(_t(x))


@op
def isneginf(x: Any) -> torch.Tensor:
    """Whether each entry is -inf."""
    return torch.isneginf(_t(x))


@op
def isposinf(x: Any) -> torch.Tensor:
    """Whether each entry is +inf."""
    return torch.isposinf(_t(x))


@op
def logical_not(x: Any) -> torch.Tensor:
    """`not x` element-wise."""
    return torch.logical_not(_t(x))


@op
def deg2rad(x: Any) -> torch.Tensor:
    """Degrees to radians."""
    return torch.deg2rad(_float64_for_int64(x))


@op
def rad2deg(x: Any) -> torch.Tensor:
    """Radians to degrees."""
    return torch.rad2deg(_float64_for_int64(x))


@op
def i0(x: Any) -> torch.Tensor:
    """The modified Bessel function of the first kind, order 0."""
    return torch.i0(_float64_for_int64(x))


@op
def cbrt(x: Any) -> torch.Tensor:
    """The cube root (negative for negative inputs)."""
    t = _float64_for_int64(x)
    return torch.sign(t) * torch.abs(t).pow(1.0 / 3.0)


@op
def nan_to_num(x: Any, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> torch.Tensor:
    """NaN and ±inf replaced by finite numbers."""
    t = _t(x)
    if not t.is_floating_point():
        return t
    return torch.nan_to_num(t, nan=nan, posinf=posinf, neginf=neginf)


# ------------------------------------------------------------------ binary


def _pair(x1: Any, x2: Any) -> tuple[torch.Tensor, torch.Tensor]:
    a, b = _t(x1), _t(x2)
    if a.device != b.device:
        if a.dim() == 0:
            a = a.to(b.device)
        else:
            b = b.to(a.device)
    return a, b


def _kind(value: Any) -> Any:
    return python_type(value) or standardize_dtype(_t(value).dtype)


def _promoted(x1: Any, x2: Any, *extra: Any,
              weak: bool = False) -> tuple[torch.Tensor, torch.Tensor, str]:
    """Both inputs in their promoted dtype; with `weak`, Python numbers take the tensor's kind
    (`maximum(float16_x, 1.5)` stays float16), otherwise they count as int32/float32."""
    kinds = (_kind(x1), _kind(x2)) if weak else ()
    a, b = _pair(x1, x2)
    dtype = result_type(*(kinds or (a.dtype, b.dtype)), *extra)
    target = to_torch(dtype)
    return a.to(target), b.to(target), dtype


@op
def add(x1: Any, x2: Any) -> torch.Tensor:
    """`x1 + x2` with broadcasting."""
    a, b = _pair(x1, x2)
    return torch.add(a, b)


@op
def subtract(x1: Any, x2: Any) -> torch.Tensor:
    """`x1 - x2` with broadcasting."""
    a, b = _pair(x1, x2)
    if a.dtype == torch.bool:
        a = a.to(b.dtype)
    if b.dtype == torch.bool:
        b = b.to(a.dtype)
    return torch.subtract(a, b)


@op
def multiply(x1: Any, x2: Any) -> torch.Tensor:
    """`x1 * x2` with broadcasting."""
    a, b = _pair(x1, x2)
    return torch.multiply(a, b)


@op
def divide(x1: Any, x2: Any) -> torch.Tensor:
    """`x1 / x2` as floats (integer inputs give float32)."""
    a, b = _pair(x1, x2)
    return torch.divide(a, b)


true_divide = divide


@op
def divide_no_nan(x1: Any, x2: Any) -> torch.Tensor:
    """`x1 / x2`, with 0 where `x2` is 0."""
    a, b, dtype = _promoted(x1, x2, float, weak=True)
    return torch.where(b == 0, torch.zeros_like(a), a / torch.where(b == 0, 1, b))


@op
def floor_divide(x1: Any, x2: Any) -> torch.Tensor:
    """`x1 // x2`."""
    dtype = result_type(_kind(x1), _kind(x2))
    a, b = _pair(x1, x2)
    return torch.floor_divide(a, b).to(to_torch(dtype))


@op
def mod(x1: Any, x2: Any) -> torch.Tensor:
    """The remainder of `x1 / x2`, with the sign of `x2` (Python's `%`)."""
    dtype = result_type(_kind(x1), _kind(x2))
    a, b = _pair(x1, x2)
    if dtype == "bool":
        a, b = a.int(), b.int()
    return torch.remainder(a, b)


@op
def fmod(x1: Any, x2: Any) -> torch.Tensor:
    """The remainder of `x1 / x2`, with the sign of `x1` (C's fmod)."""
    a, b = _pair(x1, x2)
    if a.dtype == torch.bool and b.dtype == torch.bool:
        a, b = a.int(), b.int()
    return torch.fmod(a, b)


@op
def power(x1: Any, x2: Any) -> torch.Tensor:
    """`x1 ** x2`."""
    a, b = _pair(x1, x2)
    return torch.pow(a, b)


@op
def maximum(x1: Any, x2: Any) -> torch.Tensor:
    """The element-wise larger value."""
    a, b, _ = _promoted(x1, x2, weak=True)
    return torch.maximum(a, b)


@op
def minimum(x1: Any, x2: Any) -> torch.Tensor:
    """The element-wise smaller value."""
    a, b, _ = _promoted(x1, x2, weak=True)
    return torch.minimum(a, b)


fmax = maximum
fmin = minimum


@op
def arctan2(x1: Any, x2: Any) -> torch.Tensor:
    """The angle of the point (x2, x1), in radians."""
    a, b, _ = _promoted(x1, x2, float)
    return torch.arctan2(a, b)


@op
def hypot(x1: Any, x2: Any) -> torch.Tensor:
    """`sqrt(x1² + x2²)`."""
    a, b, _ = _promoted(x1, x2, float)
    return torch.hypot(a, b)


@op
def logaddexp(x1: Any, x2: Any) -> torch.Tensor:
    """`log(exp(x1) + exp(x2))`, computed stably."""
    a, b, _ = _promoted(x1, x2, float)
    return torch.logaddexp(a, b)


@op
def logaddexp2(x1: Any, x2: Any) -> torch.Tensor:
    """`log2(2**x1 + 2**x2)`, computed stably."""
    a, b, _ = _promoted(x1, x2, float)
    return torch.logaddexp2(a, b)


@op
def copysign(x1: Any, x2: Any) -> torch.Tensor:
    """The magnitude of x1 with the sign of x2."""
    a, b, _ = _promoted(x1, x2, float)
    return torch.copysign(a, b)


@op
def heaviside(x1: Any, x2: Any) -> torch.Tensor:
    """0 where x1 < 0, x2 where x1 == 0, 1 where x1 > 0 (integer inputs give float32)."""
    a, b, dtype = _promoted(x1, x2)
    if "int" in dtype:
        a, b = a.to(to_torch(config.floatx())), b.to(to_torch(config.floatx()))
    return torch.heaviside(a, b)


def _comparison(name: str, fn: Callable[..., torch.Tensor]) -> Any:
    def compare(x1: Any, x2: Any) -> torch.Tensor:
        a, b = _pair(x1, x2)
        return fn(a, b)

    compare.__name__ = compare.__qualname__ = name
    compare.__doc__ = f"Element-wise `{name}`, a bool tensor."
    return op(compare)


equal = _comparison("equal", torch.eq)
not_equal = _comparison("not_equal", torch.ne)
greater = _comparison("greater", torch.gt)
greater_equal = _comparison("greater_equal", torch.ge)
less = _comparison("less", torch.lt)
less_equal = _comparison("less_equal", torch.le)
logical_and = _comparison("logical_and", torch.logical_and)
logical_or = _comparison("logical_or", torch.logical_or)
logical_xor = _comparison("logical_xor", torch.logical_xor)


@op
def isclose(x1: Any, x2: Any, rtol: float = 1e-5, atol: float = 1e-8,
            equal_nan: bool = False) -> torch.Tensor:
    """Whether `|x1 - x2| <= atol + rtol * |x2|` element-wise."""
    a, b, _ = _promoted(x1, x2)
    return torch.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


def allclose(x1: Any, x2: Any, rtol: float = 1e-5, atol: float = 1e-8,
             equal_nan: bool = False) -> torch.Tensor:
    """Whether all entries are close (see `isclose`)."""
    return torch.all(isclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan))


def _bitwise(name: str, fn: Callable[..., torch.Tensor], shift: bool = False) -> Any:
    def bitwise(x: Any, y: Any) -> torch.Tensor:
        if shift and isinstance(y, int) and not isinstance(y, bool):
            return fn(_t(x), y)
        a, b = _pair(x, y)
        return fn(a, b)

    bitwise.__name__ = bitwise.__qualname__ = name
    bitwise.__doc__ = f"Element-wise `{name}` of integer or bool tensors."
    return op(bitwise)


bitwise_and = _bitwise("bitwise_and", torch.bitwise_and)
bitwise_or = _bitwise("bitwise_or", torch.bitwise_or)
bitwise_xor = _bitwise("bitwise_xor", torch.bitwise_xor)
bitwise_left_shift = left_shift = _bitwise("bitwise_left_shift", torch.bitwise_left_shift,
                                                 shift=True)
bitwise_right_shift = right_shift = _bitwise("bitwise_right_shift",
                                                   torch.bitwise_right_shift, shift=True)


@op
def bitwise_invert(x: Any) -> torch.Tensor:
    """Bitwise NOT (logical NOT for bool)."""
    return torch.bitwise_not(_t(x))


bitwise_not = bitwise_invert

__all__ = sorted([*_UNARY_FLOAT, "floor", "ceil", "trunc", "round", "abs", "absolute", "fabs",
                  "negative", "square", "sign", "signbit", "conjugate", "conj", "real", "imag",
                  "isnan", "isinf", "isfinite", "isneginf", "isposinf", "logical_not",
                  "deg2rad", "rad2deg", "cbrt", "i0", "nan_to_num",
                  "add", "subtract", "multiply", "divide",
                  "true_divide", "divide_no_nan", "floor_divide", "mod", "fmod", "power",
                  "maximum", "minimum", "fmax", "fmin", "arctan2", "hypot", "logaddexp",
                  "logaddexp2", "heaviside", "equal", "not_equal", "greater",
                  "greater_equal", "less", "less_equal", "logical_and", "logical_or",
                  "logical_xor", "isclose", "allclose", "bitwise_and", "bitwise_or",
                  "bitwise_xor", "bitwise_left_shift", "left_shift", "bitwise_right_shift",
                  "right_shift", "bitwise_invert", "bitwise_not"])
