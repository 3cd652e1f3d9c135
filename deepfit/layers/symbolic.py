"""`KerasTensor`: a placeholder for a tensor in a Functional graph — a shape, a dtype and the
layer call that produced it. Calling a layer on one records the call instead of computing.

Example:
    >>> import deepfit
    >>> x = deepfit.Input(shape=(4,))
    >>> x.shape
    (None, 4)
"""

from __future__ import annotations

from typing import Any

import torch

from deepfit import tree


class KerasTensor:
    """A symbolic tensor: `shape` (batch axis first, None where unknown), `dtype`, and its origin.

    Args:
        shape: the full shape including the batch axis.
        dtype: a torch dtype.
        name: a readable name (the input's name for graph inputs).
        history: `(node, index)` — the recorded call that produced it and which of its outputs.
    """

    def __init__(
        self,
        shape: tuple,
        dtype: torch.dtype = torch.float32,
        name: str | None = None,
        history: Any = None,
    ) -> None:
        self.shape = tuple(shape)
        self.dtype = dtype
        self.name = name
        self.history = history

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        dtype = str(self.dtype).removeprefix("torch.")  # Keras's name: 'float32', 'bool'
        return (f"<KerasTensor shape={self.shape}, dtype={dtype}, sparse=False, ragged=False, "
                f"name={self.name}>")

    # Python operators record `deepfit.ops` calls, as on Keras's KerasTensor.
    def __add__(self, other: Any) -> Any:
        return _ops().add(self, other)

    def __radd__(self, other: Any) -> Any:
        return _ops().add(other, self)

    def __sub__(self, other: Any) -> Any:
        return _ops().subtract(self, other)

    def __rsub__(self, other: Any) -> Any:
        return _ops().subtract(other, self)

    def __mul__(self, other: Any) -> Any:
        return _ops().multiply(self, other)

    def __rmul__(self, other: Any) -> Any:
        return _ops().multiply(other, self)

    def __truediv__(self, other: Any) -> Any:
        return _ops().divide(self, other)

    def __rtruediv__(self, other: Any) -> Any:
        return _ops().divide(other, self)

    def __floordiv__(self, other: Any) -> Any:
        return _ops().floor_divide(self, other)

    def __mod__(self, other: Any) -> Any:
        return _ops().mod(self, other)

    def __pow__(self, other: Any) -> Any:
        return _ops().power(self, other)

    def __rpow__(self, other: Any) -> Any:
        return _ops().power(other, self)

    def __matmul__(self, other: Any) -> Any:
        return _ops().matmul(self, other)

    def __rmatmul__(self, other: Any) -> Any:
        return _ops().matmul(other, self)

    def __neg__(self) -> Any:
        return _ops().negative(self)

    def __abs__(self) -> Any:
        return _ops().abs(self)

    def __lt__(self, other: Any) -> Any:
        return _ops().less(self, other)

    def __le__(self, other: Any) -> Any:
        return _ops().less_equal(self, other)

    def __gt__(self, other: Any) -> Any:
        return _ops().greater(self, other)

    def __ge__(self, other: Any) -> Any:
        return _ops().greater_equal(self, other)

    def __getitem__(self, key: Any) -> Any:
        return _ops().get_item(self, key)

    __hash__ = object.__hash__

    def __getattr__(self, name: str) -> Any:
        # Only reached for attributes a KerasTensor lacks, e.g. `x.dim()` inside a torch
        # module's forward: name the fix instead of a bare AttributeError.
        if not name.startswith("__") and _calling_torch_module() is not None:
            raise AttributeError(_torch_call_message(name))
        raise AttributeError(f"'KerasTensor' object has no attribute {name!r}")

    @classmethod
    def __torch_function__(cls, func: Any, types: Any, args: tuple = (),
                           kwargs: dict | None = None) -> Any:
        # A torch function reached a placeholder: a bare torch module or function was called
        # in a Functional graph, where only deepfit layers record calls.
        raise TypeError(_torch_call_message(func))


def _ops() -> Any:
    import deepfit.ops

    return deepfit.ops


def _torch_call_message(func: Any) -> str:
    name = getattr(func, "__name__", repr(func))
    module = _calling_torch_module()
    if module is not None:
        return (f"{type(module).__name__} is a torch.nn.Module called on a symbolic KerasTensor; "
                f"torch modules join a Functional model only when wrapped: use "
                f"deepfit.layers.TorchModule(module)(x)")
    return (f"torch function '{name}' was called on a symbolic KerasTensor; wrap torch code in "
            f"a layer: deepfit.layers.TorchModule(module)(x) for a torch.nn.Module, "
            f"deepfit.layers.Lambda(fn)(x) for a function")


def _calling_torch_module() -> Any:
    """The outermost torch module whose `forward` is on the stack, if any (error path only)."""
    import sys

    found = None
    frame = sys._getframe(2)
    while frame is not None:
        owner = frame.f_locals.get("self")
        if frame.f_code.co_name == "forward" and isinstance(owner, torch.nn.Module):
            found = owner
        frame = frame.f_back
    return found


class Node:
    """One recorded layer call: the layer, its arguments (with KerasTensors in them), and outputs.
    An `InputLayer`'s node has no arguments."""

    def __init__(self, layer: Any, args: tuple, kwargs: dict, outputs: Any) -> None:
        self.layer = layer
        self.args = args
        self.kwargs = kwargs
        self.outputs = outputs

    @property
    def input_tensors(self) -> list[KerasTensor]:
        return [t for t in tree.flatten((self.args, self.kwargs)) if isinstance(t, KerasTensor)]

    @property
    def output_tensors(self) -> list[KerasTensor]:
        return [t for t in tree.flatten(self.outputs) if isinstance(t, KerasTensor)]


def first_call_tensors(layer: Any, which: str) -> Any:
    """`layer.input` / `layer.output` as Keras defines them: the symbolic tensors of the layer's
    FIRST call on KerasTensors (one tensor, or a list of several).

    Args:
        layer: a layer.
        which: "input" or "output".

    Returns:
        A KerasTensor or a list of them.

    Raises:
        AttributeError: the layer was never called on KerasTensors (eager calls record nothing).
    """
    nodes = layer.__dict__.get("_inbound_nodes")
    if not nodes:
        raise AttributeError(never_called_message(layer, which))
    node = nodes[0]
    values = node.input_tensors if which == "input" else node.output_tensors
    return values[0] if len(values) == 1 else values


def never_called_message(layer: Any, which: str) -> str:
    """Keras's message for `input`/`output` of a layer with no symbolic call."""
    return (f"The layer {layer.name} has never been called and thus has no defined {which} "
            f"(only calls on symbolic tensors, from keras.Input or a built model, define it)")
