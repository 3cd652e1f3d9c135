"""Counting and set ops of `keras.ops`: `unique`, `bincount`, `isin`, `histogram` and
`argpartition`, with Keras's argument names, checks and result dtypes.

Example:
    >>> from deepfit import ops
    >>> ops.bincount(ops.array([0, 1, 1, 3]))
    tensor([1, 2, 0, 1], dtype=torch.int32)
"""

from __future__ import annotations

import builtins
from typing import Any

import torch

from deepfit.ops.core import convert_to_tensor as _t
from deepfit.ops.dtypes import result_type, to_torch
from deepfit.ops.symbolic import op

__all__ = ["argpartition", "bincount", "histogram", "isin", "unique"]


def _pad_to(t: torch.Tensor, size: int, dim: int, fill: Any) -> torch.Tensor:
    count = t.shape[dim]
    if count >= size:
        return t.narrow(dim, 0, size)
    shape = list(t.shape)
    shape[dim] = size - count
    return torch.cat([t, torch.full(shape, fill, dtype=t.dtype, device=t.device)], dim=dim)


def unique(x: Any, sorted: bool = True, return_index: bool = False,  # noqa: A002
           return_inverse: bool = False, return_counts: bool = False, axis: int | None = None,
           size: int | None = None, fill_value: Any = None) -> Any:
    """The distinct values of `x` (of the flattened tensor, or the distinct slices along
    `axis`), in ascending order.

    Args:
        x: the tensor.
        sorted: accepted for Keras's signature; the values always come sorted.
        return_index: also return, for each distinct value, the first index where it occurs.
        return_inverse: also return, for each entry of `x`, the index of its value in the
            result.
        return_counts: also return how often each distinct value occurs.
        axis: find distinct slices along this axis (the flattened tensor when None).
        size: give exactly this many values: cut, or padded with `fill_value` (0 when None);
            counts are padded with 0.
        fill_value: the padding value when `size` is larger than the number of values.

    Returns:
        The values, or a tuple (values, [index], [inverse], [counts]) when asked for more;
        index, inverse and counts are int64.

    Example:
        >>> unique(ops.array([3, 1, 3]), return_counts=True)
        (tensor([1, 3], dtype=torch.int32), tensor([1, 2]))
    """
    t = _t(x)
    dim = 0 if axis is None else axis % builtins.max(t.dim(), 1)
    values, inverse, counts = torch.unique(t, sorted=True, return_inverse=True,
                                           return_counts=True, dim=axis)
    first = None
    if return_index:
        order = torch.arange(inverse.numel(), device=inverse.device)
        first = torch.full((values.shape[dim],), inverse.numel(), dtype=order.dtype,
                           device=order.device).scatter_reduce(0, inverse.reshape(-1), order,
                                                               reduce="amin")
    if size is not None:
        values = _pad_to(values, size, dim, 0 if fill_value is None else fill_value)
        counts = _pad_to(counts, size, 0, 0)
        first = None if first is None else _pad_to(first, size, 0, 1)
    extras = [item for item, wanted in ((first, return_index), (inverse, return_inverse),
                                        (counts, return_counts)) if wanted]
    return tuple([values, *extras]) if extras else values


@op
def bincount(x: Any, weights: Any = None, minlength: int = 0,
             sparse: bool = False) -> torch.Tensor:
    """How often each non-negative integer occurs in `x` (the summed `weights` of its
    occurrences when given); a 2-D `x` counts each row.

    Args:
        x: a 1-D or 2-D tensor of non-negative integers.
        weights: optional weights, the shape of `x`.
        minlength: the least length of the result.
        sparse: not supported (dense results only).

    Returns:
        int32 counts, or sums of the weights' dtype.

    Raises:
        ValueError: for `sparse=True`, negative values or `x` of more than 2 dimensions.
    """
    if sparse:
        raise ValueError("bincount: sparse=True is not supported; deepfit tensors are dense")
    t = _t(x)
    if t.is_floating_point() or t.is_complex():
        raise TypeError(f"bincount: `x` must hold integers; received dtype {t.dtype}")
    if t.dim() not in (1, 2):
        raise ValueError(f"bincount: `x` must be 1-D or 2-D; received shape {tuple(t.shape)}")
    t = t.to(torch.int64)
    if t.numel() and int(t.min()) < 0:
        raise ValueError("bincount: `x` must hold non-negative integers; received "
                         f"a minimum of {int(t.min())}")
    w = None if weights is None else _t(weights)
    dtype = "int32" if w is None else result_type(_t(x).dtype, w.dtype)
    length = builtins.max(int(minlength), int(t.max()) + 1 if t.numel() else 0)
    if w is not None and w.dtype in (torch.float16, torch.bfloat16):
        w = w.float()  # torch's half-precision bincount gives NaN (so does Keras on torch)
    if t.dim() == 1:
        return torch.bincount(t, w, minlength=length).to(to_torch(dtype))
    rows = [torch.bincount(row, None if w is None else w[i], minlength=length)
            for i, row in enumerate(t)]
    return torch.stack(rows).to(to_torch(dtype))


