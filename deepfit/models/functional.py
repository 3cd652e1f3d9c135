"""The Functional API: layers called on symbolic `KerasTensor`s record a graph, and
`Model(inputs, outputs)` runs that graph.

Shapes are inferred by running each layer once on small dummy batches (twice, with different
sizes for unknown axes, to tell which output axes are unknown), so every layer — including
wrapped torch modules — works without a hand-written `compute_output_shape`.

Example:
    >>> inputs = deepfit.Input(shape=(784,))
    >>> hidden = deepfit.layers.Dense(64, activation="relu")(inputs)
    >>> outputs = deepfit.layers.Dense(10, activation="softmax")(hidden)
    >>> model = deepfit.Model(inputs, outputs)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from deepfit import config, tree
from deepfit.data.strings import STRING, dummy_text
from deepfit.layers.core import InputLayer
from deepfit.layers.layer import Layer
from deepfit.layers.symbolic import KerasTensor, Node
from deepfit.layers.tracing import dummy_run
from deepfit.models.layer_order import keras_order
from deepfit.models.model import Model, check_layer_name
from deepfit.ops import numpy_bridge


def _dummy(tensor: KerasTensor, unknown: int) -> Any:
    shape = [1 if i == 0 else (unknown if d is None else d) for i, d in enumerate(tensor.shape)]
    if tensor.dtype is STRING:
        return dummy_text(shape, unknown)
    if is_mask(tensor):  # every step real, so mask consumers see a usable mask
        return torch.ones(shape, dtype=torch.bool, device=config.get_device())
    dummy = torch.zeros(shape, dtype=tensor.dtype, device=config.get_device())
    mask = tensor.__dict__.get("_keras_mask")
    if mask is not None:
        dummy._keras_mask = _dummy(mask, unknown)
    return dummy


def _run_on_dummies(layer: Layer, args: tuple, kwargs: dict, unknown: int) -> Any:
    def swap(value: Any) -> Any:
        return _dummy(value, unknown) if isinstance(value, KerasTensor) else value

    dummy_args = tree.map_structure(swap, args)
    dummy_kwargs = tree.map_structure(swap, {k: v for k, v in kwargs.items() if k != "training"})
    with torch.no_grad(), dummy_run():
        return layer(*dummy_args, training=False, **dummy_kwargs)


# Sizes tried for unknown axes: large enough for valid convolutions and pooling first; smaller
# ones when those fail, e.g. a position embedding of `sequence_length` rows indexed by
# `arange(length)` of an input declared `shape=(None,)`. The two sizes of a pair differ by at
# least a layer's stride, so a strided convolution or a pooling of unknown length still gives
# two different output lengths (32 and 33 both pool to 16 with a window of 2), i.e. an
# unknown output axis as in Keras.
_UNKNOWN_SIZES = ((32, 64), (8, 16), (2, 3))


def _dummy_runs(layer: Layer, args: tuple, kwargs: dict) -> tuple[Any, Any]:
    """The layer's outputs on two dummy batches whose unknown axes differ in size."""
    if not _has_unknown_axes((args, kwargs)):
        first = _run_on_dummies(layer, args, kwargs, 32)
        return first, first
    failure = None
    for small, large in _UNKNOWN_SIZES:
        try:
            return (_run_on_dummies(layer, args, kwargs, small),
                    _run_on_dummies(layer, args, kwargs, large))
        except (IndexError, RuntimeError, ValueError) as err:
            failure = failure or err
    raise failure


def call_symbolic(layer: Layer, args: tuple, kwargs: dict) -> Any:
    """Record `layer(*args, **kwargs)` on KerasTensors and return the symbolic outputs."""
    # Unknown axes get two different sizes; output axes that differ between the runs are
    # unknown too.
    first, second = _dummy_runs(layer, args, kwargs)
    batch = tree.first_leaf(args).shape[0] if tree.flatten(args) else None
    node = Node(layer, args, kwargs, None)
    counter = iter(range(1 << 30))

    def symbolic(pair: tuple[Any, Any]) -> KerasTensor:
        a, b = pair
        shape = (batch, *(d if d == e else None for d, e in zip(a.shape[1:], b.shape[1:])))
        dtype = a.dtype if isinstance(a, torch.Tensor) else STRING
        return KerasTensor(shape, dtype, name=layer.name, history=(node, next(counter)))

    outputs = _zip_map(symbolic, first, second)
    node.outputs = outputs
    _attach_symbolic_masks(outputs, first, second, layer, node)
    layer._output_shape = _shapes(outputs)
    layer._inbound_nodes = getattr(layer, "_inbound_nodes", []) + [node]
    return outputs


