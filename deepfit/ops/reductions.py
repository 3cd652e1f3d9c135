"""Reductions of `keras.ops`: `sum`, `mean`, `max`, `var`, `argmax`, `cumsum`, ... with Keras's
result dtypes (`mean` of bool or int gives float32, `sum` of bool gives int32, `argmax` int32).

Example:
    >>> from deepfit import ops
    >>> ops.mean(ops.array([True, False, False, True]))
    tensor(0.5000)
"""

from __future__ import annotations

import builtins
from typing import Any

import torch

from deepfit import config
from deepfit.ops.core import convert_to_tensor as _t
from deepfit.ops.dtypes import result_type, standardize_dtype, to_torch
from deepfit.ops.symbolic import op

__all__ = [
    "all", "amax", "amin", "any", "argmax", "argmin", "average", "count_nonzero", "cumprod",
    "cumsum", "logsumexp", "max", "mean", "median", "min", "prod", "ptp", "quantile",
    "percentile", "std", "sum", "var",
]


def _axes(axis: Any, ndim: int) -> tuple[int, ...] | None:
    if axis is None:
        return None
    if isinstance(axis, int):
        axis = (axis,)
    return tuple(a % ndim if ndim else a for a in axis)


def _stacked(x: Any) -> torch.Tensor:
    if isinstance(x, (list, tuple)) and x and builtins.all(isinstance(i, torch.Tensor) for i in x):
        return torch.stack(list(x))
    return _t(x)


@op
def sum(x: Any, axis: Any = None, keepdims: bool = False) -> torch.Tensor:  # noqa: A001
    """The sum over `axis` (all axes when None); bool and small ints give int32."""
    t = _stacked(x)
    if axis == () or axis == []:
        return t
    name = standardize_dtype(t.dtype)
    name = "int32" if name in ("bool", "uint8", "int8", "int16") else name
    dims = _axes(axis, t.dim())
    out = torch.sum(t) if dims is None else torch.sum(t, dim=dims, keepdim=keepdims)
    if dims is None and keepdims:
        out = out.reshape((1,) * t.dim())
    return out.to(to_torch(name))


@op
def mean(x: Any, axis: Any = None, keepdims: bool = False) -> torch.Tensor:
    """The mean over `axis`; bool and int inputs give float32 (Keras: `mean([True, False])`
    is 0.5)."""
    t = _stacked(x)
    if axis == () or axis == []:
        return t
    name = standardize_dtype(t.dtype)
    compute = result_type(name, "float32")
    result = compute if ("int" in name or name == "bool") else name
    dims = _axes(axis, t.dim())
    t = t.to(to_torch(compute))
    out = torch.mean(t) if dims is None else torch.mean(t, dim=dims, keepdim=keepdims)
    if dims is None and keepdims:
        out = out.reshape((1,) * t.dim())
    return out.to(to_torch(result))


def _extreme(t: torch.Tensor, axis: Any, keepdims: bool, largest: bool) -> torch.Tensor:
    dims = _axes(axis, t.dim())
    fn = torch.amax if largest else torch.amin
    if t.numel() == 0:
        raise ValueError(f"Cannot compute the {'max' if largest else 'min'} of an empty tensor")
    if t.dtype == torch.bool:
        return fn(t.to(torch.uint8), dim=dims if dims is not None else (),
                  keepdim=keepdims).bool()
    if dims is None:
        out = fn(t)
        return out.reshape((1,) * t.dim()) if keepdims else out
    return fn(t, dim=dims, keepdim=keepdims)


@op
def max(x: Any, axis: Any = None, keepdims: bool = False,  # noqa: A001
        initial: Any = None) -> torch.Tensor:
    """The largest value over `axis` (all axes when None)."""
    out = _extreme(_t(x), axis, keepdims, largest=True)
    if initial is not None:
        out = torch.maximum(out, torch.tensor(initial, dtype=out.dtype, device=out.device))
    return out


