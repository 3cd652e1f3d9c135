"""Keras's order of a Functional model's layers: by depth from the outputs (deepest first),
ties by the order a depth-first walk from the outputs first meets them; input layers included.

This is the order of `model.layers`, `model.weights`/`get_weights()` (so `set_weights` with
Keras's list fits), the optimizer's variables and the groups in saved files.

Example:
    >>> inputs = deepfit.Input((3,))
    >>> a, b = layers.Dense(2, name="a")(inputs), layers.Dense(2, name="b")(inputs)
    >>> model = deepfit.Model(inputs, layers.Add(name="add")([a, b]))
    >>> [layer.name for layer in keras_order(model._input_tensors, model._input_layers,
    ...                                      model._output_tensors)]
    ['input_layer', 'a', 'b', 'add']
"""

from __future__ import annotations

from typing import Any


def keras_order(input_tensors: list[Any], input_layers: list[Any],
                output_tensors: list[Any]) -> list[Any]:
    """The layers of the graph between `input_tensors` and `output_tensors` in Keras's order.

    Args:
        input_tensors: the model's input KerasTensors.
        input_layers: their InputLayers, in the same order.
        output_tensors: the model's output KerasTensors.

    Returns:
        Every layer once, input layers included.
    """
    inputs = {id(t): layer for t, layer in zip(input_tensors, input_layers)}

    def source(tensor: Any) -> tuple[Any, Any]:
        if id(tensor) in inputs:
            layer = inputs[id(tensor)]
            return ("input", id(layer)), layer
        node, _ = tensor.history
        return node, node.layer

    def key_id(key: Any) -> Any:
        return key if isinstance(key, tuple) else id(key)

    visit_index: dict[int, int] = {}
    layers: dict[int, Any] = {}
    finished: list[tuple[Any, Any]] = []
    done: set[Any] = set()

    def visit(tensor: Any) -> None:
        key, layer = source(tensor)
        if key_id(key) in done:
            return
        visit_index.setdefault(id(layer), len(visit_index))
        layers[id(layer)] = layer
        if not isinstance(key, tuple):
            for parent in key.input_tensors:
                visit(parent)
        done.add(key_id(key))
        finished.append((key, layer))

    for tensor in output_tensors:
        visit(tensor)
    node_depth: dict[Any, int] = {}
    depth: dict[int, int] = {}
    for key, layer in reversed(finished):
        own = max(node_depth.setdefault(key_id(key), 0), depth.get(id(layer), 0))
        depth[id(layer)] = node_depth[key_id(key)] = own
        if isinstance(key, tuple):
            continue
        for parent in key.input_tensors:
            parent_id = key_id(source(parent)[0])
            node_depth[parent_id] = max(own + 1, node_depth.get(parent_id, 0))
    for layer in input_layers:
        if id(layer) not in depth:
            layers[id(layer)] = layer
            depth[id(layer)], visit_index[id(layer)] = 0, -1
    ordered = sorted(layers, key=lambda key: (-depth[key], visit_index[key]))
    return [layers[key] for key in ordered]
