"""Array ops of `keras.ops`: creation (`zeros`, `arange`, `eye`, ...), shapes (`reshape`,
`transpose`, `concatenate`, `tile`, ...), indexing (`take`, `where`, `sort`, ...) and products
(`matmul`, `dot`, `einsum`, ...), with Keras's argument names.

Example:
    >>> from deepfit import ops
    >>> ops.tile(ops.array([1, 2]), 2)
    tensor([1, 2, 1, 2], dtype=torch.int32)
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np
import torch

from deepfit import config
from deepfit.ops.core import convert_to_tensor as _t
from deepfit.ops.dtypes import python_type, result_type, standardize_dtype, to_torch
from deepfit.ops.symbolic import op

__all__ = [
    "append", "arange", "argsort", "broadcast_to", "concatenate", "copy", "cross", "diag",
    "diagonal", "diff", "digitize", "dot", "einsum", "empty", "empty_like", "expand_dims",
    "eye", "flip", "fliplr", "flipud", "full", "full_like", "get_item", "hstack", "identity",
    "inner", "linspace", "matmul", "meshgrid", "moveaxis", "ndim", "nonzero", "one_hot",
    "ones", "ones_like", "outer", "pad", "ravel", "repeat", "reshape", "roll",
    "rot90", "searchsorted",
    "select", "size", "sort", "split", "squeeze", "stack", "swapaxes", "take",
    "take_along_axis", "tensordot", "tile", "trace", "transpose", "tri", "tril", "triu",
    "vdot", "vstack", "where", "zeros", "zeros_like", "clip",
]


def _dtype_or(dtype: Any, default: Any) -> torch.dtype:
    return to_torch(default if dtype is None else dtype)


def _shape(shape: Any) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(s) for s in shape)


def zeros(shape: Any, dtype: Any = None) -> torch.Tensor:
    """Zeros of `shape` (floatx by default)."""
    return torch.zeros(_shape(shape), dtype=_dtype_or(dtype, config.floatx()),
                       device=config.get_device())


def ones(shape: Any, dtype: Any = None) -> torch.Tensor:
    """Ones of `shape` (floatx by default)."""
    return torch.ones(_shape(shape), dtype=_dtype_or(dtype, config.floatx()),
                      device=config.get_device())


empty = zeros


def full(shape: Any, fill_value: Any, dtype: Any = None) -> torch.Tensor:
    """A tensor of `shape` filled with `fill_value` (its dtype unless `dtype`)."""
    value = _t(fill_value, dtype=config.floatx() if dtype is None else dtype)
    return value.expand(_shape(shape)).clone()


def eye(N: int, M: int | None = None, k: int = 0, dtype: Any = None) -> torch.Tensor:  # noqa: N803
    """Ones on the `k`-th diagonal of an N×M matrix."""
    m = N if M is None else M
    out = torch.zeros((N, m), dtype=_dtype_or(dtype, config.floatx()),
                      device=config.get_device())
    return out.fill_diagonal_(0) + torch.ones(N, m, device=out.device).triu(k).tril(k).to(
        out.dtype)


def identity(n: int, dtype: Any = None) -> torch.Tensor:
    """The n×n identity matrix."""
    return eye(n, dtype=dtype)


def tri(N: int, M: int | None = None, k: int = 0, dtype: Any = None) -> torch.Tensor:  # noqa: N803
    """Ones at and below the `k`-th diagonal."""
    m = N if M is None else M
    return torch.ones(N, m, device=config.get_device()).tril(k).to(
        _dtype_or(dtype, config.floatx()))


@op
def zeros_like(x: Any, dtype: Any = None) -> torch.Tensor:
    """Zeros of `x`'s shape (and dtype unless `dtype`)."""
    t = _t(x)
    return torch.zeros_like(t, dtype=None if dtype is None else to_torch(dtype))


@op
def ones_like(x: Any, dtype: Any = None) -> torch.Tensor:
    """Ones of `x`'s shape (and dtype unless `dtype`)."""
    t = _t(x)
    return torch.ones_like(t, dtype=None if dtype is None else to_torch(dtype))


