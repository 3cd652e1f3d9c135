"""`EagerTensor`: the torch tensor handed back to user code, with TensorFlow's manners.

It is a `torch.Tensor` subclass, so PyTorch code takes it as is; on top it has `.numpy()` that
detaches, a `TensorShape` `.shape`, `__array__`, NumPy functions (`np.mean(t, axis=0)` gives a
NumPy value, as in TensorFlow) and arithmetic with NumPy arrays on either side. Tensors are
only wrapped where user code receives them (outer layer calls, `tf.*` results): the training
step works on plain torch tensors.

Example:
    >>> import numpy as np, torch
    >>> from deepfit.backend.tensor import to_eager
    >>> t = to_eager(torch.tensor([1.0, 2.0], requires_grad=True) * 2)
    >>> t.numpy(), t.shape.as_list(), np.mean(t, axis=0)
    (array([2., 4.], dtype=float32), [2], np.float32(3.0))
    >>> type(np.ones(2, np.float32) + t).__name__
    'EagerTensor'
"""

from __future__ import annotations

import functools
import types
from collections.abc import Callable, Iterable, MutableMapping
from typing import Any

import numpy as np
import torch

from deepfit.backend import context
from deepfit.backend.device import DeviceName
from deepfit.backend.shape import TensorShape, set_shape
from deepfit.ops import numpy_bridge

_TORCH_DEVICE = torch.Tensor.device


class EagerTensor(torch.Tensor):
    """A torch tensor that behaves like TensorFlow's eager tensor for user code."""

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The values as a NumPy array (detached from autograd, copied off the device)."""
        plain = torch.Tensor.as_subclass(self, torch.Tensor).detach()
        return plain.cpu().resolve_conj().resolve_neg().numpy()

    @property
    def shape(self) -> TensorShape:  # type: ignore[override]
        """The shape as a `TensorShape` (`as_list()`, `rank`, compares with tuples)."""
        return TensorShape(torch.Tensor.size(self))

    @property
    def device(self) -> torch.device | DeviceName:  # type: ignore[override]
        """torch's device; while TensorFlow programs run, a `DeviceName` (TensorFlow's spelling,
        still taken by torch as the same device)."""
        device = _TORCH_DEVICE.__get__(self)
        return DeviceName(device) if context.tensorflow_names() else device

    def get_shape(self) -> TensorShape:
        """TensorFlow's alias of `.shape`."""
        return self.shape

    def set_shape(self, shape: Any) -> None:
        """TensorFlow's `set_shape`: checks that `shape` fits (None dimensions fit any size);
        an eager tensor's shape is already fully known, so nothing changes."""
        set_shape(torch.Tensor.size(self), shape)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        array = self.numpy()
        return array if dtype is None else array.astype(dtype, copy=False)

    def __array_wrap__(self, array: np.ndarray, context: Any = None,
                       return_scalar: bool = False) -> Any:
        # NumPy ufuncs on a tensor (`np.add(t, 1)`) give NumPy values, as with TF tensors.
        return array[()] if return_scalar else array

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        # NumPy functions (np.mean, np.concatenate, ...) see NumPy arrays, as with TF tensors.
        return func(*_to_numpy(args), **_to_numpy(kwargs))

    def __repr__(self, *, tensor_contents: Any = None) -> str:
        array = self.numpy()
        shown = repr(array.item()) if array.ndim == 0 else repr(array)  # TF: numpy=1.0
        return (f"<tf.Tensor: shape={self.shape}, dtype={_dtype_name(self.dtype)}, "
                f"numpy={_own_line(shown)}>")

    def __float__(self) -> float:
        return float(self.numpy().reshape(()))

    def __int__(self) -> int:
        return int(self.numpy().reshape(()))

    def __str__(self) -> str:
        return (f"tf.Tensor({_own_line(str(self.numpy()))}, shape={self.shape}, "
                f"dtype={_dtype_name(self.dtype)})")

    def __format__(self, spec: str) -> str:
        if self.dim() == 0:
            return self.item().__format__(spec)
        return str(self).__format__(spec)

    def __reduce_ex__(self, protocol: int) -> Any:
        return (_rebuild, (self.numpy(),))


def _rebuild(array: np.ndarray) -> EagerTensor:
    return torch.from_numpy(array).as_subclass(EagerTensor)


def _own_line(text: str) -> str:
    """Values that print on several lines start on a line of their own, as TensorFlow prints
    them."""
    return "\n" + text if "\n" in text else text