def _adjust_rank(value: Any, shape: tuple) -> Any:
    """Keras's rule for a graph input one axis short or long: `(n,)` fed to an input of shape
    `(None, 1)` gains the axis (a pandas column), `(n, k, 1)` fed to `(None, k)` loses it."""
    if not hasattr(value, "shape"):
        return value
    rank = len(value.shape)
    if rank == len(shape) - 1 and shape[-1] == 1:
        return value.unsqueeze(-1) if isinstance(value, torch.Tensor) else np.expand_dims(
            np.asarray(value), -1)
    if rank == len(shape) + 1 and value.shape[-1] == 1:
        return value.squeeze(-1) if isinstance(value, torch.Tensor) else np.asarray(value)[..., 0]
    return value


def _has_unknown_axes(structure: Any) -> bool:
    """Whether a second dummy run could show more: an unknown non-batch axis, or text (whose
    dummy strings differ between the runs)."""
    return any(t.dtype is STRING or None in t.shape[1:] for t in tree.flatten(structure)
               if isinstance(t, KerasTensor))


def _zip_map(fn: Any, a: Any, b: Any) -> Any:
    if isinstance(a, (torch.Tensor, np.ndarray)):
        return fn((a, b))
    if isinstance(a, dict):
        return {key: _zip_map(fn, a[key], b[key]) for key in a}
    return type(a)(_zip_map(fn, x, y) for x, y in zip(a, b))


def _attach_symbolic_masks(outputs: Any, first: Any, second: Any, layer: Layer,
                           node: Node) -> None:
    """Give each symbolic output whose dummy runs carried a mask a symbolic `_keras_mask`,
    computed with the output when the model runs (Keras's KerasTensor masks)."""
    flat = zip(tree.flatten(outputs), tree.flatten(first), tree.flatten(second))
    for index, (symbolic, a, b) in enumerate(flat):
        mask_a, mask_b = getattr(a, "_keras_mask", None), getattr(b, "_keras_mask", None)
        if isinstance(mask_a, torch.Tensor) and isinstance(mask_b, torch.Tensor):
            shape = (symbolic.shape[0],
                     *(d if d == e else None for d, e in zip(mask_a.shape[1:], mask_b.shape[1:])))
            mask = KerasTensor(shape, torch.bool, name=f"{layer.name}_mask", history=(node, index))
            mask.__dict__["_mask_of"] = symbolic
            symbolic.__dict__["_keras_mask"] = mask


def is_mask(tensor: KerasTensor) -> bool:
    """Whether `tensor` is the symbolic mask of another KerasTensor (`x._keras_mask`)."""
    return "_mask_of" in tensor.__dict__


def _shapes(outputs: Any) -> Any:
    if isinstance(outputs, KerasTensor):
        return outputs.shape
    return [t.shape for t in tree.flatten(outputs)]


def _with_mask(value: torch.Tensor, mask: Any) -> torch.Tensor:
    value = value.view_as(value)  # the caller's tensor keeps its own attributes
    value._keras_mask = numpy_bridge.as_tensor(mask, device=value.device).bool()
    return value


def _producer(tensor: KerasTensor) -> Node | None:
    history = tensor.history
    return history[0] if isinstance(history, tuple) else None