empty_like = zeros_like


@op
def full_like(x: Any, fill_value: Any, dtype: Any = None) -> torch.Tensor:
    """`fill_value` in `x`'s shape (and dtype unless `dtype`)."""
    t = _t(x)
    return torch.full_like(t, fill_value, dtype=None if dtype is None else to_torch(dtype))


def arange(start: Any, stop: Any = None, step: Any = None, dtype: Any = None) -> torch.Tensor:
    """Evenly spaced values in [start, stop); int32 for integer arguments, else float32."""
    if stop is None:
        start, stop = 0, start
    if step is None:
        step = 1
    if dtype is None:
        kinds = [python_type(v) or standardize_dtype(_t(v).dtype) for v in (start, stop, step)]
        dtype = result_type(*kinds)
    return torch.arange(start, stop, step, dtype=to_torch(dtype), device=config.get_device())


def linspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, retstep: bool = False,
             dtype: Any = None, axis: int = 0) -> Any:
    """`num` evenly spaced values from start to stop (float32 by default)."""
    target = to_torch(dtype if dtype is not None else result_type(
        python_type(start) or _t(start).dtype, python_type(stop) or _t(stop).dtype, float))
    count = num if endpoint else num + 1
    values = torch.linspace(float(start), float(stop), count, dtype=torch.float64,
                            device=config.get_device())
    if not endpoint:
        values = values[:-1]
    step = (float(stop) - float(start)) / builtins.max((num - 1) if endpoint else num, 1)
    out = values.to(target)
    return (out, step) if retstep else out


@op
def reshape(x: Any, newshape: Any) -> torch.Tensor:
    """`x` with shape `newshape` (one entry may be -1)."""
    return torch.reshape(_t(x), _shape(newshape))


@op
def transpose(x: Any, axes: Any = None) -> torch.Tensor:
    """The axes permuted by `axes` (reversed when None)."""
    t = _t(x)
    return t.permute(*(reversed(range(t.dim())) if axes is None else axes))


@op
def expand_dims(x: Any, axis: Any) -> torch.Tensor:
    """A new axis of size 1 at `axis` (or at each of several axes)."""
    t = _t(x)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    rank = t.dim() + len(axes)
    for a in sorted(a % rank for a in axes):
        t = t.unsqueeze(a)
    return t


@op
def squeeze(x: Any, axis: Any = None) -> torch.Tensor:
    """`x` without its size-1 axes (only `axis` when given)."""
    t = _t(x)
    if axis is None:
        return torch.squeeze(t)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    for a in axes:
        if t.shape[a] != 1:
            raise ValueError(f"squeeze: axis {a} has size {t.shape[a]}, not 1")
    return torch.squeeze(t, dim=tuple(axes))


def _joined(xs: Any) -> list[torch.Tensor]:
    tensors = [_t(x) for x in xs]
    kinds = [standardize_dtype(t.dtype) for t in tensors]
    target = to_torch(result_type(*kinds)) if len(set(kinds)) > 1 else tensors[0].dtype
    return [t.to(target) for t in tensors]


@op
def concatenate(xs: Any, axis: int = 0) -> torch.Tensor:
    """Tensors joined along an existing axis (the first by default)."""
    return torch.cat(_joined(xs), dim=axis)


@op
def stack(x: Any, axis: int = 0) -> torch.Tensor:
    """Tensors joined along a new axis."""
    return torch.stack(_joined(x), dim=axis)


@op
def hstack(xs: Any) -> torch.Tensor:
    """Tensors joined along axis 1 (axis 0 for vectors)."""
    return torch.hstack(_joined(xs))


@op
def vstack(xs: Any) -> torch.Tensor:
    """Tensors joined along axis 0 (vectors become rows)."""
    return torch.vstack(_joined(xs))


@op
def append(x1: Any, x2: Any, axis: int | None = None) -> torch.Tensor:
    """`x2` appended to `x1` along `axis` (both flattened when None)."""
    a, b = _joined([x1, x2])
    if axis is None:
        return torch.cat([a.reshape(-1), b.reshape(-1)])
    return torch.cat([a, b], dim=axis)


