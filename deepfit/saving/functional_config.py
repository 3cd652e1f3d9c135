"""Functional models ↔ Keras's graph config: layers with their `inbound_nodes`, and the
`input_layers`/`output_layers` that name the graph's ends.

A tensor in the config is `{"class_name": "__keras_tensor__", "config": {"shape", "dtype",
"keras_history": [layer_name, node_index, tensor_index]}}`, node indices counting the calls of
each layer inside this model. Layers are listed in Keras's own order (by depth from the outputs,
ties by first visit), which is also the order of the weight groups in the HDF5 file.

Example:
    >>> config = serialize_functional(model)
    >>> rebuilt = functional_from_config(config, make_layer=deserialize_layer)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from deepfit import tree
from deepfit.layers.core import InputLayer
from deepfit.layers.symbolic import KerasTensor, Node
from deepfit.models.functional import Functional
from deepfit.models.layer_order import keras_order


def input_tensor(layer: InputLayer) -> KerasTensor:
    """The symbolic output of an InputLayer, tied to the node a Functional graph starts from."""
    output = layer.output
    if not isinstance(output.history, tuple):
        node = Node(layer, (), {}, output)
        output.history = (node, 0)
        layer._inbound_nodes = [node]
    return output


# ----------------------------------------------------------------------------- graph walk
class _Graph:
    """The nodes of one Functional model, with Keras's layer order and node numbering."""

    def __init__(self, model: Functional) -> None:
        self.model = model
        self.inputs = {id(t): layer for t, layer in zip(model._input_tensors,
                                                        model._input_layers)}
        self.nodes = list(model._nodes)
        self.local_index: dict[int, int] = {}
        for layer in model._graph_layers:
            own = [n for n in getattr(layer, "_inbound_nodes", []) if n in self.nodes]
            base = 1 if isinstance(layer, Functional) else 0
            for i, node in enumerate(own):
                self.local_index[id(node)] = base + i

    def source(self, tensor: KerasTensor) -> tuple[Any, Any, int]:
        """(node key, layer, output index) of the call that produced `tensor`."""
        if id(tensor) in self.inputs:
            layer = self.inputs[id(tensor)]
            return ("input", id(layer)), layer, 0
        if "_mask_of" in tensor.__dict__:
            raise NotImplementedError(
                f"Saving a Functional model whose layer is given a mask explicitly "
                f"(mask=x._keras_mask, here {tensor}) is not supported by deepfit; let the "
                f"mask propagate on its own, or save the weights only (save_weights)")
        node, index = tensor.history
        return node, node.layer, index

    def history(self, tensor: KerasTensor) -> list[Any]:
        key, layer, index = self.source(tensor)
        node_index = 0 if isinstance(key, tuple) else self.local_index[id(key)]
        return [layer.name, node_index, index]

    def keras_order(self) -> list[Any]:
        """The model's layers as Keras orders them (`Functional.layers` in Keras)."""
        return keras_order(self.model._input_tensors, self.model._input_layers,
                           self.model._output_tensors)


def keras_layer_order(model: Functional) -> list[Any]:
    """A Functional model's layers in Keras's order (input layers included).

    Args:
        model: a deepfit Functional model.

    Returns:
        The layers, sorted by depth from the outputs (deepest first), ties by first visit.
    """
    return _Graph(model).keras_order()


