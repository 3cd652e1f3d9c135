"""NaN-ignoring reductions of `keras.ops` (`nansum`, `nanmean`, `nanmax`, `nanvar`,
`nanquantile`, `nancumsum`, ...): NaN entries are left out, with Keras's result dtypes (ints
and bools give float32 for the means, variances and quantiles; `nansum` of bool is int32).

Example:
    >>> from deepfit import ops
    >>> ops.nanmean(ops.array([1.0, float("nan"), 3.0]))
    tensor(2.)
"""

from __future__ import annotations

from typing import Any

import torch

from deepfit.ops.core import convert_to_tensor as _t
from deepfit.ops.dtypes import result_type, standardize_dtype, to_torch
from deepfit.ops.reductions import (
    _axes,
    _quantile,
    _stacked,
    argmax,
    argmin,
    cumprod,
    cumsum,
    max,
    min,
    prod,
    sum,
)
from deepfit.ops.symbolic import op

__all__ = [
    "nanargmax", "nanargmin", "nancumprod", "nancumsum", "nanmax", "nanmean", "nanmedian",
    "nanmin", "nanpercentile", "nanprod", "nanquantile", "nanstd", "nansum", "nanvar",
]


def _no_axes(axis: Any) -> bool:
    return isinstance(axis, (tuple, list)) and len(axis) == 0


def _all_nan(t: torch.Tensor, dims: tuple[int, ...] | None, keepdims: bool) -> torch.Tensor:
    nan = torch.isnan(t)
    if dims is None:
        out = nan.all()
        return out.reshape((1,) * t.dim()) if keepdims else out
    return nan.all(dim=dims, keepdim=keepdims)


def _nan_extreme(x: Any, axis: Any, keepdims: bool, largest: bool) -> torch.Tensor:
    t = _t(x)
    reduce = max if largest else min
    if not t.is_floating_point():
        return reduce(t, axis=axis, keepdims=keepdims)
    if _no_axes(axis):
        return t
    fill = float("-inf") if largest else float("inf")
    out = reduce(torch.where(torch.isnan(t), fill, t), axis=axis, keepdims=keepdims)
    empty = _all_nan(t, _axes(axis, t.dim()), keepdims)
    return torch.where(empty, torch.full_like(out, float("nan")), out)


@op
def nanmax(x: Any, axis: Any = None, keepdims: bool = False) -> torch.Tensor:
    """The largest value over `axis`, NaNs left out (NaN where every entry is NaN).

    Args:
        x: the tensor.
        axis: an axis or tuple of axes (all axes when None).
        keepdims: keep the reduced axes with size 1.

    Returns:
        A tensor of `x`'s dtype.
    """
    return _nan_extreme(x, axis, keepdims, largest=True)


@op
def nanmin(x: Any, axis: Any = None, keepdims: bool = False) -> torch.Tensor:
    """The smallest value over `axis`, NaNs left out (NaN where every entry is NaN)."""
    return _nan_extreme(x, axis, keepdims, largest=False)


def _nan_arg(x: Any, axis: Any, keepdims: bool, largest: bool) -> torch.Tensor:
    t = _t(x)
    find = argmax if largest else argmin
    if not t.is_floating_point():
        return find(t, axis=axis, keepdims=keepdims)
    fill = float("-inf") if largest else float("inf")
    found = find(torch.where(torch.isnan(t), fill, t), axis=axis, keepdims=keepdims)
    empty = _all_nan(t, None if axis is None else _axes(axis, t.dim()), keepdims)
    if axis is None and keepdims:
        empty = empty.reshape(found.shape)
    return torch.where(empty, torch.full_like(found, -1), found)


@op
def nanargmax(x: Any, axis: int | None = None, keepdims: bool = False) -> torch.Tensor:
    """The index of the largest value along `axis`, NaNs left out; -1 where every entry is
    NaN. int32.

    Args:
        x: the tensor.
        axis: the axis (the flattened tensor when None).
        keepdims: keep the reduced axis with size 1.

    Returns:
        An int32 tensor.
    """
    return _nan_arg(x, axis, keepdims, largest=True)


@op
def nanargmin(x: Any, axis: int | None = None, keepdims: bool = False) -> torch.Tensor:
    """The index of the smallest value along `axis`, NaNs left out; -1 where every entry is
    NaN. int32."""
    return _nan_arg(x, axis, keepdims, largest=False)


def _zero_nans(t: torch.Tensor, fill: float) -> torch.Tensor:
    if not (t.is_floating_point() or t.is_complex()):
        return t
    return torch.where(torch.isnan(t), torch.full_like(t, fill), t)


@op
def nansum(x: Any, axis: Any = None, keepdims: bool = False) -> torch.Tensor:
    """The sum over `axis` with NaNs counted as zero; bool and small ints give int32.

    Args:
        x: the tensor.
        axis: an axis or tuple of axes (all axes when None).
        keepdims: keep the reduced axes with size 1.

    Returns:
        The sums.
    """
    t = _zero_nans(_stacked(x), 0.0)
    if _no_axes(axis):
        name = standardize_dtype(t.dtype)
        return t.to(torch.int32) if name in ("bool", "uint8", "int8", "int16") else t
    return sum(t, axis=axis, keepdims=keepdims)