@op
def min(x: Any, axis: Any = None, keepdims: bool = False,  # noqa: A001
        initial: Any = None) -> torch.Tensor:
    """The smallest value over `axis` (all axes when None)."""
    out = _extreme(_t(x), axis, keepdims, largest=False)
    if initial is not None:
        out = torch.minimum(out, torch.tensor(initial, dtype=out.dtype, device=out.device))
    return out


amax = max
amin = min


def _logical(fn: Any, x: Any, axis: Any, keepdims: bool) -> torch.Tensor:
    t = _t(x).bool()
    dims = _axes(axis, t.dim())
    if dims is None and not keepdims:
        return fn(t)
    return fn(t, dim=dims if dims is not None else tuple(range(t.dim())), keepdim=keepdims)


@op
def any(x: Any, axis: Any = None, keepdims: bool = False) -> torch.Tensor:  # noqa: A001
    """Whether any entry is true over `axis`."""
    return _logical(torch.any, x, axis, keepdims)


@op
def all(x: Any, axis: Any = None, keepdims: bool = False) -> torch.Tensor:  # noqa: A001
    """Whether every entry is true over `axis`."""
    return _logical(torch.all, x, axis, keepdims)


@op
def prod(x: Any, axis: Any = None, keepdims: bool = False, dtype: Any = None) -> torch.Tensor:
    """The product over `axis`; bool and small ints give int32."""
    t = _t(x)
    name = standardize_dtype(dtype) if dtype is not None else result_type(t.dtype)
    if dtype is None and name in ("bool", "int8", "int16", "uint8"):
        name = "int32"
    target = to_torch(name)
    dims = _axes(axis, t.dim())
    if dims is None:
        out = torch.prod(t, dtype=target)
        return out.reshape((1,) * t.dim()) if keepdims else out
    out = t
    for d in sorted(dims, reverse=True):
        out = torch.prod(out, dim=d, keepdim=keepdims, dtype=target)
    return out


def _arg(x: Any, axis: Any, keepdims: bool, largest: bool) -> torch.Tensor:
    t = _t(x)
    if t.dtype == torch.bool:
        t = t.to(torch.uint8)
    fn = torch.argmax if largest else torch.argmin
    return fn(t, dim=axis, keepdim=keepdims).to(torch.int32)


@op
def argmax(x: Any, axis: int | None = None, keepdims: bool = False) -> torch.Tensor:
    """The index of the largest value along `axis` (of the flattened tensor when None),
    int32."""
    return _arg(x, axis, keepdims, largest=True)


@op
def argmin(x: Any, axis: int | None = None, keepdims: bool = False) -> torch.Tensor:
    """The index of the smallest value along `axis`, int32."""
    return _arg(x, axis, keepdims, largest=False)


@op
def var(x: Any, axis: Any = None, keepdims: bool = False) -> torch.Tensor:
    """The variance over `axis` (population: divides by n)."""
    t = _t(x)
    compute = result_type(t.dtype, "float32")
    result = result_type(t.dtype, float)
    dims = _axes(axis, t.dim())
    out = torch.var(t.to(to_torch(compute)), dim=dims, keepdim=keepdims, correction=0)
    return out.to(to_torch(result))


@op
def std(x: Any, axis: Any = None, keepdims: bool = False) -> torch.Tensor:
    """The standard deviation over `axis` (population)."""
    t = _t(x)
    if not t.is_floating_point():
        t = t.to(torch.float32)
    return torch.std(t, dim=_axes(axis, t.dim()), keepdim=keepdims, correction=0)


@op
def ptp(x: Any, axis: Any = None, keepdims: bool = False) -> torch.Tensor:
    """`max - min` over `axis`."""
    t = _t(x)
    return torch.subtract(_extreme(t, axis, keepdims, True), _extreme(t, axis, keepdims, False))


def _cumulative(fn: Any, x: Any, axis: Any, dtype: Any) -> torch.Tensor:
    t = _t(x)
    if axis is None:
        t, axis = t.reshape(-1), 0
    name = result_type(dtype if dtype is not None else t.dtype)
    if name == "bool":
        name = "int32"
    target = to_torch(name)
    if target == torch.float16 and t.device.type == "cpu":
        return fn(t, dim=axis, dtype=torch.float32).to(torch.float16)
    return fn(t, dim=axis, dtype=target)


