"""TensorFlow's tensor functions (`tf.constant`, `tf.cast`, `tf.reduce_mean`, ...) on torch tensors.

Every function accepts torch tensors (on any device; results stay there), NumPy arrays, Python
numbers and nested lists, and returns torch tensors, whose `.numpy()` works as in TensorFlow
for tensors on the CPU. Python numbers follow TensorFlow's dtype rules: floats become float32
and ints int32; NumPy arrays keep their dtype.

Example:
    >>> from deepfit.compat.tensorflow import ops
    >>> x = ops.constant([[1.0, 2.0], [3.0, 4.0]])
    >>> ops.reduce_mean(x, axis=0).numpy()
    array([2., 3.], dtype=float32)
"""

from __future__ import annotations

import builtins
import collections
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from deepfit.compat.tensorflow.dtypes import as_dtype
from deepfit.compat.tensorflow.eager import for_user_functions
from deepfit.data import strings

Axis = int | Sequence[int] | None
newaxis = None
Tensor = torch.Tensor

_INT32 = np.iinfo(np.int32)


# ===================================================================== conversion
def convert_to_tensor(value: Any, dtype: Any = None, dtype_hint: Any = None,
                      name: str | None = None) -> torch.Tensor:
    """A torch tensor from a tensor, array, number or nested list (TensorFlow's dtype rules).

    Args:
        value: the data.
        dtype: the dtype to convert to (e.g. `tf.float32`, 'int64').
        dtype_hint: used instead of the default dtype for Python numbers.
        name: ignored (TensorFlow's op name).

    Returns:
        A tensor; an existing tensor is returned as is when no dtype is asked for.

    Example:
        >>> convert_to_tensor([1, 2]).dtype, convert_to_tensor(np.zeros(2)).dtype
        (torch.int32, torch.float64)
    """
    if isinstance(value, torch.Tensor):
        return value if dtype is None else value.to(as_dtype(dtype))
    if strings.is_text(value) and dtype in (None, "string", strings.STRING):
        return strings.text_array(value)  # strings stay NumPy arrays (torch has none)
    if isinstance(value, (list, tuple)) and value and any(
        isinstance(item, torch.Tensor) for item in value
    ):
        tensor = torch.stack([convert_to_tensor(item) for item in value])
    elif isinstance(value, (np.ndarray, np.generic)):
        tensor = _from_numpy(np.asarray(value))
    else:
        tensor = _from_python(value, dtype_hint)
    return tensor if dtype is None else tensor.to(as_dtype(dtype))


def _from_numpy(array: np.ndarray) -> torch.Tensor:
    if array.dtype.kind in "OSUV":
        raise TypeError(
            f"Could not convert an array of dtype {array.dtype} to a tensor: deepfit's tensors "
            "hold numbers and booleans only (strings stay NumPy arrays: convert them without a "
            "numeric dtype)"
        )
    return torch.from_numpy(np.array(array, copy=True))


def _from_python(value: Any, dtype_hint: Any) -> torch.Tensor:
    array = np.asarray(value)
    if array.dtype.kind in "OSU":
        raise TypeError(f"Could not convert {value!r} to a tensor: expected numbers, booleans "
                        "or nested lists of them")
    if dtype_hint is not None and array.dtype.kind in "iuf":
        return torch.from_numpy(array.copy()).to(as_dtype(dtype_hint))
    if array.dtype == np.float64:
        array = array.astype(np.float32)
    elif array.dtype == np.int64 and (array.size == 0 or (
            array.min() >= _INT32.min and array.max() <= _INT32.max)):
        array = array.astype(np.int32)
    return torch.from_numpy(np.array(array, copy=True))


_t = convert_to_tensor


