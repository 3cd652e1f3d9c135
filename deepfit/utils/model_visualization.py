"""`plot_model` and `model_to_dot`: a model's layer graph drawn with pydot and Graphviz, as
Keras's `keras.utils.plot_model` draws it (one box per layer, arrows along the data flow,
nested models as dashed clusters with `expand_nested=True`).

Needs the `pydot` package and Graphviz's `dot` program; without them `plot_model` raises an
ImportError saying what to install (in a notebook it prints that and returns, as Keras does).

Example:
    >>> deepfit.utils.plot_model(model, "model.png", show_shapes=True)
"""

from __future__ import annotations

import os
import sys
from typing import Any

from deepfit import tree

_PYDOT_MISSING = ("plot_model needs the pydot package to draw models: install it with "
                  "`pip install pydot` (and Graphviz, which provides the `dot` program).")
_GRAPHVIZ_MISSING = ("plot_model needs Graphviz's `dot` program to draw models: install "
                     "Graphviz (`apt-get install graphviz`, `brew install graphviz`, or see "
                     "https://graphviz.org/download/) so that `dot` is on the PATH.")


def _import_pydot() -> Any:
    """pydot, or one of its older forks (pydot_ng, pydotplus) as Keras accepts; None if none."""
    for name in ("pydot", "pydot_ng", "pydotplus"):
        try:
            return __import__(name)
        except ImportError:
            continue
    return None


def _graphviz_works(pydot: Any) -> bool:
    try:
        pydot.Dot.create(pydot.Dot())  # renders an empty graph with `dot`
    except (OSError, getattr(pydot, "PydotException", OSError)):
        return False
    return True


def _in_notebook() -> bool:
    return "IPython.core.magics.namespace" in sys.modules


def _check_built(model: Any) -> None:
    if not getattr(model, "built", False):
        raise ValueError("This model has not yet been built. Build the model first by calling "
                         "`build()` or by calling the model on a batch of data.")


def _check_kwargs(kwargs: dict[str, Any]) -> None:
    if kwargs.pop("layer_range", None) is not None:
        raise ValueError("Argument `layer_range` is no longer supported.")
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments: {kwargs}")


# ----------------------------------------------------------------------------- model kinds
def _is_sequential(model: Any) -> bool:
    from deepfit.models.sequential import Sequential

    return isinstance(model, Sequential)


def _is_functional(model: Any) -> bool:
    from deepfit.models.functional import Functional

    return isinstance(model, Functional)


def _is_graph_model(layer: Any) -> bool:
    return _is_sequential(layer) or _is_functional(layer)


# ----------------------------------------------------------------------------- labels
def _shape_text(shape: Any) -> str:
    if shape is None:
        return "?"
    if isinstance(shape, dict):
        text = ", ".join(f"{key}: {value}" for key, value in shape.items())
    else:
        text = str(shape)
    return text.replace("{", "").replace("}", "")


def _dtype_name(dtype: Any) -> str:
    return str(dtype).replace("torch.", "")


def _symbolic(layer: Any, which: str) -> Any:
    try:
        return getattr(layer, which)
    except (AttributeError, ValueError):
        return None


def _tensor_shapes(layer: Any, known: dict[int, tuple[Any, Any]]) -> tuple[Any, Any]:
    """(input shape(s), output shape(s)) of the layer's first call; `known` has them for
    layers of a Sequential model, which runs without a symbolic graph."""
    if id(layer) in known:
        return known[id(layer)]
    shapes = []
    for which in ("input", "output"):
        tensors = _symbolic(layer, which)
        shapes.append(None if tensors is None or tensors == [] else
                      tree.map_structure(lambda t: tuple(t.shape), tensors))
    return shapes[0], shapes[1]


def _output_dtype(layer: Any) -> Any:
    tensors = _symbolic(layer, "output")
    if tensors is None:
        return None
    return tree.map_structure(lambda t: _dtype_name(t.dtype), tensors)


def _activation_name(activation: Any) -> str:
    for attribute in ("name", "__name__"):
        if isinstance(getattr(activation, attribute, None), str):
            return getattr(activation, attribute)
    return str(activation)


def _cell(text: str, color: str = "white", font: str = "", colspan: int = 0) -> str:
    span = f' colspan="{colspan}"' if colspan else ""
    return f'<td bgcolor="{color}"{span}><font point-size="14"{font}>{text}</font></td>'


def _title_cell(text: str, colspan: int) -> str:
    return (f'<td colspan="{colspan}" bgcolor="black"><font point-size="16" color="white">'
            f"{text}</font></td>")


