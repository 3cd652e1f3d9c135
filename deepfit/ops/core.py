"""Core ops: tensors in and out (`convert_to_tensor`, `convert_to_numpy`, `cast`, `shape`),
control flow (`cond`, `while_loop`, `fori_loop`, `scan`, `map`, `switch`), slices and scatters.

Example:
    >>> from deepfit import ops
    >>> ops.cast(ops.array([1.7, -0.2]), "int")
    tensor([1, 0], dtype=torch.int32)
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from deepfit import config, tree
from deepfit.data.strings import STRING, is_text, text_array
from deepfit.ops import numpy_bridge
from deepfit.ops.dtypes import standardize_dtype, to_torch
from deepfit.ops.symbolic import op

__all__ = [
    "array", "cast", "cond", "convert_to_numpy", "convert_to_tensor", "dtype", "fori_loop",
    "is_tensor", "map", "saturate_cast", "scan", "scatter", "scatter_update", "shape", "slice",
    "slice_update", "stop_gradient", "switch", "unstack", "while_loop",
]


def _python_dtype(value: Any) -> torch.dtype | None:
    leaves = [v for v in np.asarray(value, dtype=object).reshape(-1)]
    if leaves and builtins.all(isinstance(v, (bool, np.bool_)) for v in leaves):
        return torch.bool
    if leaves and builtins.all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                               for v in leaves):
        return torch.int32
    return None


def _stacked(arrays: list | tuple) -> Any:
    """NumPy arrays of one shape as one array (the list itself when the shapes differ)."""
    if len({a.shape for a in arrays}) != 1:
        return arrays
    return np.stack(arrays)


def convert_to_tensor(x: Any, dtype: Any = None, sparse: bool | None = None,
                      ragged: bool | None = None) -> torch.Tensor:
    """A torch tensor from a tensor, NumPy array, Python number or nested list.

    Python ints become int32, Python floats float32 and bools bool (as in Keras); NumPy arrays
    keep their dtype. Strings (a string, a nested list or an array of them) become a NumPy
    array of `str`, deepfit's string tensors (Keras on TensorFlow makes a `tf.string` tensor).

    Args:
        x: the value.
        dtype: the dtype to give it (a Keras name such as 'float32', 'int').
        sparse / ragged: accepted for Keras's signature; deepfit tensors are dense.

    Returns:
        The tensor (on deepfit's device when newly made).
    """
    from deepfit.layers.symbolic import KerasTensor

    if isinstance(x, KerasTensor):
        return x if dtype is None else cast(x, dtype)
    if (dtype is None or dtype is STRING or dtype == "string") and is_text(x):
        # Keras on TensorFlow makes a string tensor; deepfit's strings are NumPy arrays
        return text_array(x)
    target = None if dtype is None else to_torch(dtype)
    if isinstance(x, torch.Tensor):
        return x if target is None or x.dtype == target else x.to(target)
    if hasattr(x, "__array__") and not isinstance(x, (np.ndarray, np.generic)):
        x = np.asarray(x)
    if isinstance(x, (np.ndarray, np.generic)):
        array = np.asarray(x)
        if array.dtype == object:
            raise TypeError(f"convert_to_tensor: cannot convert an array of Python objects "
                            f"(received {array.dtype} of shape {array.shape})")
        tensor = numpy_bridge.as_tensor(array)
    else:
        natural = _python_dtype(x)
        if isinstance(x, (list, tuple)) and x and builtins.all(
                isinstance(v, np.ndarray) for v in x):
            x = _stacked(x)  # torch's element-by-element path is slow and warns
        try:
            tensor = torch.as_tensor(x, dtype=natural if target is None else None)
        except (TypeError, ValueError, RuntimeError) as err:
            raise TypeError(f"convert_to_tensor: cannot convert {type(x).__name__} to a tensor "
                            f"({err})") from None
        if natural is None and tensor.dtype == torch.float64:
            tensor = tensor.to(to_torch(config.floatx()))
    if target is not None and tensor.dtype != target:
        tensor = tensor.to(target)
    return tensor.to(config.get_device())


def array(x: Any, dtype: Any = None) -> torch.Tensor:
    """A tensor from `x` (as `convert_to_tensor`).

    Args:
        x: a number, nested list, NumPy array or tensor.
        dtype: optional Keras dtype name.

    Returns:
        The tensor.
    """
    return convert_to_tensor(x, dtype=dtype)


def convert_to_numpy(x: Any) -> np.ndarray:
    """A NumPy array of a tensor (on any device) or of array-like data."""
    if isinstance(x, torch.Tensor):
        x = x.detach()
        if x.dtype == torch.bfloat16:
            x = x.float()
        return x.cpu().numpy()
    return np.asarray(x)


def is_tensor(x: Any) -> bool:
    """Whether `x` is a tensor of this backend (a torch tensor)."""
    return isinstance(x, torch.Tensor)


def dtype(x: Any) -> str:
    """Keras's name of `x`'s dtype, e.g. 'float32'."""
    return standardize_dtype(convert_to_tensor(x).dtype)


def shape(x: Any) -> tuple:
    """The shape as a tuple (None for unknown axes of symbolic tensors)."""
    if hasattr(x, "shape") and not isinstance(x, torch.Tensor):
        return tuple(x.shape)
    return tuple(convert_to_tensor(x).shape)


@op
def cast(x: Any, dtype: Any) -> torch.Tensor:
    """`x` converted to `dtype` (any Keras dtype name, including 'int' and 'float').

    Example:
        >>> cast([1.7, 2.2], "int32")
        tensor([1, 2], dtype=torch.int32)
    """
    target = to_torch(dtype)
    if getattr(x, "_is_sparse_tensor", False):  # a tf.SparseTensor: its values, as Keras
        return x.with_values(x.values.to(target))
    return convert_to_tensor(x).to(target)


@op
def saturate_cast(x: Any, dtype: Any) -> torch.Tensor:
    """`x` cast to `dtype` with values first clipped to that dtype's range."""
    target = to_torch(dtype)
    t = convert_to_tensor(x)
    if not target.is_floating_point and target != torch.bool:
        info = torch.iinfo(target)
        low = builtins.max(float(info.min), float(torch.finfo(torch.float64).min))
        t = t.clamp(low, float(info.max)) if t.is_floating_point() else t.clamp(
            info.min, info.max)
    elif target.is_floating_point and t.is_floating_point():
        info = torch.finfo(target)
        t = t.clamp(info.min, info.max)
    return t.to(target)


@op
def stop_gradient(variable: Any) -> torch.Tensor:
    """The same values, with no gradient flowing back through them."""
    return convert_to_tensor(variable).detach()


def cond(pred: Any, true_fn: Callable[[], Any], false_fn: Callable[[], Any]) -> Any:
    """`true_fn()` if `pred` else `false_fn()`.

    Args:
        pred: a boolean scalar (Python or tensor).
        true_fn / false_fn: functions of no arguments.
    """
    return true_fn() if bool(convert_to_tensor(pred)) else false_fn()


def switch(index: Any, branches: Sequence[Callable[..., Any]], *operands: Any) -> Any:
    """`branches[index](*operands)`, with `index` clamped to the valid range."""
    i = int(convert_to_tensor(index))
    i = builtins.min(builtins.max(i, 0), len(branches) - 1)
    return branches[i](*operands)


def while_loop(cond: Callable[..., Any], body: Callable[..., Any], loop_vars: Any,
               maximum_iterations: int | None = None) -> Any:
    """Run `loop_vars = body(*loop_vars)` while `cond(*loop_vars)`.

    Args:
        cond: a predicate of the loop variables.
        body: returns the new loop variables (same structure).
        loop_vars: a tuple/list of values (or one value).
        maximum_iterations: stop after this many iterations.

    Returns:
        The final loop variables, in the structure given.
    """
    single = not isinstance(loop_vars, (list, tuple))
    state = (loop_vars,) if single else tuple(loop_vars)
    done = 0
    while (maximum_iterations is None or done < maximum_iterations) and bool(cond(*state)):
        result = body(*state)
        state = (result,) if single else tuple(result)
        done += 1
    if single:
        return state[0]
    return type(loop_vars)(state) if isinstance(loop_vars, list) else state


def fori_loop(lower: int, upper: int, body_fun: Callable[[Any, Any], Any],
              init_val: Any) -> Any:
    """`val = body_fun(i, val)` for i in [lower, upper); returns the final value."""
    value = init_val
    for i in range(int(lower), int(upper)):
        value = body_fun(i, value)
    return value


def scan(f: Callable[[Any, Any], tuple], init: Any, xs: Any = None, length: int | None = None,
         reverse: bool = False, unroll: int | bool = 1) -> tuple[Any, Any]:
    """Loop `carry, y = f(carry, x)` over the leading axis of `xs`; returns the final carry
    and the stacked `y`s (as JAX's `lax.scan`)."""
    if xs is None and length is None:
        raise ValueError("scan: pass xs or length")
    leaves = [convert_to_tensor(t) for t in tree.flatten(xs)] if xs is not None else []
    steps = length if length is not None else leaves[0].shape[0]
    order = range(steps - 1, -1, -1) if reverse else range(steps)
    carry, outputs = init, []
    for i in order:
        x = None if xs is None else tree.map_structure(lambda t, i=i: convert_to_tensor(t)[i], xs)
        carry, y = f(carry, x)
        outputs.append(y)
    if reverse:
        outputs.reverse()
    if not outputs or outputs[0] is None:
        return carry, None
    stacked = _stack_structures(outputs)
    return carry, stacked


def _stack_structures(items: list[Any]) -> Any:
    first = items[0]
    if isinstance(first, dict):
        return {k: _stack_structures([item[k] for item in items]) for k in first}
    if isinstance(first, (list, tuple)):
        return type(first)(_stack_structures([item[i] for item in items])
                           for i in range(len(first)))
    return torch.stack([convert_to_tensor(item) for item in items])


def map(f: Callable[[Any], Any], xs: Any) -> Any:  # noqa: A001 - Keras's name
    """`f` applied to each slice of `xs` along its first axis, results stacked."""
    leaves = tree.flatten(xs)
    steps = convert_to_tensor(leaves[0]).shape[0]
    results = [f(tree.map_structure(lambda t, i=i: convert_to_tensor(t)[i], xs))
               for i in range(steps)]
    return _stack_structures(results)


@op
def slice(inputs: Any, start_indices: Any, shape: Any) -> torch.Tensor:  # noqa: A001
    """The block of `shape` starting at `start_indices`."""
    t = convert_to_tensor(inputs)
    index = tuple(builtins.slice(int(s), int(s) + int(n))
                  for s, n in zip(_ints(start_indices), _ints(shape)))
    return t[index]


@op
def slice_update(inputs: Any, start_indices: Any, updates: Any) -> torch.Tensor:
    """A copy of `inputs` with the block at `start_indices` replaced by `updates`."""
    t = convert_to_tensor(inputs).clone()
    u = convert_to_tensor(updates).to(t.dtype)
    index = tuple(builtins.slice(int(s), int(s) + n) for s, n in zip(_ints(start_indices),
                                                                     u.shape))
    t[index] = u
    return t


@op
def scatter(indices: Any, values: Any, shape: Any) -> torch.Tensor:
    """A zero tensor of `shape` with `values` added at `indices` (rows of coordinates)."""
    idx = convert_to_tensor(indices).long()
    v = convert_to_tensor(values)
    out = torch.zeros(tuple(_ints(shape)), dtype=v.dtype, device=v.device)
    coords = tuple(idx[..., i] for i in range(idx.shape[-1]))
    return out.index_put(coords, v, accumulate=True)


@op
def scatter_update(inputs: Any, indices: Any, updates: Any) -> torch.Tensor:
    """A copy of `inputs` with the entries at `indices` set to `updates`."""
    t = convert_to_tensor(inputs).clone()
    idx = convert_to_tensor(indices).long()
    coords = tuple(idx[..., i] for i in range(idx.shape[-1]))
    t[coords] = convert_to_tensor(updates).to(t.dtype)
    return t


def unstack(x: Any, num: int | None = None, axis: int = 0) -> list[torch.Tensor]:
    """The slices of `x` along `axis`, as a list."""
    return list(torch.unbind(convert_to_tensor(x), dim=axis))


def _ints(values: Any) -> list[int]:
    if isinstance(values, torch.Tensor):
        return [int(v) for v in values.reshape(-1).tolist()]
    return [int(v) for v in values]