class Functional(Model):
    """A model defined by a graph of layer calls from `inputs` to `outputs`.

    Args:
        inputs: a KerasTensor from `deepfit.Input`, or a list/dict of them.
        outputs: the KerasTensor(s) the model returns (a tensor, list or dict).
        name: the model's name.
    """

    def __init__(self, inputs: Any, outputs: Any, name: str | None = None,
                 trainable: bool = True, **kwargs: Any) -> None:
        super().__init__(name=name, trainable=trainable, **kwargs)
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        self._input_tensors = tree.flatten(inputs)
        self._output_tensors = tree.flatten(outputs)
        for tensor in self._input_tensors + self._output_tensors:
            if not isinstance(tensor, KerasTensor):
                raise TypeError(f"Model: inputs and outputs must be KerasTensors from "
                                f"deepfit.Input and layer calls, received {type(tensor).__name__}")
        self._input_layers = [self._input_layer_of(t) for t in self._input_tensors]
        self._nodes = self._topological_nodes()
        # Keras's order (by depth from the outputs), not the order the graph runs in: it is the
        # order of `layers`, `weights` and `get_weights()`, so Keras's weight lists fit.
        in_graph = {id(node.layer) for node in self._nodes}
        self._layer_order = keras_order(self._input_tensors, self._input_layers,
                                        self._output_tensors)
        self._graph_layers: list[Layer] = [
            layer for layer in self._layer_order if id(layer) in in_graph]
        names = [layer.name for layer in self._input_layers + self._graph_layers]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"Model: layer names must be unique, found {duplicates} twice")
        for layer in self._graph_layers:
            check_layer_name(layer, f"Model '{self.name}'")
            self.add_module(layer.name, layer)
        self._record_connections()
        self._build_input_shape = _shapes(inputs) if not isinstance(inputs, KerasTensor) else (
            inputs.shape)
        self.built = True

    def _input_layer_of(self, tensor: KerasTensor) -> InputLayer:
        node = _producer(tensor)
        if node is not None and isinstance(node.layer, InputLayer):
            return node.layer
        # Keras (clone_graph_nodes): an intermediate tensor given as an input gets an InputLayer
        # of its own, and the graph is cut there.
        dtype = "string" if tensor.dtype is STRING else tensor.dtype
        return InputLayer(batch_shape=tensor.shape, dtype=dtype, name=f"{tensor.name}CLONE")

    def _topological_nodes(self) -> list[Node]:
        ordered: list[Node] = []
        visiting: set[int] = set()
        inputs = {id(t) for t in self._input_tensors}

        def visit(tensor: KerasTensor) -> None:
            if id(tensor) in inputs:
                return
            node = _producer(tensor)
            if node is None or isinstance(node.layer, InputLayer):
                raise ValueError(f"Model: output {tensor} is not connected to the given inputs")
            if any(node is seen for seen in ordered):
                return
            if id(node) in visiting:
                raise ValueError("Model: the layer graph has a cycle")
            visiting.add(id(node))
            for parent in node.input_tensors:
                visit(parent)
            ordered.append(node)

        for tensor in self._output_tensors:
            visit(tensor)
        return ordered

    def _record_connections(self) -> None:
        input_names = {id(t): layer.name for t, layer in zip(self._input_tensors,
                                                             self._input_layers)}
        for layer in self._graph_layers:
            sources = []
            for node in self._nodes:
                if node.layer is layer:
                    for tensor in node.input_tensors:
                        producer = _producer(tensor)
                        sources.append(input_names.get(id(tensor)) or (
                            producer.layer.name if producer else "?"))
            layer._summary_inbound = ", ".join(f"{name}[0][0]" for name in sources)
        for layer in self._input_layers:
            layer._output_shape = layer.batch_shape
            layer._summary_inbound = "-"

    # ----------------------------------------------------------------- running the graph
    def call(self, inputs: Any, training: bool | None = None, mask: Any = None) -> Any:
        values: dict[int, Any] = {}
        for tensor, value in zip(self._input_tensors, self._flatten_inputs(inputs)):
            value = _adjust_rank(value, tensor.shape)
            if tensor.dtype is STRING:
                values[id(tensor)] = value
                continue
            if not isinstance(value, torch.Tensor):
                value = numpy_bridge.as_tensor(np.asarray(value))
            values[id(tensor)] = value.to(tensor.dtype) if (
                tensor.dtype.is_floating_point and value.dtype != tensor.dtype) else value

        if mask is not None:  # Keras: masks given to the model ride on its inputs
            for tensor, item in zip(self._input_tensors, tree.flatten(mask)):
                if item is not None and isinstance(values[id(tensor)], torch.Tensor):
                    values[id(tensor)] = _with_mask(values[id(tensor)], item)

        def lookup(value: Any) -> Any:
            return values[id(value)] if isinstance(value, KerasTensor) else value

        for node in self._nodes:
            args = tree.map_structure(lookup, node.args)
            kwargs = tree.map_structure(lookup, node.kwargs)
            kwargs["training"] = training
            result = node.layer(*args, **kwargs)
            for symbolic, actual in zip(tree.flatten(node.outputs), tree.flatten(result)):
                values[id(symbolic)] = actual
                mask = symbolic.__dict__.get("_keras_mask")
                if mask is not None:
                    values[id(mask)] = getattr(actual, "_keras_mask", None)
        return tree.map_structure(lambda t: values[id(t)], self._outputs_struct)

    def _flatten_inputs(self, inputs: Any) -> list[Any]:
        if isinstance(self._inputs_struct, dict):
            if not isinstance(inputs, dict):
                raise ValueError(f"Model '{self.name}' expects a dict of inputs with keys "
                                 f"{sorted(self._inputs_struct)}, received {type(inputs).__name__}")
            missing = sorted(set(self._inputs_struct) - set(inputs))
            if missing:
                raise ValueError(f"Model '{self.name}': missing input(s) {missing}")
            return [inputs[key] for key in self._inputs_struct]
        if isinstance(inputs, dict):
            names = [layer.name for layer in self._input_layers]
            return [inputs[name] for name in names]
        flat = inputs if isinstance(inputs, (list, tuple)) else [inputs]
        if len(flat) != len(self._input_tensors):
            raise ValueError(f"Model '{self.name}' expects {len(self._input_tensors)} input(s), "
                             f"received {len(flat)}")
        return list(flat)

    # ----------------------------------------------------------------- structure
    @property
    def layers(self) -> list[Layer]:
        """Every layer, input layers included, in Keras's order (by depth from the outputs)."""
        return list(self._layer_order)

    @property
    def inputs(self) -> list[KerasTensor]:
        return list(self._input_tensors)

    @property
    def input(self) -> Any:
        """The graph's inputs as given to the constructor (a tensor, list or dict), as Keras."""
        return self._inputs_struct

    @property
    def output(self) -> Any:
        """The graph's outputs as given to the constructor (a tensor, list or dict), as Keras."""
        return self._outputs_struct

    @property
    def outputs(self) -> list[KerasTensor]:
        return list(self._output_tensors)

    @property
    def output_names(self) -> list[str]:
        if isinstance(self._outputs_struct, dict):
            return list(self._outputs_struct)
        return [_producer(t).layer.name for t in self._output_tensors]

    @property
    def input_shape(self) -> Any:
        shapes = [t.shape for t in self._input_tensors]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self) -> Any:
        shapes = [t.shape for t in self._output_tensors]
        return shapes[0] if len(shapes) == 1 else shapes

    def _sublayers(self) -> list[Layer]:
        return list(self._graph_layers)

    # ----------------------------------------------------------------- config
    def get_config(self) -> dict[str, Any]:
        """The graph in Keras's layout: layers with their inbound nodes, input and output ends."""
        from deepfit.saving.functional_config import serialize_functional
        from deepfit.saving.serialization import serialize_layer

        return serialize_functional(self, serialize_layer)

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: Any = None) -> Functional:
        """Rebuild the graph from `get_config()` (or a Keras Functional config); new weights.

        Example:
            >>> clone = deepfit.Model.from_config(model.get_config())
        """
        from deepfit.saving.functional_config import functional_from_config
        from deepfit.saving.serialization import deserialize_layer

        return functional_from_config(
            config, lambda entry: deserialize_layer(entry, custom_objects, True))