# ----------------------------------------------------------------------------- to config
def serialize_functional(model: Functional,
                         serialize_layer: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    """The `config` of a Functional model in Keras's layout.

    Args:
        model: the model.
        serialize_layer: layer → its Keras-layout entry.

    Returns:
        `{"name", "trainable", "layers", "input_layers", "output_layers"}`.
    """
    graph = _Graph(model)
    entries = []
    for layer in graph.keras_order():
        entry = serialize_layer(layer)
        entry["name"] = layer.name
        own = sorted((n for n in graph.nodes if n.layer is layer),
                     key=lambda n: graph.local_index[id(n)])
        entry["inbound_nodes"] = [_node_config(graph, node) for node in own]
        entries.append(entry)
    return {
        "name": model.name,
        "trainable": model.trainable,
        "layers": entries,
        "input_layers": _ends(graph, model._inputs_struct),
        "output_layers": _ends(graph, model._outputs_struct),
    }


def _node_config(graph: _Graph, node: Node) -> dict[str, Any]:
    def convert(value: Any) -> Any:
        if isinstance(value, KerasTensor):
            return {"class_name": "__keras_tensor__", "config": {
                "shape": list(value.shape), "dtype": str(value.dtype).replace("torch.", ""),
                "keras_history": graph.history(value)}}
        if isinstance(value, (list, tuple)):
            return [convert(item) for item in value]
        if isinstance(value, Mapping):
            return {key: convert(item) for key, item in value.items()}
        return value

    kwargs = {key: value for key, value in node.kwargs.items() if key != "training"}
    return {"args": convert(list(node.args)), "kwargs": convert(kwargs)}


def _ends(graph: _Graph, structure: Any) -> Any:
    if isinstance(structure, KerasTensor):
        return graph.history(structure)
    if isinstance(structure, Mapping):
        return {key: _ends(graph, value) for key, value in structure.items()}
    return [_ends(graph, value) for value in structure]


# ----------------------------------------------------------------------------- from config
def functional_from_config(config: Mapping[str, Any],
                           make_layer: Callable[[Mapping[str, Any]], Any]) -> Functional:
    """Rebuild a Functional model by replaying the recorded layer calls.

    Args:
        config: the model's `config` (Keras 3 layout; Keras 2's list-style nodes work too).
        make_layer: layer entry → layer.

    Returns:
        The model (its layers built, weights freshly initialized).

    Raises:
        ValueError: a node refers to a layer or call that does not exist.
    """
    layers: dict[str, Any] = {}
    outputs: dict[tuple[str, int], list[Any]] = {}
    pending: dict[str, list[Any]] = {}
    for entry in config["layers"]:
        layer = make_layer(entry)
        name = entry.get("name") or layer.name
        layers[name] = layer
        pending[name] = list(entry.get("inbound_nodes") or [])
        if isinstance(layer, InputLayer):
            outputs[(name, 0)] = [input_tensor(layer)]
    calls = {name: (1 if isinstance(layers[name], (InputLayer, Functional)) else 0)
             for name in layers}
    while any(pending.values()):
        progressed = False
        for name, queue in pending.items():
            while queue and _ready(queue[0], outputs):
                result = _replay(layers[name], queue.pop(0), outputs)
                outputs[(name, calls[name])] = tree.flatten(result)
                calls[name] += 1
                progressed = True
        if not progressed:
            stuck = sorted(name for name, queue in pending.items() if queue)
            raise ValueError(f"the graph cannot be rebuilt: the inputs of layer(s) {stuck} "
                             "refer to layers or calls that are not in the config")
    inputs = _resolve_ends(config["input_layers"], outputs)
    ends = _resolve_ends(config["output_layers"], outputs)
    return Functional(inputs, ends, name=config.get("name"),
                      trainable=config.get("trainable", True))


def _references(node: Any) -> list[tuple[str, int, int]]:
    found = []

    def walk(value: Any) -> None:
        if isinstance(value, Mapping):
            if value.get("class_name") == "__keras_tensor__":
                name, node_index, index = value["config"]["keras_history"]
                found.append((name, node_index, index))
                return
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            if _is_legacy_reference(value):
                found.append(tuple(value[:3]))
                return
            for item in value:
                walk(item)

    walk(node)
    return found


def _is_legacy_reference(value: list) -> bool:
    return (len(value) in (3, 4) and isinstance(value[0], str) and isinstance(value[1], int)
            and isinstance(value[2], int))


def _ready(node: Any, outputs: dict) -> bool:
    return all((name, node_index) in outputs for name, node_index, _ in _references(node))


def _tensor(reference: tuple, outputs: dict) -> Any:
    name, node_index, index = reference[:3]
    try:
        return outputs[(name, node_index)][index]
    except (KeyError, IndexError):
        raise ValueError(f"the graph refers to output {index} of call {node_index} of layer "
                         f"'{name}', which does not exist") from None


def _replay(layer: Any, node: Any, outputs: dict) -> Any:
    def fill(value: Any) -> Any:
        if isinstance(value, Mapping):
            if value.get("class_name") == "__keras_tensor__":
                return _tensor(tuple(value["config"]["keras_history"]), outputs)
            return {key: fill(item) for key, item in value.items()}
        if isinstance(value, list):
            return [fill(item) for item in value]
        return value

    if isinstance(node, Mapping):
        args = fill(node.get("args", []))
        kwargs = fill(node.get("kwargs", {}))
        return layer(*args, **kwargs)
    tensors = [_tensor(tuple(ref), outputs) for ref in node]
    kwargs = dict(node[0][3]) if len(node[0]) == 4 and isinstance(node[0][3], Mapping) else {}
    return layer(tensors[0] if len(tensors) == 1 else tensors, **kwargs)


def _resolve_ends(spec: Any, outputs: dict) -> Any:
    if isinstance(spec, Mapping):
        return {key: _resolve_ends(value, outputs) for key, value in spec.items()}
    if isinstance(spec, list) and _is_legacy_reference(spec):
        return _tensor(tuple(spec), outputs)
    return [_resolve_ends(item, outputs) for item in spec]