def split(x: Any, indices_or_sections: Any, axis: int = 0) -> list[torch.Tensor]:
    """`x` cut into equal sections, or at the given indices, along `axis`."""
    t = _t(x)
    if isinstance(indices_or_sections, int):
        if t.shape[axis] % indices_or_sections:
            raise ValueError(f"split: axis {axis} of size {t.shape[axis]} does not divide into "
                             f"{indices_or_sections} equal sections")
        return list(torch.tensor_split(t, indices_or_sections, dim=axis))
    return list(torch.tensor_split(t, list(indices_or_sections), dim=axis))


@op
def tile(x: Any, repeats: Any) -> torch.Tensor:
    """`x` repeated `repeats` times along each axis."""
    t = _t(x)
    reps = _shape(repeats)
    return torch.tile(t, reps)


@op
def repeat(x: Any, repeats: Any, axis: int | None = None) -> torch.Tensor:
    """Each entry repeated `repeats` times along `axis` (flattened when None)."""
    t = _t(x)
    reps = repeats if isinstance(repeats, int) else _t(repeats)
    return torch.repeat_interleave(t, reps, dim=axis)


@op
def flip(x: Any, axis: Any = None) -> torch.Tensor:
    """`x` reversed along `axis` (all axes when None)."""
    t = _t(x)
    dims = tuple(range(t.dim())) if axis is None else ((axis,) if isinstance(axis, int)
                                                       else tuple(axis))
    return torch.flip(t, dims)


@op
def fliplr(x: Any) -> torch.Tensor:
    """`x` reversed along axis 1."""
    return torch.fliplr(_t(x))


@op
def flipud(x: Any) -> torch.Tensor:
    """`x` reversed along axis 0."""
    return torch.flipud(_t(x))


@op
def roll(x: Any, shift: Any, axis: Any = None) -> torch.Tensor:
    """Entries shifted by `shift` along `axis` (flattened when None), wrapping around."""
    return torch.roll(_t(x), shift, dims=axis)


@op
def moveaxis(x: Any, source: Any, destination: Any) -> torch.Tensor:
    """Axes moved from `source` to `destination`."""
    return torch.movedim(_t(x), source, destination)


@op
def swapaxes(x: Any, axis1: int, axis2: int) -> torch.Tensor:
    """Two axes exchanged."""
    return torch.swapaxes(_t(x), axis1, axis2)


@op
def broadcast_to(x: Any, shape: Any) -> torch.Tensor:
    """`x` broadcast to `shape`."""
    return torch.broadcast_to(_t(x), _shape(shape)).clone()


@op
def ravel(x: Any) -> torch.Tensor:
    """All entries in one axis."""
    return torch.ravel(_t(x))


@op
def copy(x: Any) -> torch.Tensor:
    """A copy of `x`."""
    return _t(x).clone()


def ndim(x: Any) -> int:
    """The number of axes."""
    return len(x.shape) if hasattr(x, "shape") else _t(x).dim()


def size(x: Any) -> Any:
    """The number of entries (an int64 scalar tensor; an int for symbolic tensors)."""
    if hasattr(x, "shape") and not isinstance(x, torch.Tensor):
        return int(np.prod(tuple(x.shape)))
    return torch.tensor(_t(x).numel(), dtype=torch.int64)


@op
def rot90(array: Any, k: int = 1, axes: tuple[int, int] = (0, 1)) -> torch.Tensor:
    """The array rotated by 90° `k` times in the plane of `axes`."""
    t = _t(array)
    if t.dim() < 2:
        raise ValueError(f"rot90: the array needs at least 2 axes, received shape "
                         f"{tuple(t.shape)}")
    return torch.rot90(t, k, dims=tuple(axes))