def constant(value: Any, dtype: Any = None, shape: Sequence[int] | None = None,
             name: str | None = None) -> torch.Tensor:
    """`tf.constant`: a tensor holding `value`, optionally cast and broadcast to `shape`.

    Args:
        value: a number, nested list, array or tensor.
        dtype: the dtype (default: inferred, float32 for Python floats).
        shape: the result's shape; a scalar value is broadcast to it.
        name: ignored.

    Returns:
        A new tensor.

    Example:
        >>> constant(7, shape=[2]).tolist()
        [7, 7]
    """
    tensor = convert_to_tensor(value, dtype)
    if isinstance(tensor, np.ndarray):
        return tensor if shape is None else np.broadcast_to(tensor, tuple(shape)).copy()
    if isinstance(value, torch.Tensor):
        tensor = tensor.clone()
    if shape is not None:
        shape = tuple(int(d) for d in shape)
        tensor = tensor.expand(shape).clone() if tensor.numel() == 1 else tensor.reshape(shape)
    return tensor


def cast(x: Any, dtype: Any, name: str | None = None) -> torch.Tensor:
    """`tf.cast`: `x` converted to `dtype` (floats to ints truncate toward zero, as TF)."""
    return convert_to_tensor(x).to(as_dtype(dtype))


def is_tensor(x: Any) -> bool:
    """Whether `x` is a tensor (a torch tensor)."""
    return isinstance(x, torch.Tensor)


def identity(input: Any, name: str | None = None) -> torch.Tensor:  # noqa: A002 - TF's name
    """`tf.identity`: a copy of the input tensor."""
    return convert_to_tensor(input).clone()


def stop_gradient(input: Any, name: str | None = None) -> torch.Tensor:  # noqa: A002
    """`tf.stop_gradient`: the input, detached from autograd."""
    return convert_to_tensor(input).detach()


# ===================================================================== creation
def zeros(shape: Any, dtype: Any = torch.float32, name: str | None = None) -> torch.Tensor:
    """`tf.zeros`: a tensor of zeros of `shape`."""
    return torch.zeros(_shape(shape), dtype=as_dtype(dtype))


def ones(shape: Any, dtype: Any = torch.float32, name: str | None = None) -> torch.Tensor:
    """`tf.ones`: a tensor of ones of `shape`."""
    return torch.ones(_shape(shape), dtype=as_dtype(dtype))


def fill(dims: Any, value: Any, name: str | None = None) -> torch.Tensor:
    """`tf.fill`: a tensor of `dims` filled with `value` (its dtype follows the value)."""
    scalar = convert_to_tensor(value)
    return torch.full(_shape(dims), scalar.item(), dtype=scalar.dtype)


def zeros_like(input: Any, dtype: Any = None, name: str | None = None) -> torch.Tensor:  # noqa: A002
    """`tf.zeros_like`: zeros with the input's shape (and dtype unless given)."""
    x = _t(input)
    return torch.zeros_like(x, dtype=None if dtype is None else as_dtype(dtype))


def ones_like(input: Any, dtype: Any = None, name: str | None = None) -> torch.Tensor:  # noqa: A002
    """`tf.ones_like`: ones with the input's shape (and dtype unless given)."""
    x = _t(input)
    return torch.ones_like(x, dtype=None if dtype is None else as_dtype(dtype))


def eye(num_rows: int, num_columns: int | None = None, batch_shape: Any = None,
        dtype: Any = torch.float32, name: str | None = None) -> torch.Tensor:
    """`tf.eye`: an identity matrix (of `num_rows` x `num_columns`)."""
    matrix = torch.eye(num_rows, num_columns or num_rows, dtype=as_dtype(dtype))
    if batch_shape:
        matrix = matrix.expand(*_shape(batch_shape), *matrix.shape).clone()
    return matrix


def range(start: Any, limit: Any = None, delta: Any = 1, dtype: Any = None,  # noqa: A001
          name: str | None = "range") -> torch.Tensor:
    """`tf.range`: `start, start + delta, ...` below `limit` (`range(n)` counts from 0).

    Example:
        >>> range(5).tolist(), range(1.0, 2.0, 0.5).dtype
        ([0, 1, 2, 3, 4], torch.float32)
    """
    if limit is None:
        start, limit = 0, start
    values = [_scalar(v) for v in (start, limit, delta)]
    default = torch.int32 if all(isinstance(v, int) for v in values) else torch.float32
    return torch.arange(*values, dtype=as_dtype(dtype) if dtype is not None else default)