def _layer_label(layer: Any, options: dict[str, bool], shapes: tuple[Any, Any]) -> str:
    """The HTML-like Graphviz label of one layer's box: a black title row (name and class),
    then the activation, then shapes, dtype and trainability, as Keras draws it."""
    class_name = type(layer).__name__
    width = max(1, int(options["show_dtype"]) + int(options["show_trainable"])
                + 2 * int(options["show_shapes"]))
    title = f"<b>{layer.name}</b> ({class_name})" if options["show_layer_names"] else (
        f"<b>{class_name}</b>")
    rows = [_title_cell(title, width)]
    activation = getattr(layer, "activation", None)
    if options["show_layer_activations"] and activation is not None:
        rows.append(_cell(f"Activation: <b>{_activation_name(activation)}</b>", colspan=width))
    cells = []
    if options["show_shapes"]:
        if class_name != "InputLayer":
            cells.append(_cell(f"Input shape: <b>{_shape_text(shapes[0])}</b>"))
        cells.append(_cell(f"Output shape: <b>{_shape_text(shapes[1])}</b>"))
    if options["show_dtype"]:
        cells.append(_cell(f"Output dtype: <b>{_output_dtype(layer) or '?'}</b>"))
    if options["show_trainable"] and layer.weights:
        trains = layer.trainable
        cells.append(_cell(f"<b>{'Trainable' if trains else 'Non-trainable'}</b>",
                           "forestgreen" if trains else "firebrick", ' color="white"'))
    body = "".join(f"<tr>{row}</tr>" for row in rows)
    if cells:
        body += f"<tr>{''.join(cells)}</tr>"
    return ('<<table border="0" cellborder="1" bgcolor="black" cellpadding="10">'
            f"{body}</table>>")


def _node(pydot: Any, layer: Any, options: dict[str, bool],
          known: dict[int, tuple[Any, Any]]) -> Any:
    node = pydot.Node(str(id(layer)), label=_layer_label(layer, options,
                                                          _tensor_shapes(layer, known)))
    node.set("fontname", "Helvetica")
    node.set("border", "0")
    node.set("margin", "0")
    return node


def _add_edge(pydot: Any, dot: Any, source: Any, destination: Any) -> None:
    ends = (str(id(source)), str(id(destination)))
    if not dot.get_edge(*ends):
        edge = pydot.Edge(*ends)
        edge.set("penwidth", "2")
        dot.add_edge(edge)


# ----------------------------------------------------------------------------- graph walk
def _sequential_shapes(model: Any) -> dict[int, tuple[Any, Any]]:
    """Each layer's (input, output) shape in a Sequential model, from the shapes its build
    recorded (its layers run eagerly, without KerasTensors)."""
    known = {}
    previous = model.input_shape
    for layer in model.layers:
        output = getattr(layer, "_output_shape", None)
        if _is_graph_model(layer):
            output = layer.output_shape
        known[id(layer)] = (tuple(previous) if previous is not None else None,
                            tuple(output) if output is not None else None)
        previous = output
    return known


def _edges(model: Any) -> list[tuple[Any, Any, int, int]]:
    """(source layer, destination layer, source output index, destination input index)."""
    if _is_sequential(model):
        return [(a, b, 0, 0) for a, b in zip(model.layers, model.layers[1:])]
    edges = []
    for node in model._nodes:
        for input_index, tensor in enumerate(node.input_tensors):
            history = tensor.history
            if isinstance(history, tuple):
                edges.append((history[0].layer, node.layer, history[1], input_index))
    return edges


def _innermost_source(layer: Any, output_index: int) -> Any:
    while _is_graph_model(layer):
        if _is_sequential(layer):
            layer, output_index = layer.layers[-1], 0
        else:
            node, output_index = layer.outputs[output_index].history
            layer = node.layer
    return layer


def _innermost_destination(layer: Any, input_index: int) -> Any:
    while _is_graph_model(layer):
        if _is_sequential(layer):
            layer = layer.layers[0]
        else:
            layer = layer.inputs[input_index].history[0].layer
    return layer