def _dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def _operand(value: Any, like: torch.Tensor) -> Any:
    if isinstance(value, np.ndarray | np.generic):
        tensor = numpy_bridge.as_tensor(np.asarray(value), device=like.device)
        if tensor.is_floating_point() and like.is_floating_point():
            tensor = tensor.to(like.dtype)
        return tensor
    if isinstance(value, list | tuple):  # `[16000] - tf.shape(x)`: the list takes x's dtype
        array = np.asarray(value)
        if array.dtype.kind in "biuf" and (like.is_floating_point() or array.dtype.kind != "f"):
            return torch.as_tensor(array, dtype=like.dtype, device=like.device)
        return numpy_bridge.as_tensor(array, device=like.device)
    return value


def _binary(name: str) -> Any:
    method = getattr(torch.Tensor, name)

    def op(self: torch.Tensor, other: Any) -> Any:
        return method(self, _operand(other, self))

    op.__name__ = name
    return op


for _name in ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__",
              "__truediv__", "__rtruediv__", "__floordiv__", "__rfloordiv__", "__mod__",
              "__rmod__", "__pow__", "__rpow__", "__matmul__", "__rmatmul__", "__lt__", "__le__",
              "__gt__", "__ge__", "__eq__", "__ne__", "__and__", "__rand__", "__or__", "__ror__",
              "__xor__", "__rxor__"):
    setattr(EagerTensor, _name, _binary(_name))
EagerTensor.__hash__ = torch.Tensor.__hash__


def _to_numpy(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy() if not isinstance(value, EagerTensor) else (
            value.numpy())
    if isinstance(value, list | tuple):
        return type(value)(_to_numpy(v) for v in value)
    if isinstance(value, dict):
        return {k: _to_numpy(v) for k, v in value.items()}
    return value


def to_eager(value: Any) -> Any:
    """Plain torch tensors in `value` (nested lists, tuples, dicts) as `EagerTensor`s.

    Parameters, Variables and other tensor subclasses are left as they are.

    Args:
        value: a tensor or a nested structure of them.

    Returns:
        The same structure with every plain tensor wrapped (no copy: an alias).
    """
    if type(value) is torch.Tensor:
        return _keep_attributes(value, value.as_subclass(EagerTensor))
    if isinstance(value, list):
        return [to_eager(v) for v in value]
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(to_eager(v) for v in value)
    if isinstance(value, dict):
        return {k: to_eager(v) for k, v in value.items()}
    return value


def to_plain(value: Any) -> Any:
    """`EagerTensor`s in `value` (nested lists, tuples, dicts) as plain torch tensors."""
    if isinstance(value, EagerTensor):
        return _keep_attributes(value, value.as_subclass(torch.Tensor))
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(to_plain(v) for v in value)
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    return value


def _keep_attributes(source: torch.Tensor, alias: torch.Tensor) -> torch.Tensor:
    # Attributes set on a tensor (a Keras mask: `_keras_mask`) travel with its alias.
    if source.__dict__:
        alias.__dict__.update(source.__dict__)
    return alias


def for_user(value: Any) -> Any:
    """`to_eager(value)` for user code; unchanged inside layer calls and training steps."""
    return value if context.is_internal() else to_eager(value)


def returns_for_user(fn: Callable[..., Any]) -> Callable[..., Any]:
    """`fn` whose tensor results are `EagerTensor`s when user code calls it (plain inside layer
    calls and training steps, where the check is one thread-local read).

    Args:
        fn: a function returning tensors (or structures of them).

    Returns:
        The wrapped function (same name, signature and docstring).
    """

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        result = fn(*args, **kwargs)
        return result if context.is_internal() else to_eager(result)

    return run


def returns_for_user_in(namespace: MutableMapping[str, Any],
                        registries: Iterable[dict[str, Any]] = ()) -> None:
    """Wrap, in place, every public function a module defines (see `returns_for_user`), and
    the same functions where `registries` hold them, so that every path reaches one object.

    Args:
        namespace: the module's `globals()`.
        registries: name → function dicts filled by the module's decorators.
    """
    module = namespace["__name__"]
    for name, value in list(namespace.items()):
        if (name.startswith("_") or not isinstance(value, types.FunctionType)
                or value.__module__ != module):
            continue
        wrapped = returns_for_user(value)
        namespace[name] = wrapped
        for registry in registries:
            for key in [k for k, v in registry.items() if v is value]:
                registry[key] = wrapped