@op
def nanprod(x: Any, axis: Any = None, keepdims: bool = False) -> torch.Tensor:
    """The product over `axis` with NaNs counted as one; bool and small ints give int32."""
    t = _zero_nans(_t(x), 1.0)
    if _no_axes(axis):
        return t
    return prod(t, axis=axis, keepdims=keepdims)


def _floated(x: Any) -> torch.Tensor:
    t = _t(x)
    return t.to(to_torch(result_type(t.dtype, float)))


def _nan_mean(t: torch.Tensor, dims: tuple[int, ...] | None, keepdims: bool) -> torch.Tensor:
    valid = ~torch.isnan(t)
    total = torch.where(valid, t, torch.zeros_like(t))
    compute = torch.float32 if t.dtype in (torch.float16, torch.bfloat16) else t.dtype
    if dims is None:
        out = total.to(compute).sum() / valid.sum()
        return (out.reshape((1,) * t.dim()) if keepdims else out).to(t.dtype)
    out = total.to(compute).sum(dim=dims, keepdim=keepdims) / valid.sum(dim=dims,
                                                                        keepdim=keepdims)
    return out.to(t.dtype)


@op
def nanmean(x: Any, axis: Any = None, keepdims: bool = False) -> torch.Tensor:
    """The mean over `axis` of the entries that are not NaN (NaN where all are); bool and int
    inputs give float32.

    Args:
        x: the tensor.
        axis: an axis or tuple of axes (all axes when None).
        keepdims: keep the reduced axes with size 1.

    Returns:
        The means.
    """
    t = _t(x)
    if _no_axes(axis):
        return t
    t = _floated(t)
    return _nan_mean(t, _axes(axis, t.dim()), keepdims)


@op
def nanvar(x: Any, axis: Any = None, keepdims: bool = False) -> torch.Tensor:
    """The population variance over `axis` of the entries that are not NaN."""
    t = _floated(x)
    if _no_axes(axis):
        return torch.where(torch.isnan(t), t, torch.zeros_like(t))
    dims = _axes(axis, t.dim())
    mean = _nan_mean(t, dims, keepdims=True)
    valid = ~torch.isnan(t)
    centered = torch.where(valid, t - mean, torch.zeros_like(t))
    squares = centered.real ** 2 + centered.imag ** 2 if t.is_complex() else centered ** 2
    if dims is None:
        out = squares.sum() / valid.sum()
        return out.reshape((1,) * t.dim()) if keepdims else out
    return squares.sum(dim=dims, keepdim=keepdims) / valid.sum(dim=dims, keepdim=keepdims)


@op
def nanstd(x: Any, axis: Any = None, keepdims: bool = False) -> torch.Tensor:
    """The population standard deviation over `axis` of the entries that are not NaN."""
    return torch.sqrt(nanvar(x, axis=axis, keepdims=keepdims))


@op
def nanquantile(x: Any, q: Any, axis: Any = None, method: str = "linear",
                keepdims: bool = False) -> torch.Tensor:
    """The `q`-th quantile(s) over `axis` (q in [0, 1]) of the entries that are not NaN.

    Args:
        x: the tensor.
        q: a quantile or a tensor of them, in [0, 1].
        axis: an axis or tuple of axes (all axes when None).
        method: 'linear', 'lower', 'higher', 'midpoint' or 'nearest'.
        keepdims: keep the reduced axes with size 1.

    Returns:
        The quantiles (q's axes first); float32 for bool and int inputs.
    """
    t = _t(x)
    result = to_torch(result_type(t.dtype, float))
    compute = to_torch(result_type(t.dtype, "float32"))
    out = _quantile(t.to(compute), q, axis, method, keepdims, torch.nanquantile)
    return out.to(result)


@op
def nanpercentile(x: Any, q: Any, axis: Any = None, method: str = "linear",
                  keepdims: bool = False) -> torch.Tensor:
    """The `q`-th percentile(s) over `axis` (q in [0, 100]) of the entries that are not NaN."""
    return nanquantile(x, torch.as_tensor(q, dtype=torch.float32) / 100.0, axis=axis,
                       method=method, keepdims=keepdims)


@op
def nanmedian(x: Any, axis: Any = None, keepdims: bool = False) -> torch.Tensor:
    """The median over `axis` of the entries that are not NaN."""
    if _no_axes(axis):
        return _t(x)
    return nanquantile(x, 0.5, axis=axis, keepdims=keepdims)


@op
def nancumsum(x: Any, axis: int | None = None, dtype: Any = None) -> torch.Tensor:
    """Running sums along `axis` (of the flattened tensor when None) with NaNs counted as
    zero."""
    return cumsum(_zero_nans(_t(x), 0.0), axis=axis, dtype=dtype)


@op
def nancumprod(x: Any, axis: int | None = None, dtype: Any = None) -> torch.Tensor:
    """Running products along `axis` with NaNs counted as one."""
    return cumprod(_zero_nans(_t(x), 1.0), axis=axis, dtype=dtype)
