"""Ops on symbolic tensors: an op called with a `KerasTensor` among its arguments becomes a node
of the Functional graph (as `keras.ops.*` between layers does in Keras), computed when the model
runs.

Example:
    >>> x = deepfit.Input(shape=(4,))
    >>> y = deepfit.ops.exp(x)          # a KerasTensor of shape (None, 4)
    >>> model = deepfit.Model(x, y)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from deepfit import tree


def _keras_tensor_type() -> type:
    from deepfit.layers.symbolic import KerasTensor

    return KerasTensor


def _leaves(value: Any) -> list[Any]:
    return tree.flatten(value) if tree.is_nested(value) else [value]


def has_symbolic(args: tuple, kwargs: dict) -> bool:
    """Whether any argument (or an item of a list/tuple/dict argument) is a KerasTensor."""
    kind = _keras_tensor_type()
    return any(isinstance(leaf, kind) for leaf in _leaves((list(args), dict(kwargs))))


def _layer_class() -> type:
    from deepfit.layers import Layer

    class OpLayer(Layer):
        """One `deepfit.ops` call in a Functional graph; its KerasTensor arguments arrive as
        the list of inputs and are put back in their places before the op runs."""

        autocast_inputs = False
        _warns_on_dropped_mask = False  # ops drop masks silently, as Keras's ops do

        def __init__(self, function: Callable[..., Any], args: tuple, kwargs: dict,
                     **layer_kwargs: Any) -> None:
            super().__init__(**layer_kwargs)
            self.function = function
            self.op_args = args
            self.op_kwargs = kwargs

        def call(self, inputs: list[Any]) -> Any:
            kind = _keras_tensor_type()
            supply = iter(inputs)

            def fill(value: Any) -> Any:
                return next(supply) if isinstance(value, kind) else value

            args, kwargs = tree.map_structure(fill, (list(self.op_args), dict(self.op_kwargs)))
            return self.function(*args, **kwargs)

        def get_config(self) -> dict[str, Any]:
            config = super().get_config()
            config["function"] = self.function.__name__
            return config

    return OpLayer


@functools.lru_cache(maxsize=1)
def op_layer_class() -> type:
    """The Layer class that wraps op calls (made on first use: layers import ops lazily)."""
    return _layer_class()


def call_symbolic(function: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
    """Record `function(*args, **kwargs)` as a node; returns its KerasTensor output(s)."""
    kind = _keras_tensor_type()
    symbolic = [leaf for leaf in _leaves((list(args), dict(kwargs))) if isinstance(leaf, kind)]
    layer = op_layer_class()(function, args, kwargs, name=_unique(function.__name__))
    return layer(symbolic)


def _unique(base: str) -> str:
    from deepfit.layers import layer as layer_module

    return layer_module.unique_name(base)


def op(function: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate an op so a call with a KerasTensor argument records a graph node instead."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if has_symbolic(args, kwargs):
            return call_symbolic(function, args, kwargs)
        return function(*args, **kwargs)

    return wrapper
