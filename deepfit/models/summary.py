"""`model.summary()`'s text, as Keras 3 prints it: each layer with its output shape and
parameter count (and what it is connected to, for a graph that is not a plain chain), the
nested models' layers with `expand_nested`, a trainability column with `show_trainable`, then
the totals with their memory sizes.

Example:
    >>> print(format_summary(model, show_trainable=True))
"""

from __future__ import annotations

import re
import shutil
from typing import Any

from deepfit import tree
from deepfit.models.summary_table import column_widths, render_table


def _readable_bytes(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def _count_and_bytes(tensors: list[Any]) -> tuple[int, int]:
    unique = {id(t): t for t in tensors}.values()
    return (sum(t.numel() for t in unique),
            sum(t.numel() * t.element_size() for t in unique))


def _shape_text(shape: Any) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ")"


def _output_shape(layer: Any) -> str:
    """Keras's column: the shape(s) of the layer's last call, '?' before any."""
    nodes = layer.__dict__.get("_inbound_nodes") or []
    if nodes:
        shapes = [_shape_text(t.shape) for t in tree.flatten(nodes[-1].outputs)]
    else:
        shape = getattr(layer, "_output_shape", None)
        if shape is None:
            return "?"
        shapes = [_shape_text(s) for s in shape] if isinstance(shape, list) else [
            _shape_text(shape)]
    return shapes[0] if len(shapes) == 1 else "[" + ", ".join(shapes) + "]"


def _graph_nodes(model: Any) -> list[Any] | None:
    """The layer calls of a Functional model (None for other models)."""
    return getattr(model, "_nodes", None)


def _is_chain(model: Any) -> bool:
    """Keras's 'sequential-like' test: every layer is called once on one input and no two
    calls are at the same depth, so the 'Connected to' column would say nothing new."""
    nodes = _graph_nodes(model)
    if nodes is None:
        return True
    if len(model.inputs) > 1 or any(len(node.input_tensors) > 1 for node in nodes):
        return False
    called = [node.layer for node in nodes]
    if len({id(layer) for layer in called}) != len(called):
        return False
    consumed = [id(t) for node in nodes for t in node.input_tensors]
    return len(set(consumed)) == len(consumed)  # no output feeds two layers


def _connections(layer: Any, nodes: list[Any]) -> str:
    parts = []
    in_graph = {id(node) for node in nodes}
    for node in layer.__dict__.get("_inbound_nodes") or []:
        if id(node) not in in_graph:
            continue
        for tensor in node.input_tensors:
            producer, index = tensor.history
            calls = producer.layer.__dict__.get("_inbound_nodes") or [producer]
            call = next((i for i, n in enumerate(calls) if n is producer), 0)
            parts.append(f"{producer.layer.name}[{call}][{index}]")
    return ", ".join(parts) or "-"


def _fields(layer: Any, prefix: str, nodes: list[Any] | None, show_trainable: bool) -> list[str]:
    built = getattr(layer, "built", True)
    params = f"{layer.count_params():,}" if built else "0 (unbuilt)"
    row = [f"{prefix}{layer.name} ({type(layer).__name__})", _output_shape(layer), params]
    if nodes is not None:
        row.append(_connections(layer, nodes))
    if show_trainable:
        row.append(("Y" if layer.trainable else "N") if layer.weights else "-")
    return row


def _rows(layer: Any, level: int, nodes: list[Any] | None, expand_nested: bool,
          show_trainable: bool) -> list[list[str]]:
    prefix = "   " * level + "└ " if level else ""
    rows = [_fields(layer, prefix, nodes, show_trainable)]
    inner = getattr(layer, "layers", None) if expand_nested else None
    for sublayer in inner or []:
        rows.extend(_rows(sublayer, level + 1, nodes, expand_nested, show_trainable))
    return rows


def layer_index_range(layers: list[Any], layer_range: Any) -> tuple[int, int]:
    """Keras's `layer_range`: (first, last) layer names or regexes, both included."""
    if layer_range is None:
        return 0, len(layers)
    if len(layer_range) != 2:
        raise ValueError(f"layer_range must be a list or tuple of length 2. Received: "
                         f"layer_range = {layer_range} of length {len(layer_range)}")
    if not all(isinstance(name, str) for name in layer_range):
        raise ValueError(f"layer_range should contain string type only. Received: "
                         f"{layer_range}")
    lower = [i for i, layer in enumerate(layers) if re.match(layer_range[0], layer.name)]
    upper = [i for i, layer in enumerate(layers) if re.match(layer_range[1], layer.name)]
    if not lower or not upper:
        raise ValueError(f"Passed layer_names do not match the layer names in the model. "
                         f"Received: {layer_range}")
    if min(lower) > max(upper):
        return min(upper), max(lower) + 1
    return min(lower), max(upper) + 1


def _layout(chain: bool, show_trainable: bool, line_length: int | None,
            positions: Any) -> tuple[list[str], list[str], int, list[float]]:
    if chain:
        default, header = 88, ["Layer (type)", "Output Shape", "Param #"]
        positions, justify = positions or [0.45, 0.80, 1.0], ["left", "left", "right"]
    else:
        default = 108
        header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        positions = positions or [0.3, 0.56, 0.74, 1.0]
        justify = ["left", "left", "right", "left"]
    if show_trainable:
        default += 12
        positions = [p * 0.90 for p in positions] + [1.0]
        header, justify = header + ["Trainable"], justify + ["center"]
    default = min(default, shutil.get_terminal_size().columns - 4)
    return header, justify, line_length or default, list(positions)


def _totals(model: Any) -> list[str]:
    trainable, trainable_bytes = _count_and_bytes(model.trainable_weights)
    frozen, frozen_bytes = _count_and_bytes(model.non_trainable_weights)
    optimizer = _optimizer_state(model)
    total = trainable + frozen + (optimizer[0] if optimizer else 0)
    total_bytes = trainable_bytes + frozen_bytes + (optimizer[1] if optimizer else 0)
    lines = [f" Total params: {total:,} ({_readable_bytes(total_bytes)})",
             f" Trainable params: {trainable:,} ({_readable_bytes(trainable_bytes)})",
             f" Non-trainable params: {frozen:,} ({_readable_bytes(frozen_bytes)})"]
    if optimizer:
        lines.append(f" Optimizer params: {optimizer[0]:,} ({_readable_bytes(optimizer[1])})")
    return lines


def _optimizer_state(model: Any) -> tuple[int, int] | None:
    """(count, bytes) of a built optimizer's variables as Keras counts them: the iteration
    counter (int32), the learning rate (float32, unless a schedule) and the slots."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not getattr(optimizer, "built", False):
        return None
    count, size = _count_and_bytes(list(optimizer.variables))
    scalar_lr = getattr(optimizer, "_lr_fn", None) is None
    return count + 1 + int(scalar_lr), size + 4 + 4 * int(scalar_lr)


def format_summary(model: Any, line_length: int | None = None, positions: Any = None,
                   expand_nested: bool = False, show_trainable: bool = False,
                   layer_range: Any = None) -> str:
    """The summary text of a model, as Keras prints it.

    Args:
        model: a Sequential, Functional or subclassed model.
        line_length: the table's total width (default: Keras's 88, or 108 for a graph with a
            'Connected to' column, plus 12 with `show_trainable`; at most the terminal's width
            less 4).
        positions: the columns' right ends, as fractions of `line_length` (or in characters).
        expand_nested: list the layers of nested models under them.
        show_trainable: add a 'Trainable' column (Y, N, or - for layers without weights).
        layer_range: (first, last) layer names or regexes: only the layers between them.

    Returns:
        The text, lines separated by newlines.
    """
    chain = _is_chain(model)
    nodes = None if chain else _graph_nodes(model)
    header, justify, length, positions = _layout(chain, show_trainable, line_length,
                                                 positions)
    widths = column_widths(length, positions)
    layers = model.layers
    start, stop = layer_index_range(layers, layer_range)
    rows = [row for layer in layers[start:stop]
            for row in _rows(layer, 0, nodes, expand_nested, show_trainable)]
    lines = [f'Model: "{model.name}"', render_table(header, justify, widths, length, rows)]
    lines.extend(_totals(model))
    return "\n".join(lines)