@op
def pad(x: Any, pad_width: Any, mode: str = "constant",
        constant_values: Any = None) -> torch.Tensor:
    """`x` padded by `pad_width` ((before, after) per axis) with a constant (0 by default),
    or by 'reflect'/'symmetric'/'edge' copies of its border."""
    t = _t(x)
    widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (t.dim(), 2)).tolist()
    flat = [w for pair in reversed(widths) for w in pair]
    if mode == "constant":
        return torch.nn.functional.pad(t, flat, value=constant_values or 0)
    if constant_values is not None:
        raise ValueError(f"pad: constant_values only goes with mode='constant' (mode={mode!r})")
    torch_mode = {"reflect": "reflect", "edge": "replicate", "symmetric": None,
                  "wrap": "circular", "circular": "circular"}.get(mode)
    if torch_mode is None:
        return torch.as_tensor(np.pad(t.cpu().numpy(), widths, mode=mode), device=t.device)
    work = t.float() if not t.is_floating_point() else t
    out = torch.nn.functional.pad(work[None, None], flat, mode=torch_mode)[0, 0]
    return out.to(t.dtype)


@op
def take(x: Any, indices: Any, axis: int | None = None) -> torch.Tensor:
    """The entries at `indices` along `axis` (of the flattened tensor when None)."""
    t = _t(x)
    idx = _t(indices).long()
    if axis is None:
        t, axis = t.reshape(-1), 0
    idx = torch.where(idx < 0, idx + t.shape[axis], idx)
    return torch.index_select(t, axis, idx.reshape(-1)).reshape(
        *t.shape[:axis], *idx.shape, *t.shape[axis + 1:])


@op
def take_along_axis(x: Any, indices: Any, axis: int | None = None) -> torch.Tensor:
    """Entries picked along `axis` by an index tensor of broadcastable shape."""
    t = _t(x)
    idx = _t(indices).long()
    if axis is None:
        return t.reshape(-1)[idx.reshape(-1)]
    shape = list(torch.broadcast_shapes(
        tuple(s if i != axis % t.dim() else 1 for i, s in enumerate(t.shape)),
        tuple(s if i != axis % t.dim() else 1 for i, s in enumerate(idx.shape))))
    shape_t, shape_i = list(shape), list(shape)
    shape_t[axis] = t.shape[axis]
    shape_i[axis] = idx.shape[axis]
    idx = torch.where(idx < 0, idx + t.shape[axis], idx)
    return torch.gather(t.expand(shape_t), axis, idx.expand(shape_i))


@op
def where(condition: Any, x1: Any = None, x2: Any = None) -> Any:
    """`x1` where `condition` holds, else `x2`; with only `condition`, its nonzero indices."""
    c = _t(condition)
    if x1 is None and x2 is None:
        return tuple(i.to(torch.int32) for i in torch.nonzero(c, as_tuple=True))
    if isinstance(x1, torch.Tensor) and isinstance(x2, torch.Tensor):
        dtype = torch.promote_types(x1.dtype, x2.dtype)
    else:
        kinds = [python_type(v) or standardize_dtype(_t(v).dtype) for v in (x1, x2)]
        dtype = to_torch(result_type(*kinds))
    a, b = _t(x1).to(dtype), _t(x2).to(dtype)
    return torch.where(c.bool().to(a.device), a, b.to(a.device))


@op
def select(condlist: Any, choicelist: Any, default: Any = 0) -> torch.Tensor:
    """The first choice whose condition holds, entry by entry (`default` where none does)."""
    conds = [_t(c).bool() for c in condlist]
    choices = [_t(c) for c in choicelist]
    target = choices[0].dtype
    for choice in choices[1:]:
        target = torch.promote_types(target, choice.dtype)
    kind = python_type(default)
    if target == torch.bool and kind is not None and kind is not bool:
        target = to_torch(result_type(target, kind))
    choices = [c.to(target) for c in choices]
    out = torch.full_like(choices[0], default) if not isinstance(default, torch.Tensor) else (
        default.to(choices[0].dtype).expand_as(choices[0]).clone())
    for cond, choice in reversed(list(zip(conds, choices))):
        out = torch.where(cond, choice, out)
    return out


