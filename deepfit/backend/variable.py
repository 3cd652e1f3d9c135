"""`Variable`: Keras's and TensorFlow's variable as a `torch.nn.Parameter`.

Layers make their weights with it (`Layer.add_weight`), so `model.trainable_variables` holds
Variables and `v.assign(...)` changes the model's parameter in place. Arithmetic on a Variable
from user code gives an `EagerTensor`; inside layer calls it is a plain torch op.

Example:
    >>> from deepfit.backend.variable import Variable
    >>> v = Variable([1.0, 2.0], name="w")
    >>> _ = v.assign_add([1.0, 1.0])
    >>> v.numpy(), v.name, v.trainable, (v * 2).numpy()
    (array([2., 3.], dtype=float32), 'w', True, array([4., 6.], dtype=float32))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from deepfit.backend import context
from deepfit.backend.dtypes import as_dtype
from deepfit.backend.shape import TensorShape
from deepfit.backend.tensor import _operand, to_eager
from deepfit.ops import numpy_bridge

_UIDS: dict[str, int] = {}


class Variable(torch.nn.Parameter):
    """A mutable tensor: `assign`, `assign_add`, `assign_sub`, `numpy`, `name`, `trainable`.

    Args:
        initial_value: a number, array, tensor, or a callable `()` / `(shape, dtype)` giving one.
        trainable: whether gradients flow to it (non-float variables are never trainable).
        name: its name (default `'Variable'`).
        dtype: a torch dtype or a name ('float32'); default: the value's (Python floats become
            float32, Python ints int32, as in TensorFlow).
        shape: the shape, used with a callable `initial_value`.
    """

    def __new__(cls, initial_value: Any = None, trainable: bool = True, name: str | None = None,
                dtype: Any = None, shape: Any = None, **kwargs: Any) -> Variable:
        value = _initial_tensor(initial_value, dtype, shape)
        trainable = bool(trainable) and (value.is_floating_point() or value.is_complex())
        variable = super().__new__(cls, value, trainable)
        variable._name = name or "Variable"
        variable._path = None
        return variable

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __deepcopy__(self, memo: dict) -> Variable:
        copied = type(self)(self.data.clone(), self.requires_grad, self._name)
        copied._path = self._path
        for key, value in self.__dict__.items():
            if key not in ("_name", "_path"):
                copied.__dict__[key] = value
        memo[id(self)] = copied
        return copied

    # ----------------------------------------------------------------- Keras's attributes
    @property
    def name(self) -> str:  # type: ignore[override]
        """The variable's name (`'kernel'` for a Dense kernel)."""
        return self._name

    @property
    def path(self) -> str:
        """`'<layer name>/<name>'` for layer weights, else the name."""
        return self._path or self._name

    @property
    def trainable(self) -> bool:
        """Whether gradients flow to this variable."""
        return self.requires_grad

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self.requires_grad_(bool(value))

    @property
    def shape(self) -> TensorShape:  # type: ignore[override]
        """The shape as a `TensorShape`."""
        return TensorShape(torch.Tensor.size(self))

    @property
    def value(self) -> torch.Tensor:
        """The variable's tensor: the torch parameter itself, as in Keras's torch backend,
        so after `loss.backward()` its gradient is `v.value.grad`."""
        return self

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The values as a NumPy array (a copy)."""
        return self.detach().cpu().numpy().copy()

    def read_value(self) -> torch.Tensor:
        """The current value as a tensor (tracked by autograd)."""
        return self.value

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        array = self.numpy()
        return array if dtype is None else array.astype(dtype, copy=False)

    def __float__(self) -> float:
        return float(self.numpy().reshape(()))

    def __int__(self) -> int:
        return int(self.numpy().reshape(()))

    # ----------------------------------------------------------------- assignment
    @torch.no_grad()
    def assign(self, value: Any, use_locking: Any = None, name: Any = None,
               read_value: bool = True) -> Variable:
        """Set the variable's value in place.

        Args:
            value: a tensor, array or number of the variable's shape (or broadcastable).
            use_locking, name, read_value: accepted for TensorFlow's signature.

        Returns:
            The variable.
        """
        self.copy_(self._checked(value, "assign"))
        return self

    @torch.no_grad()
    def assign_add(self, delta: Any, use_locking: Any = None, name: Any = None,
                   read_value: bool = True) -> Variable:
        """Add `delta` to the variable in place; returns the variable."""
        self.add_(self._checked(delta, "assign_add"))
        return self

    @torch.no_grad()
    def assign_sub(self, delta: Any, use_locking: Any = None, name: Any = None,
                   read_value: bool = True) -> Variable:
        """Subtract `delta` from the variable in place; returns the variable."""
        self.sub_(self._checked(delta, "assign_sub"))
        return self

    def _checked(self, value: Any, method: str) -> torch.Tensor:
        tensor = numpy_bridge.as_tensor(np.asarray(value) if not isinstance(value, torch.Tensor)
                                 else value.detach(), device=self.device)
        try:
            torch.broadcast_shapes(tensor.shape, self.size())
        except RuntimeError:
            raise ValueError(
                f"{method}: cannot assign a value of shape {tuple(tensor.shape)} to variable "
                f"{self._name!r} of shape {tuple(self.size())}"
            ) from None
        return tensor.to(self.dtype)

    def __repr__(self) -> str:
        return (f"<Variable path={self.path}, shape={tuple(self.size())}, "
                f"dtype={str(self.dtype).removeprefix('torch.')}, value={self.numpy()}>")

    __str__ = __repr__


def _initial_tensor(initial_value: Any, dtype: Any, shape: Any) -> torch.Tensor:
    if initial_value is None:
        raise ValueError("Variable: `initial_value` is required")
    if callable(initial_value) and not isinstance(initial_value, torch.Tensor):
        initial_value = _call_initializer(initial_value, shape, dtype)
    if isinstance(initial_value, torch.Tensor):
        tensor = initial_value.detach().clone()
        tensor = tensor.as_subclass(torch.Tensor) if type(tensor) is not torch.Tensor else tensor
    else:
        from deepfit.compat.tensorflow.ops import convert_to_tensor  # TF's rules for lists

        tensor = convert_to_tensor(initial_value).as_subclass(torch.Tensor)
    if dtype is not None:
        tensor = tensor.to(as_dtype(dtype))
    return tensor


def _call_initializer(init: Callable, shape: Any, dtype: Any) -> Any:
    if shape is None:
        return init()
    return init(tuple(int(d) for d in shape), dtype=as_dtype(dtype or "float32"))


def _binary(name: str) -> Any:
    method = getattr(torch.Tensor, name)

    def op(self: torch.Tensor, other: Any) -> Any:
        result = method(self, _operand(other, self))
        return result if context.is_internal() else to_eager(result)

    op.__name__ = name
    return op


def _unary(name: str) -> Any:
    method = getattr(torch.Tensor, name)

    def op(self: torch.Tensor) -> Any:
        result = method(self)
        return result if context.is_internal() else to_eager(result)

    op.__name__ = name
    return op


for _name in ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__",
              "__truediv__", "__rtruediv__", "__floordiv__", "__rfloordiv__", "__mod__",
              "__rmod__", "__pow__", "__rpow__", "__matmul__", "__rmatmul__", "__lt__", "__le__",
              "__gt__", "__ge__"):
    setattr(Variable, _name, _binary(_name))
for _name in ("__neg__", "__abs__"):
    setattr(Variable, _name, _unary(_name))


def _getitem(self: torch.Tensor, key: Any) -> Any:
    # `layer.kernel[:, 0].numpy()`: a slice of a variable is an eager tensor in user code.
    result = torch.Tensor.__getitem__(self, key)
    return result if context.is_internal() else to_eager(result)


Variable.__getitem__ = _getitem