def linspace(start: Any, stop: Any, num: int, name: str | None = None,
             axis: int = 0) -> torch.Tensor:
    """`tf.linspace`: `num` evenly spaced float32 values from `start` to `stop` inclusive."""
    return torch.linspace(float(_scalar(start)), float(_scalar(stop)), int(num))


def _shape(shape: Any) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    if isinstance(shape, torch.Tensor):
        shape = shape.tolist()
    return tuple(int(d) for d in shape)


def _scalar(value: Any) -> int | float:
    if isinstance(value, torch.Tensor):
        return value.item()
    if isinstance(value, np.generic):
        return value.item()
    return value


# ===================================================================== shapes
def reshape(tensor: Any, shape: Any, name: str | None = None) -> torch.Tensor:
    """`tf.reshape`: the same values in `shape` (one entry may be -1)."""
    if strings.is_text(tensor):
        return np.reshape(strings.text_array(tensor), _shape(shape))
    return torch.reshape(_t(tensor), _shape(shape))


def expand_dims(input: Any, axis: int, name: str | None = None) -> torch.Tensor:  # noqa: A002
    """`tf.expand_dims`: insert an axis of size 1 at `axis` (-1 appends one)."""
    if strings.is_text(input):
        return np.expand_dims(strings.text_array(input), int(axis))
    return torch.unsqueeze(_t(input), int(axis))


def squeeze(input: Any, axis: Axis = None, name: str | None = None) -> torch.Tensor:  # noqa: A002
    """`tf.squeeze`: drop axes of size 1 (all of them, or those in `axis`).

    Raises:
        ValueError: an axis in `axis` does not have size 1.
    """
    if strings.is_text(input):
        return np.squeeze(strings.text_array(input), axis=None if axis is None else tuple(
            np.atleast_1d(axis).tolist()))
    x = _t(input)
    if axis is None:
        return torch.squeeze(x)
    for dim in sorted(_axes(axis, x.dim()), reverse=True):
        if x.shape[dim] != 1:
            raise ValueError(f"squeeze: axis {dim} has size {x.shape[dim]}, expected 1 "
                             f"(input shape {tuple(x.shape)})")
        x = x.squeeze(dim)
    return x


def shape(input: Any, out_type: Any = torch.int32, name: str | None = None) -> torch.Tensor:  # noqa: A002
    """`tf.shape`: the shape as a 1-D int32 tensor."""
    return torch.tensor(tuple(_t(input).shape), dtype=as_dtype(out_type))


def size(input: Any, out_type: Any = torch.int32, name: str | None = None) -> torch.Tensor:  # noqa: A002
    """`tf.size`: the number of elements as a 0-d int32 tensor."""
    return torch.tensor(_t(input).numel(), dtype=as_dtype(out_type))


def rank(input: Any, name: str | None = None) -> torch.Tensor:  # noqa: A002
    """`tf.rank`: the number of axes as a 0-d int32 tensor."""
    return torch.tensor(_t(input).dim(), dtype=torch.int32)


def transpose(a: Any, perm: Sequence[int] | None = None, conjugate: bool = False,
              name: str | None = None) -> torch.Tensor:
    """`tf.transpose`: axes permuted by `perm` (reversed when None)."""
    x = _t(a)
    order = tuple(perm) if perm is not None else tuple(builtins.range(x.dim() - 1, -1, -1))
    out = x.permute(*order)
    return out.conj() if conjugate else out


def concat(values: Sequence[Any], axis: int, name: str | None = "concat") -> torch.Tensor:
    """`tf.concat`: tensors joined along an existing axis."""
    return torch.cat([_t(v) for v in values], dim=int(axis))


def stack(values: Sequence[Any], axis: int = 0, name: str | None = "stack") -> torch.Tensor:
    """`tf.stack`: tensors of one shape joined along a new axis."""
    return torch.stack([_t(v) for v in values], dim=int(axis))


def unstack(value: Any, num: int | None = None, axis: int = 0,
            name: str | None = "unstack") -> list[torch.Tensor]:
    """`tf.unstack`: the slices along `axis`, as a list."""
    return list(torch.unbind(_t(value), dim=int(axis)))