@op
def sort(x: Any, axis: int = -1) -> torch.Tensor:
    """Values sorted along `axis` (ascending)."""
    t = _t(x)
    if axis is None:
        t, axis = t.reshape(-1), -1
    if t.dtype == torch.bool:
        return torch.sort(t.to(torch.uint8), dim=axis).values.bool()
    return torch.sort(t, dim=axis).values


@op
def argsort(x: Any, axis: int = -1) -> torch.Tensor:
    """Indices that sort `x` along `axis`, int32 (stable)."""
    t = _t(x)
    if axis is None:
        t, axis = t.reshape(-1), -1
    if t.dtype == torch.bool:
        t = t.to(torch.uint8)
    return torch.argsort(t, dim=axis, stable=True).to(torch.int32)


def nonzero(x: Any) -> tuple[torch.Tensor, ...]:
    """The indices of non-zero entries, one int32 tensor per axis."""
    return tuple(i.to(torch.int32) for i in torch.nonzero(_t(x), as_tuple=True))


@op
def searchsorted(sorted_sequence: Any, values: Any, side: str = "left") -> torch.Tensor:
    """Where each value would be inserted to keep `sorted_sequence` sorted, int32."""
    seq, val = _t(sorted_sequence), _t(values)
    return torch.searchsorted(seq, val.to(seq.dtype), right=side == "right").to(torch.int32)


@op
def digitize(x: Any, bins: Any) -> torch.Tensor:
    """The index of the bin each value falls in, int32."""
    t, b = _t(x), _t(bins)
    return torch.bucketize(t.to(b.dtype), b, right=True).to(torch.int32)


@op
def diag(x: Any, k: int = 0) -> torch.Tensor:
    """The `k`-th diagonal of a matrix, or a matrix with a vector on it."""
    return torch.diag(_t(x), k)