def model_to_dot(
    model: Any,
    show_shapes: bool = False,
    show_dtype: bool = False,
    show_layer_names: bool = True,
    rankdir: str = "TB",
    expand_nested: bool = False,
    dpi: int = 200,
    subgraph: bool = False,
    show_layer_activations: bool = False,
    show_trainable: bool = False,
    splines: str = "ortho",
    **kwargs: Any,
) -> Any:
    """The model's layer graph as a `pydot.Dot` (a `pydot.Cluster` with `subgraph=True`).

    Args:
        model: a built Sequential, Functional or subclassed model (a subclassed model is one
            box, as in Keras: its graph is only known by running it).
        show_shapes: show each layer's input and output shapes.
        show_dtype: show each layer's output dtype.
        show_layer_names: show layer names besides their classes.
        rankdir: Graphviz's `rankdir`: 'TB' (top to bottom) or 'LR' (left to right).
        expand_nested: draw nested Functional/Sequential models' layers, as dashed clusters.
        dpi: the image resolution.
        subgraph: return a `pydot.Cluster` (used for nested models).
        show_layer_activations: show the activation of layers that have one.
        show_trainable: mark layers with weights as trainable or not.
        splines: Graphviz's edge style ('ortho', 'curved', 'polyline', 'spline', 'line').

    Returns:
        A `pydot.Dot` (or `pydot.Cluster`).

    Raises:
        ImportError: pydot is not installed.
        ValueError: the model is not built, or an unknown keyword argument.

    Example:
        >>> print(model_to_dot(model, show_shapes=True).to_string())
    """
    _check_built(model)
    pydot = _import_pydot()
    if pydot is None:
        raise ImportError(_PYDOT_MISSING)
    _check_kwargs(kwargs)
    if subgraph:
        dot = pydot.Cluster(style="dashed", graph_name=model.name)
        dot.set("label", model.name)
        dot.set("labeljust", "l")
    else:
        dot = pydot.Dot()
        dot.set("rankdir", rankdir)
        dot.set("concentrate", True)
        dot.set("dpi", dpi)
        dot.set("splines", splines)
        dot.set_node_defaults(shape="record")
    options = {"show_shapes": show_shapes, "show_dtype": show_dtype,
               "show_layer_names": show_layer_names,
               "show_layer_activations": show_layer_activations,
               "show_trainable": show_trainable}
    if not _is_graph_model(model):
        dot.add_node(_node(pydot, model, options, {}))
        return dot
    known = _sequential_shapes(model) if _is_sequential(model) else {}
    for layer in model.layers:
        if expand_nested and _is_graph_model(layer):
            dot.add_subgraph(model_to_dot(layer, show_shapes, show_dtype, show_layer_names,
                                          rankdir, expand_nested, subgraph=True,
                                          show_layer_activations=show_layer_activations,
                                          show_trainable=show_trainable))
        else:
            dot.add_node(_node(pydot, layer, options, known))
    for source, destination, output_index, input_index in _edges(model):
        if expand_nested:
            source = _innermost_source(source, output_index)
            destination = _innermost_destination(destination, input_index)
        _add_edge(pydot, dot, source, destination)
    return dot


def plot_model(
    model: Any,
    to_file: str | os.PathLike = "model.png",
    show_shapes: bool = False,
    show_dtype: bool = False,
    show_layer_names: bool = False,
    rankdir: str = "TB",
    expand_nested: bool = False,
    dpi: int = 200,
    show_layer_activations: bool = False,
    show_trainable: bool = False,
    splines: str = "ortho",
    **kwargs: Any,
) -> Any:
    """Draw the model's layer graph into an image file, as Keras's `plot_model`.

    Args:
        model: a built model.
        to_file: the file to write; its extension picks the format (png, svg, pdf, dot, ...;
            png when there is none).
        show_shapes, show_dtype, show_layer_names, rankdir, expand_nested, dpi,
        show_layer_activations, show_trainable, splines: see `model_to_dot`.

    Returns:
        An `IPython.display.Image` of the file when IPython is installed and can embed the
        format (png, jpeg, gif), so a notebook shows it; otherwise None.

    Raises:
        ImportError: pydot or Graphviz is missing (the message says what to install; in a
            notebook the message is printed instead and nothing is drawn, as in Keras).
        ValueError: the model is not built, or an unknown keyword argument.

    Example:
        >>> plot_model(model, "model.png", show_shapes=True, rankdir="LR")
    """
    _check_built(model)
    pydot = _import_pydot()
    missing = _PYDOT_MISSING if pydot is None else (
        None if _graphviz_works(pydot) else _GRAPHVIZ_MISSING)
    if missing:
        if _in_notebook():
            print(missing)
            return None
        raise ImportError(missing)
    _check_kwargs(kwargs)
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype,
                       show_layer_names=show_layer_names, rankdir=rankdir,
                       expand_nested=expand_nested, dpi=dpi,
                       show_layer_activations=show_layer_activations,
                       show_trainable=show_trainable, splines=splines)
    to_file = str(to_file)
    extension = os.path.splitext(to_file)[1][1:] or "png"
    dot.write(to_file, format=extension)
    if extension == "pdf":
        return None
    try:
        from IPython import display
    except ImportError:
        return None
    try:
        return display.Image(filename=to_file)
    except ValueError:  # a format IPython cannot embed (svg, dot): the file is written
        return None