def tile(input: Any, multiples: Any, name: str | None = None) -> torch.Tensor:  # noqa: A002
    """`tf.tile`: the input repeated `multiples[i]` times along axis i."""
    return _t(input).repeat(*_shape(multiples))


def reverse(tensor: Any, axis: Any, name: str | None = None) -> torch.Tensor:
    """`tf.reverse`: the input with the order along each axis in `axis` reversed."""
    x = _t(tensor)
    return torch.flip(x, dims=_axes(axis, x.dim()))


def gather(params: Any, indices: Any, validate_indices: Any = None, axis: int | None = None,
           batch_dims: int = 0, name: str | None = None) -> torch.Tensor:
    """`tf.gather`: slices of `params` along `axis` (default 0) at `indices`."""
    if batch_dims:
        raise NotImplementedError("tf.gather with batch_dims is not provided by deepfit")
    x = _t(params)
    index = _t(indices).long().to(x.device)
    dim = 0 if axis is None else int(axis) % x.dim()
    picked = x.index_select(dim, index.reshape(-1))
    return picked.reshape(*x.shape[:dim], *index.shape, *x.shape[dim + 1:])


def boolean_mask(tensor: Any, mask: Any, axis: int | None = None,
                 name: str | None = "boolean_mask") -> torch.Tensor:
    """`tf.boolean_mask`: the entries (rows) of `tensor` where `mask` is true."""
    x, keep = _t(tensor), _t(mask).bool().to(_t(tensor).device)
    start = 0 if axis is None else int(axis) % x.dim()
    flat = x.flatten(start, start + keep.dim() - 1)
    return flat[(slice(None),) * start + (keep.reshape(-1),)]


def _axes(axis: Any, ndim: int) -> list[int]:
    if isinstance(axis, torch.Tensor):
        axis = axis.tolist()
    if isinstance(axis, (int, np.integer)):
        axis = [axis]
    return [int(a) % ndim if ndim else 0 for a in axis]


# ===================================================================== reductions
def _reduce(step: Callable[[torch.Tensor, int, bool], torch.Tensor], input_tensor: Any,
            axis: Axis, keepdims: bool) -> torch.Tensor:
    x = _t(input_tensor)
    dims = builtins.range(x.dim()) if axis is None else _axes(axis, x.dim())
    for dim in sorted(set(dims), reverse=True):
        x = step(x, dim, keepdims)
    return x


def reduce_sum(input_tensor: Any, axis: Axis = None, keepdims: bool = False,
               name: str | None = None) -> torch.Tensor:
    """`tf.reduce_sum`: the sum over `axis` (all axes when None); ints stay in their dtype.

    Example:
        >>> reduce_sum([[1, 2], [3, 4]], axis=1).tolist()
        [3, 7]
    """
    dtype = _t(input_tensor).dtype
    out = _reduce(lambda x, d, k: torch.sum(x, dim=d, keepdim=k), input_tensor, axis, keepdims)
    return out.to(dtype)


def reduce_mean(input_tensor: Any, axis: Axis = None, keepdims: bool = False,
                name: str | None = None) -> torch.Tensor:
    """`tf.reduce_mean`: the mean over `axis` (integer inputs give a truncated integer mean)."""
    x = _t(input_tensor)
    if x.is_floating_point() or x.is_complex():
        return _reduce(lambda t, d, k: torch.mean(t, dim=d, keepdim=k), x, axis, keepdims)
    mean = _reduce(lambda t, d, k: torch.mean(t, dim=d, keepdim=k), x.double(), axis, keepdims)
    return mean.to(x.dtype)


def reduce_max(input_tensor: Any, axis: Axis = None, keepdims: bool = False,
               name: str | None = None) -> torch.Tensor:
    """`tf.reduce_max`: the maximum over `axis`."""
    return _reduce(lambda x, d, k: torch.amax(x, dim=d, keepdim=k), input_tensor, axis, keepdims)


def reduce_min(input_tensor: Any, axis: Axis = None, keepdims: bool = False,
               name: str | None = None) -> torch.Tensor:
    """`tf.reduce_min`: the minimum over `axis`."""
    return _reduce(lambda x, d, k: torch.amin(x, dim=d, keepdim=k), input_tensor, axis, keepdims)


