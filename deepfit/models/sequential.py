"""`Sequential`: a plain stack of layers, each feeding the next.

Example:
    >>> model = deepfit.Sequential([
    ...     deepfit.layers.Dense(128, activation="relu", input_dim=784),
    ...     deepfit.layers.Dense(10, activation="softmax"),
    ... ])
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch

from deepfit.data.strings import STRING
from deepfit.layers.core import InputLayer
from deepfit.layers.layer import Layer
from deepfit.layers.symbolic import KerasTensor
from deepfit.models.model import Model, check_layer_name


class Sequential(Model):
    """A linear stack of layers.

    Args:
        layers: the layers, in order; `deepfit.Input(...)` or an `InputLayer` may come first
            to declare the input shape. Plain `torch.nn.Module`s are wrapped automatically.
        name: the model's name.
        trainable: whether its weights train.
    """

    def __init__(self, layers: Iterable[Any] | None = None, name: str | None = None,
                 trainable: bool = True) -> None:
        super().__init__(name=name, trainable=trainable)
        self._stack: list[Layer] = []
        self._input_layer: InputLayer | None = None
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._build_if_declared()

    # ----------------------------------------------------------------- structure
    def add(self, layer: Any, rebuild: bool = True) -> None:
        """Append a layer (an `Input` or `InputLayer` only as the first entry).

        Raises:
            TypeError: for something that is not a layer or a torch module.
            ValueError: for another layer with the same name or a misplaced input (the same
                layer instance may be added twice: its weights are shared, as in Keras).
        """
        if isinstance(layer, KerasTensor):
            layer = _input_layer_of(layer)
        if isinstance(layer, torch.nn.Module) and not isinstance(layer, Layer):
            from deepfit.layers.torch_module import TorchModule

            layer = TorchModule(layer)
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add: expected a layer, received {layer!r} of type "
                            f"{type(layer).__name__}")
        if isinstance(layer, InputLayer):
            if self._stack or self._input_layer is not None:
                raise ValueError("Sequential: an Input/InputLayer can only be the first layer")
            self._input_layer = layer
            self.built = False
            if rebuild:
                self._build_if_declared()
            return
        check_layer_name(layer, f"Sequential '{self.name}'")
        if any(existing.name == layer.name and existing is not layer for existing in self._stack):
            raise ValueError(f"Sequential: all layers must have unique names; {layer.name!r} "
                             f"is already in the model (pass name=... to the new layer)")
        self.add_module(layer.name, layer)
        self._stack.append(layer)
        self.built = False
        if rebuild:
            self._build_if_declared()

    def pop(self) -> Layer:
        """Remove and return the last layer."""
        if not self._stack:
            raise ValueError("Sequential.pop: the model has no layers to remove")
        layer = self._stack.pop()
        if layer not in self._stack:  # a shared layer stays registered while still used
            delattr(self, layer.name)
        self.built = False
        self._build_if_declared()
        return layer

    @property
    def layers(self) -> list[Layer]:
        """The layers in order (without the input layer, as Keras)."""
        return list(self._stack)

    def _declared_input(self) -> tuple | None:
        if self._input_layer is not None:
            return self._input_layer.batch_shape
        if self._stack and self._stack[0]._declared_input_shape is not None:
            first = self._stack[0]
            return (first._declared_batch_size, *first._declared_input_shape)
        if self._declared_input_shape is not None:
            return (self._declared_batch_size, *self._declared_input_shape)
        return None

    def _build_if_declared(self) -> None:
        shape = self._declared_input()
        if shape is not None and self._stack and None not in shape[1:]:
            self.build(shape)

    # ----------------------------------------------------------------- build and call
    def build(self, input_shape: Any = None) -> None:
        """Build every layer by calling the stack once on a symbolic input, as Keras does: the
        layers get their weights and their `input`/`output`, the model its `inputs`/`outputs`.
        """
        shape = tuple(input_shape if input_shape is not None else self._declared_input() or ())
        if not shape:
            raise ValueError(f"Sequential '{self.name}': cannot build without an input shape; "
                             f"give the first layer input_shape=... or call the model on data")
        inputs = self._symbolic_input((None, *shape[1:]))
        self._build_input_shape = (None, *shape[1:])
        x = inputs
        for layer in self._stack:
            x = layer(x)
        self.__dict__["_graph_ends"] = (inputs, x)
        self.built = True

    def _symbolic_input(self, shape: tuple) -> KerasTensor:
        """The declared Input, else one made for `shape` and kept while the shape holds (so
        the layers' first outputs and later rebuilds share it, as in Keras)."""
        if self._input_layer is not None:
            return self._input_layer.output
        dtype = STRING if getattr(self, "_built_on_text", False) else torch.float32
        kept = self.__dict__.get("_auto_input")
        if kept is None or kept.shape[1:] != shape[1:] or kept.dtype is not dtype:
            kept = InputLayer(batch_shape=shape, dtype="string" if dtype is STRING else None
                              ).output
            self.__dict__["_auto_input"] = kept
        return kept

    def call(self, inputs: Any, training: bool | None = None, mask: Any = None) -> Any:
        x = adjust_input_rank(inputs, self._declared_input())
        for layer in self._stack:
            x = layer(x, training=training)
        return x

    @property
    def inputs(self) -> list[KerasTensor]:
        """The symbolic input of the built model, in a list (feature extraction starts here).

        Raises:
            AttributeError: the model is not built yet (Keras's rule).
        """
        return [self._ends("inputs")[0]]

    @property
    def outputs(self) -> list[KerasTensor]:
        """The symbolic output of the built model, in a list."""
        return [self._ends("outputs")[1]]

    @property
    def input_shape(self) -> tuple:
        """The built model's input shape, batch axis first."""
        return self._ends("input_shape")[0].shape

    @property
    def output_shape(self) -> tuple:
        """The built model's output shape, batch axis first."""
        return self._ends("output_shape")[1].shape

    def _ends(self, what: str) -> tuple[KerasTensor, KerasTensor]:
        ends = self.__dict__.get("_graph_ends")
        if ends is None or not self.built:
            raise AttributeError(self._undefined_attribute(what))
        return ends

    def _undefined_attribute(self, name: str) -> str | None:
        if name in ("inputs", "outputs", "input_shape", "output_shape"):
            what = name.replace("_", " ")
            return (f"Sequential model '{self.name}' has no defined {what} yet: build it first "
                    f"(start it with keras.Input(shape=...), or call it on data)")
        return super()._undefined_attribute(name)

    # ----------------------------------------------------------------- config
    def get_config(self) -> dict[str, Any]:
        layers = []
        if self._input_layer is not None:
            layers.append(_serialize(self._input_layer))
        layers += [_serialize(layer) for layer in self._stack]
        return {"name": self.name, "trainable": self.trainable, "layers": layers}

    @classmethod
    def from_config(cls, config_dict: dict[str, Any], custom_objects: Any = None) -> Sequential:
        from deepfit.layers import deserialize

        model = cls(name=config_dict.get("name"), trainable=config_dict.get("trainable", True))
        for entry in config_dict["layers"]:
            model.add(deserialize(entry, custom_objects=custom_objects), rebuild=False)
        model._build_if_declared()
        return model


def adjust_input_rank(x: Any, declared: tuple | None) -> Any:
    """Add or drop a trailing axis of size 1 where the declared input has one, as Keras does
    (so `Dense(1, input_shape=[1])` accepts a plain vector of samples)."""
    if declared is None or not isinstance(x, torch.Tensor) or declared[-1] != 1:
        return x
    if x.dim() == len(declared) - 1:
        return x.unsqueeze(-1)
    if x.dim() == len(declared) + 1 and x.shape[-1] == 1:
        return x.squeeze(-1)
    return x


def _serialize(layer: Layer) -> dict[str, Any]:
    return {"module": "deepfit.layers", "class_name": type(layer).__name__,
            "config": layer.get_config()}


def _input_layer_of(tensor: KerasTensor) -> InputLayer:
    node = tensor.history[0] if isinstance(tensor.history, tuple) else None
    layer = node.layer if node is not None else None
    if isinstance(layer, InputLayer):
        return layer
    return InputLayer(batch_shape=tensor.shape, dtype=tensor.dtype, name=tensor.name)