@op
def diagonal(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> torch.Tensor:
    """The diagonal of the (axis1, axis2) planes."""
    return torch.diagonal(_t(x), offset, axis1, axis2)


@op
def trace(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> torch.Tensor:
    """The sum of the diagonal; bool and small ints give int32."""
    t = _t(x)
    name = standardize_dtype(t.dtype)
    target = torch.int32 if name in ("bool", "int8", "int16", "uint8", "int32") else t.dtype
    return torch.diagonal(t, offset, axis1, axis2).sum(-1, dtype=target)


@op
def tril(x: Any, k: int = 0) -> torch.Tensor:
    """Entries above the `k`-th diagonal set to zero."""
    return torch.tril(_t(x), k)


@op
def triu(x: Any, k: int = 0) -> torch.Tensor:
    """Entries below the `k`-th diagonal set to zero."""
    return torch.triu(_t(x), k)


@op
def diff(a: Any, n: int = 1, axis: int = -1) -> torch.Tensor:
    """The `n`-th discrete difference along `axis`."""
    return torch.diff(_t(a), n=n, dim=axis)


def meshgrid(*x: Any, indexing: str = "xy") -> list[torch.Tensor]:
    """Coordinate grids from coordinate vectors."""
    return list(torch.meshgrid(*[_t(v) for v in x], indexing=indexing))


def _product_inputs(x1: Any, x2: Any) -> tuple[torch.Tensor, torch.Tensor, torch.dtype]:
    a, b = _t(x1), _t(x2)
    name = result_type(a.dtype, b.dtype)
    if standardize_dtype(a.dtype) == "int8" and standardize_dtype(b.dtype) == "int8":
        name = "int32"
    target = to_torch(name)
    compute = target
    if target == torch.bool or (not target.is_floating_point and a.device.type == "cuda"):
        compute = torch.float32 if target == torch.bool else torch.float64
    elif target == torch.float16 and a.device.type == "cpu":
        compute = torch.float32
    return a.to(compute), b.to(compute), target


@op
def matmul(x1: Any, x2: Any) -> torch.Tensor:
    """The matrix product (batched over leading axes)."""
    a, b, target = _product_inputs(x1, x2)
    return torch.matmul(a, b).to(target)


@op
def dot(x1: Any, x2: Any) -> torch.Tensor:
    """NumPy's `dot`: products of vectors, matrices, or a tensor's last axis with another's
    second-to-last."""
    a, b, target = _product_inputs(x1, x2)
    if a.dim() == 0 or b.dim() == 0:
        return (a * b).to(target)
    if b.dim() <= 2:
        return torch.matmul(a, b).to(target)
    return torch.tensordot(a, b, dims=([-1], [-2])).to(target)


@op
def tensordot(x1: Any, x2: Any, axes: Any = 2) -> torch.Tensor:
    """Sums of products over the given axes."""
    a, b, target = _product_inputs(x1, x2)
    return torch.tensordot(a, b, dims=axes).to(target)


@op
def inner(x1: Any, x2: Any) -> torch.Tensor:
    """Sums of products over the last axes."""
    a, b, target = _product_inputs(x1, x2)
    return torch.inner(a, b).to(target)


@op
def outer(x1: Any, x2: Any) -> torch.Tensor:
    """All pairwise products of the flattened inputs."""
    a, b = _t(x1), _t(x2)
    return torch.outer(a.reshape(-1), b.reshape(-1))


@op
def vdot(x1: Any, x2: Any) -> torch.Tensor:
    """The dot product of the flattened inputs."""
    a, b, target = _product_inputs(x1, x2)
    return torch.dot(a.reshape(-1), b.reshape(-1)).to(target)


@op
def cross(x1: Any, x2: Any, axisa: int = -1, axisb: int = -1, axisc: int = -1,
          axis: int | None = None) -> torch.Tensor:
    """The cross product of 3-vectors."""
    a, b = _t(x1), _t(x2)
    dtype = to_torch(result_type(a.dtype, b.dtype))
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = torch.movedim(a.to(dtype), axisa, -1), torch.movedim(b.to(dtype), axisb, -1)
    return torch.movedim(torch.linalg.cross(a, b), -1, axisc)


def einsum(subscripts: str, *operands: Any) -> Any:
    """Einstein summation over the operands."""
    from deepfit.ops.symbolic import call_symbolic, has_symbolic

    if has_symbolic(operands, {}):
        return call_symbolic(einsum, (subscripts, *operands), {})
    tensors = [_t(o) for o in operands]
    names = {standardize_dtype(t.dtype) for t in tensors}
    if names == {"int8"}:
        return torch.einsum(subscripts, *[t.int() for t in tensors])
    return torch.einsum(subscripts, *tensors)


@op
def clip(x: Any, x_min: Any, x_max: Any) -> torch.Tensor:
    """Values limited to [x_min, x_max] (bool inputs give int32)."""
    t = _t(x)
    if t.dtype == torch.bool:
        t = t.int()
    if t.dtype == torch.float16 and t.device.type == "cpu":
        return torch.clip(t.float(), x_min, x_max).half()
    low = x_min if not isinstance(x_min, torch.Tensor) else x_min.to(t.device)
    high = x_max if not isinstance(x_max, torch.Tensor) else x_max.to(t.device)
    return torch.clip(t, low, high)


def get_item(x: Any, key: Any) -> Any:
    """`x[key]`."""
    from deepfit.ops.symbolic import call_symbolic, has_symbolic

    if has_symbolic((x,), {}):
        return call_symbolic(get_item, (x, key), {})
    return _t(x)[key]


@op
def one_hot(x: Any, num_classes: int, axis: int = -1, dtype: Any = None,
            sparse: bool = False) -> torch.Tensor:
    """One-hot vectors of length `num_classes` along `axis` (floatx by default); negative
    indices give rows of zeros."""
    idx = _t(x).long()
    valid = (idx >= 0) & (idx < num_classes)
    hot = torch.nn.functional.one_hot(torch.where(valid, idx, 0), num_classes)
    hot = hot * valid.unsqueeze(-1)
    if axis != -1:
        hot = torch.movedim(hot, -1, axis)
    return hot.to(_dtype_or(dtype, config.floatx()))