def reduce_prod(input_tensor: Any, axis: Axis = None, keepdims: bool = False,
                name: str | None = None) -> torch.Tensor:
    """`tf.reduce_prod`: the product over `axis`."""
    dtype = _t(input_tensor).dtype
    out = _reduce(lambda x, d, k: torch.prod(x, dim=d, keepdim=k), input_tensor, axis, keepdims)
    return out.to(dtype)


def reduce_any(input_tensor: Any, axis: Axis = None, keepdims: bool = False,
               name: str | None = None) -> torch.Tensor:
    """`tf.reduce_any`: logical or over `axis`."""
    x = _t(input_tensor).bool()
    return _reduce(lambda t, d, k: torch.any(t, dim=d, keepdim=k), x, axis, keepdims)


def reduce_all(input_tensor: Any, axis: Axis = None, keepdims: bool = False,
               name: str | None = None) -> torch.Tensor:
    """`tf.reduce_all`: logical and over `axis`."""
    x = _t(input_tensor).bool()
    return _reduce(lambda t, d, k: torch.all(t, dim=d, keepdim=k), x, axis, keepdims)


def reduce_variance(input_tensor: Any, axis: Axis = None, keepdims: bool = False,
                    name: str | None = None) -> torch.Tensor:
    """`tf.math.reduce_variance`: the population variance (divides by N) over `axis`."""
    x = _t(input_tensor)
    dims = None if axis is None else tuple(_axes(axis, x.dim()))
    return torch.var(x, dim=dims, correction=0, keepdim=keepdims)


def reduce_std(input_tensor: Any, axis: Axis = None, keepdims: bool = False,
               name: str | None = None) -> torch.Tensor:
    """`tf.math.reduce_std`: the population standard deviation over `axis`."""
    return torch.sqrt(reduce_variance(input_tensor, axis, keepdims))


def reduce_logsumexp(input_tensor: Any, axis: Axis = None, keepdims: bool = False,
                     name: str | None = None) -> torch.Tensor:
    """`tf.reduce_logsumexp`: `log(sum(exp(x)))` over `axis`, computed stably."""
    x = _t(input_tensor)
    dims = tuple(builtins.range(x.dim())) if axis is None else tuple(_axes(axis, x.dim()))
    return torch.logsumexp(x, dim=dims, keepdim=keepdims)


def argmax(input: Any, axis: int | None = None, output_type: Any = torch.int64,  # noqa: A002
           name: str | None = None) -> torch.Tensor:
    """`tf.argmax`: the index of the largest value along `axis` (0 when None, as TF).

    Example:
        >>> argmax([[1, 9], [8, 2]], axis=1).tolist()
        [1, 0]
    """
    return torch.argmax(_comparable(input), dim=0 if axis is None else int(axis)).to(
        as_dtype(output_type))


def _comparable(values: Any) -> torch.Tensor:
    # booleans compare as 0/1 in TensorFlow; torch's argmax/argmin refuse them
    tensor = _t(values)
    return tensor.to(torch.uint8) if tensor.dtype == torch.bool else tensor


def argmin(input: Any, axis: int | None = None, output_type: Any = torch.int64,  # noqa: A002
           name: str | None = None) -> torch.Tensor:
    """`tf.argmin`: the index of the smallest value along `axis` (0 when None, as TF)."""
    return torch.argmin(_comparable(input), dim=0 if axis is None else int(axis)).to(
        as_dtype(output_type))


def count_nonzero(input: Any, axis: Axis = None, keepdims: bool = False,  # noqa: A002
                  dtype: Any = torch.int64, name: str | None = None) -> torch.Tensor:
    """`tf.math.count_nonzero`: how many entries are not zero, over `axis`."""
    nonzero = (_t(input) != 0).to(torch.int64)
    return reduce_sum(nonzero, axis, keepdims).to(as_dtype(dtype))