@op
def isin(x1: Any, x2: Any, assume_unique: bool = False, invert: bool = False) -> torch.Tensor:
    """Whether each entry of `x1` occurs in `x2` (does not, with `invert=True`).

    Args:
        x1: the tensor whose entries are looked up.
        x2: the values to look for (any shape).
        assume_unique: accepted for Keras's signature.
        invert: give the opposite answer.

    Returns:
        A bool tensor of `x1`'s shape.
    """
    a, b = _t(x1), _t(x2)
    common = to_torch(result_type(a.dtype, b.dtype))
    if common == torch.bool:
        common = torch.int32
    return torch.isin(a.to(common), b.to(common).to(a.device), invert=invert)


def _check_histogram(bins: Any, range: Any) -> None:  # noqa: A002
    if not isinstance(bins, int) or isinstance(bins, bool):
        raise TypeError(f"histogram: argument `bins` must be of type `int`. Received: "
                        f"bins={bins}")
    if bins < 0:
        raise ValueError(f"histogram: argument `bins` should be a non-negative integer. "
                         f"Received: bins={bins}")
    if range:
        if not isinstance(range, tuple) or len(range) < 2:
            raise ValueError(f"histogram: argument `range` must be a tuple of two elements. "
                             f"Received: range={range}")
        if range[1] < range[0]:
            raise ValueError(f"histogram: the second element of `range` must be greater than "
                             f"the first. Received: range={range}")


def histogram(x: Any, bins: int = 10, range: tuple | None = None  # noqa: A002
              ) -> tuple[torch.Tensor, torch.Tensor]:
    """The counts of a 1-D tensor's values in `bins` equal-width bins over `range`.

    Args:
        x: a 1-D tensor.
        bins: the number of bins.
        range: (lower, upper) of the bins; the smallest and largest values when None.

    Returns:
        (counts, bin edges): `bins` counts and `bins + 1` edges, float tensors (of `x`'s
        dtype when it is a float, else float32).

    Raises:
        TypeError / ValueError: for a non-integer or negative `bins`, a `range` that is not an
            increasing pair, or `x` of more than one dimension.
    """
    _check_histogram(bins, range)
    t = _t(x)
    if t.dim() > 1:
        raise ValueError(f"histogram: input tensor must be 1-dimensional. Received: "
                         f"input.shape={tuple(t.shape)}")
    dtype = t.dtype if t.is_floating_point() else torch.float32
    counts, edges = torch.histogram(t.cpu().to(torch.float64 if dtype == torch.float64
                                               else torch.float32), bins=bins,
                                    range=None if not range else (float(range[0]),
                                                                  float(range[1])))
    return counts.to(t.device, dtype), edges.to(t.device, dtype)


@op
def argpartition(x: Any, kth: int, axis: int | None = -1) -> torch.Tensor:
    """Indices that partition `x` along `axis`: the entry at position `kth` is the one a full
    sort would put there, smaller ones come before it and larger ones after.

    Args:
        x: the tensor.
        kth: the position to partition at.
        axis: the axis (the flattened tensor when None).

    Returns:
        int32 indices of `x`'s shape (flattened when `axis` is None).
    """
    t = _t(x)
    if axis is None:
        t, axis = t.reshape(-1), 0
    length = t.shape[axis] if t.dim() else 1
    if not -length <= kth < length:
        raise ValueError(f"argpartition: kth={kth} is out of bounds for an axis of size "
                         f"{length}")
    if t.dtype == torch.bool:
        t = t.to(torch.uint8)
    return torch.argsort(t, dim=axis, stable=True).to(torch.int32)