@op
def cumsum(x: Any, axis: int | None = None, dtype: Any = None) -> torch.Tensor:
    """Running sums along `axis` (of the flattened tensor when None)."""
    return _cumulative(torch.cumsum, x, axis, dtype)


@op
def cumprod(x: Any, axis: int | None = None, dtype: Any = None) -> torch.Tensor:
    """Running products along `axis` (of the flattened tensor when None)."""
    return _cumulative(torch.cumprod, x, axis, dtype)


@op
def count_nonzero(x: Any, axis: Any = None) -> torch.Tensor:
    """The number of non-zero entries over `axis`, int32."""
    t = _t(x)
    dims = _axes(axis, t.dim())
    return torch.count_nonzero(t, dim=dims).to(torch.int32)


@op
def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> torch.Tensor:
    """`log(sum(exp(x)))` over `axis`, computed stably."""
    t = _t(x)
    if not t.is_floating_point():
        t = t.to(to_torch(config.floatx()))
    dims = _axes(axis, t.dim())
    return torch.logsumexp(t, dim=dims if dims is not None else tuple(range(t.dim())),
                           keepdim=keepdims)


@op
def median(x: Any, axis: Any = None, keepdims: bool = False) -> torch.Tensor:
    """The median over `axis` (the mean of the middle two for even counts)."""
    return quantile(x, 0.5, axis=axis, keepdims=keepdims)


@op
def quantile(x: Any, q: Any, axis: Any = None, method: str = "linear",
             keepdims: bool = False) -> torch.Tensor:
    """The `q`-th quantile(s) over `axis` (q in [0, 1])."""
    t = _t(x)
    result = to_torch(result_type(t.dtype, float))
    out = _quantile(t.to(torch.float32 if result == torch.float16 else result), q, axis,
                    method, keepdims)
    return out.to(result)


def _quantile(t: torch.Tensor, q: Any, axis: Any, method: str, keepdims: bool,
              fn: Any = torch.quantile) -> torch.Tensor:
    qt = torch.as_tensor(q, dtype=t.dtype, device=t.device)
    dims = _axes(axis, t.dim())
    if dims is None:
        out = fn(t.reshape(-1), qt, interpolation=method)
        if keepdims:
            out = out.reshape(out.shape + (1,) * t.dim())
        return out
    if len(dims) == 1:
        return fn(t, qt, dim=dims[0], keepdim=keepdims, interpolation=method)
    rest = [d for d in range(t.dim()) if d not in dims]
    moved = t.permute(*rest, *dims).reshape(*[t.shape[d] for d in rest], -1)
    out = fn(moved, qt, dim=-1, interpolation=method)
    if keepdims:
        for d in sorted(dims):
            out = out.unsqueeze(d + (1 if qt.dim() else 0))
    return out


@op
def percentile(x: Any, q: Any, axis: Any = None, method: str = "linear",
               keepdims: bool = False) -> torch.Tensor:
    """The `q`-th percentile(s) over `axis` (q in [0, 100])."""
    return quantile(x, torch.as_tensor(q, dtype=torch.float64) / 100.0, axis=axis,
                    method=method, keepdims=keepdims)


@op
def average(x: Any, axis: int | None = None, weights: Any = None) -> torch.Tensor:
    """The (weighted) mean over `axis`."""
    t = _t(x)
    if weights is None:
        return mean(t, axis=axis).to(to_torch(result_type(t.dtype, float)))
    w = _t(weights)
    dtype = to_torch(result_type(t.dtype, w.dtype, float))
    t, w = t.to(dtype), w.to(dtype)
    if axis is not None and w.dim() == 1 and t.dim() > 1:
        shape = [1] * t.dim()
        shape[axis] = -1
        w = w.reshape(shape)
    return torch.sum(t * w, dim=axis) / torch.sum(w.expand_as(t), dim=axis)