def cumsum(x: Any, axis: int = 0, exclusive: bool = False, reverse: bool = False,
           name: str | None = None) -> torch.Tensor:
    """`tf.math.cumsum`: running sums along `axis` (optionally exclusive or from the end)."""
    t = _t(x)
    if reverse:
        t = torch.flip(t, dims=[axis])
    out = torch.cumsum(t, dim=axis).to(t.dtype)
    if exclusive:
        out = out - t
    return torch.flip(out, dims=[axis]) if reverse else out


# ===================================================================== element-wise
def _unary(fn: Callable[[torch.Tensor], torch.Tensor], tf_name: str) -> Callable[..., Any]:
    def op(x: Any, name: str | None = None) -> torch.Tensor:
        return fn(_t(x))

    op.__name__ = op.__qualname__ = tf_name.rsplit(".", 1)[-1]
    op.__doc__ = f"`{tf_name}`, element-wise, on torch tensors."
    return op


def _binary(fn: Callable[[Any, Any], torch.Tensor], tf_name: str) -> Callable[..., Any]:
    def op(x: Any, y: Any, name: str | None = None) -> torch.Tensor:
        return fn(*_operands(x, y))

    op.__name__ = op.__qualname__ = tf_name.rsplit(".", 1)[-1]
    op.__doc__ = f"`{tf_name}`, element-wise with broadcasting, on torch tensors."
    return op


def _operands(x: Any, y: Any) -> tuple[Any, Any]:
    """Tensors stay tensors, Python numbers stay numbers (so `x * 2` keeps x's dtype)."""
    def convert(value: Any) -> Any:
        return value if isinstance(value, (int, float, bool, torch.Tensor)) else _t(value)

    a, b = convert(x), convert(y)
    if not isinstance(a, torch.Tensor) and not isinstance(b, torch.Tensor):
        a = _t(a)
    elif isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and a.device != b.device:
        b = b.to(a.device)
    return a, b


abs = _unary(torch.abs, "tf.abs")  # noqa: A001
negative = _unary(torch.neg, "tf.negative")
sign = _unary(torch.sign, "tf.sign")
square = _unary(torch.square, "tf.square")
sqrt = _unary(torch.sqrt, "tf.sqrt")
rsqrt = _unary(torch.rsqrt, "tf.math.rsqrt")
exp = _unary(torch.exp, "tf.exp")
expm1 = _unary(torch.expm1, "tf.math.expm1")
log = _unary(torch.log, "tf.math.log")
log1p = _unary(torch.log1p, "tf.math.log1p")
sin = _unary(torch.sin, "tf.sin")
cos = _unary(torch.cos, "tf.cos")
tan = _unary(torch.tan, "tf.tan")
tanh = _unary(torch.tanh, "tf.tanh")
sigmoid = _unary(torch.sigmoid, "tf.sigmoid")
softplus = _unary(torch.nn.functional.softplus, "tf.math.softplus")
erf = _unary(torch.erf, "tf.math.erf")
floor = _unary(torch.floor, "tf.floor")
ceil = _unary(torch.ceil, "tf.math.ceil")
round = _unary(torch.round, "tf.round")  # noqa: A001 - half to even, as TF
reciprocal = _unary(torch.reciprocal, "tf.math.reciprocal")
logical_not = _unary(torch.logical_not, "tf.logical_not")
is_nan = _unary(torch.isnan, "tf.math.is_nan")
is_inf = _unary(torch.isinf, "tf.math.is_inf")
is_finite = _unary(torch.isfinite, "tf.math.is_finite")

add = _binary(torch.add, "tf.add")
subtract = _binary(torch.sub, "tf.subtract")
multiply = _binary(torch.mul, "tf.multiply")
divide = _binary(torch.true_divide, "tf.divide")
truediv = _binary(torch.true_divide, "tf.truediv")
floordiv = _binary(torch.floor_divide, "tf.math.floordiv")
floormod = _binary(torch.remainder, "tf.math.floormod")
mod = _binary(torch.remainder, "tf.math.mod")
pow = _binary(torch.pow, "tf.pow")  # noqa: A001
squared_difference = _binary(lambda a, b: torch.square(torch.sub(a, b)),
                             "tf.math.squared_difference")
equal = _binary(torch.eq, "tf.equal")
not_equal = _binary(torch.ne, "tf.not_equal")
greater = _binary(torch.gt, "tf.greater")
greater_equal = _binary(torch.ge, "tf.greater_equal")
less = _binary(torch.lt, "tf.less")
less_equal = _binary(torch.le, "tf.less_equal")
logical_and = _binary(torch.logical_and, "tf.logical_and")
logical_or = _binary(torch.logical_or, "tf.logical_or")
logical_xor = _binary(torch.logical_xor, "tf.math.logical_xor")


def _tensor_pair(a: Any, b: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """Both operands as tensors (torch.maximum/minimum take no Python numbers)."""
    a, b = _operands(a, b)
    if not isinstance(a, torch.Tensor):
        a = torch.tensor(a, dtype=b.dtype, device=b.device)
    if not isinstance(b, torch.Tensor):
        b = torch.tensor(b, dtype=a.dtype, device=a.device)
    return a, b


maximum = _binary(lambda a, b: torch.maximum(*_tensor_pair(a, b)), "tf.maximum")
minimum = _binary(lambda a, b: torch.minimum(*_tensor_pair(a, b)), "tf.minimum")


def divide_no_nan(x: Any, y: Any, name: str | None = None) -> torch.Tensor:
    """`tf.math.divide_no_nan`: `x / y`, and 0 where `y` is 0."""
    quotient = _t(x) / _t(y)
    return torch.where(_t(y) == 0, torch.zeros_like(quotient), quotient)


def clip_by_value(t: Any, clip_value_min: Any, clip_value_max: Any,
                  name: str | None = None) -> torch.Tensor:
    """`tf.clip_by_value`: values limited to `[clip_value_min, clip_value_max]`."""
    return torch.clamp(_t(t), min=_scalar(clip_value_min), max=_scalar(clip_value_max))


def where(condition: Any, x: Any = None, y: Any = None, name: str | None = None) -> torch.Tensor:
    """`tf.where`: `x` where `condition` holds, else `y`; with only a condition, the int64
    coordinates of its true entries (shape `(n, rank)`)."""
    cond = _t(condition).bool()
    if x is None and y is None:
        return torch.nonzero(cond)
    if x is None or y is None:
        raise ValueError("where: give both x and y, or neither")
    a, b = _operands(x, y)
    return torch.where(cond, a, b)


def matmul(a: Any, b: Any, transpose_a: bool = False, transpose_b: bool = False,
           name: str | None = None, **unused: Any) -> torch.Tensor:
    """`tf.matmul`: the matrix product (batched over leading axes)."""
    x, y = _t(a), _t(b)
    return torch.matmul(x.mT if transpose_a else x, y.mT if transpose_b else y)


def one_hot(indices: Any, depth: int, on_value: Any = None, off_value: Any = None,
            axis: int | None = None, dtype: Any = None, name: str | None = None) -> torch.Tensor:
    """`tf.one_hot`: indices → one-hot vectors of length `depth` (out-of-range indices give
    all-off rows, as TF).

    Example:
        >>> one_hot([0, 2, 5], depth=3).tolist()
        [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]]
    """
    index = _t(indices).long()
    hot = index.unsqueeze(-1) == torch.arange(int(depth), device=index.device)
    out_dtype = as_dtype(dtype) if dtype is not None else (
        _t(on_value).dtype if on_value is not None else torch.float32)
    on = torch.tensor(1 if on_value is None else _scalar(on_value), dtype=out_dtype)
    off = torch.tensor(0 if off_value is None else _scalar(off_value), dtype=out_dtype)
    out = torch.where(hot, on.to(index.device), off.to(index.device))
    return out if axis in (None, -1) else out.movedim(-1, int(axis))


# ===================================================================== sorting and top-k
TopKV2 = collections.namedtuple("TopKV2", ["values", "indices"])


def sort(values: Any, axis: int = -1, direction: str = "ASCENDING",
         name: str | None = None) -> torch.Tensor:
    """`tf.sort`: sorted values along `axis` ('ASCENDING' or 'DESCENDING')."""
    return torch.sort(_t(values), dim=axis, descending=_descending(direction)).values


def argsort(values: Any, axis: int = -1, direction: str = "ASCENDING", stable: bool = False,
            name: str | None = None) -> torch.Tensor:
    """`tf.argsort`: the int32 indices that sort `values` along `axis`."""
    order = torch.sort(_t(values), dim=axis, descending=_descending(direction), stable=True)
    return order.indices.to(torch.int32)


def top_k(input: Any, k: int = 1, sorted: bool = True, name: str | None = None) -> TopKV2:  # noqa: A002
    """`tf.math.top_k`: the `k` largest values of the last axis and their int32 indices."""
    found = torch.topk(_t(input), int(k), dim=-1, sorted=sorted)
    return TopKV2(found.values, found.indices.to(torch.int32))


def _descending(direction: str) -> bool:
    if direction not in ("ASCENDING", "DESCENDING"):
        raise ValueError(f"direction must be 'ASCENDING' or 'DESCENDING', received {direction!r}")
    return direction == "DESCENDING"


# ===================================================================== evaluation helpers
def confusion_matrix(labels: Any, predictions: Any, num_classes: int | None = None,
                     weights: Any = None, dtype: Any = torch.int32,
                     name: str | None = None) -> torch.Tensor:
    """`tf.math.confusion_matrix`: counts of (label, prediction) pairs; rows are labels.

    Example:
        >>> confusion_matrix([0, 1, 1], [0, 1, 0]).tolist()
        [[1, 0], [1, 1]]
    """
    truth, guess = _t(labels).long().reshape(-1), _t(predictions).long().reshape(-1)
    guess = guess.to(truth.device)
    if num_classes is None:
        num_classes = int(torch.maximum(truth.max(), guess.max()).item()) + 1
    n = int(num_classes)
    weight = None if weights is None else _t(weights).reshape(-1).to(truth.device).double()
    counts = torch.bincount(truth * n + guess, weights=weight, minlength=n * n)
    return counts.reshape(n, n).to(as_dtype(dtype))


def l2_normalize(x: Any, axis: Axis = None, epsilon: float = 1e-12,
                 name: str | None = None, dim: Any = None) -> torch.Tensor:
    """`tf.math.l2_normalize`: `x / sqrt(max(sum(x**2), epsilon))` along `axis`."""
    t = _t(x)
    axis = dim if axis is None and dim is not None else axis
    squares = reduce_sum(torch.square(t), axis, keepdims=True)
    return t * torch.rsqrt(torch.clamp(squares, min=epsilon))


# ===================================================================== eager-mode stand-ins
def function(func: Callable | None = None, **options: Any) -> Any:
    """`tf.function`: deepfit always runs eagerly, so the function is returned unchanged
    (usable as `@tf.function` and `@tf.function(jit_compile=True)`)."""
    if func is None:
        return lambda inner: inner
    return func


def executing_eagerly() -> bool:
    """`tf.executing_eagerly`: always True."""
    return True


def get_logger() -> logging.Logger:
    """`tf.get_logger`: the 'tensorflow' logger of Python's logging module."""
    return logging.getLogger("tensorflow")


def tf_print(*inputs: Any, sep: str = " ", end: str = "\n", output_stream: Any = None,
             summarize: int | None = None, name: str | None = None) -> None:
    """`tf.print`: print tensors as their values (NumPy style)."""
    shown = [_show(value) for value in inputs]
    stream = output_stream if hasattr(output_stream, "write") else sys.stdout
    print(*shown, sep=sep, end=end, file=stream)


def _show(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return value


def norm(tensor: Any, ord: Any = "euclidean", axis: Axis = None, keepdims: bool = False,  # noqa: A002
         name: str | None = None) -> torch.Tensor:
    """`tf.norm`: the vector norm over `axis` (all entries when None; 'euclidean' and 'fro'
    are the 2-norm, 1 and `np.inf` as usual)."""
    x = _t(tensor)
    order = 2 if ord in ("euclidean", "fro") else ord
    dims = None if axis is None else tuple(_axes(axis, x.dim()))
    return torch.linalg.vector_norm(x, ord=order, dim=dims, keepdim=keepdims)


for_user_functions(globals())
