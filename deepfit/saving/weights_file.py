"""Model weights in Keras 3's HDF5 layout (`model.weights.h5`, `*.weights.h5`).

Keras walks a model like this, and so do we: the model's own variables go to `vars/`; a
Sequential or Functional model's layers go under `layers/<snake_case class name>[_n]/vars/`
(numbered per class in layer order, e.g. `layers/dense`, `layers/dense_1`); a layer's sublayers
go under their attribute names (`layers/lstm/cell/vars`); the optimizer's variables go to
`optimizer/vars/`. Each `vars` group holds datasets `0`, `1`, ... (trainable weights first) and
a `name` attribute.

Loading checks every count and shape before changing anything, so a mismatched file leaves the
model as it was (or, with `skip_mismatch=True`, loads what fits and warns about the rest).

Example:
    >>> with h5py.File("model.weights.h5", "w") as f:
    ...     write_model(model, f)
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch

from deepfit.saving.optimizer_variables import load_optimizer_arrays, optimizer_arrays
from deepfit.saving.safe_h5 import attribute, dataset_nodes, node, read_nodes


def snake_case(name: str) -> str:
    """Keras's `to_snake_case`: `BatchNormalization` → `batch_normalization`."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


# ----------------------------------------------------------------------------- the walk
def model_layers(model: Any) -> list[Any] | None:
    """A Sequential/Functional model's layers in Keras's order; None for other objects."""
    from deepfit.models.functional import Functional
    from deepfit.models.sequential import Sequential

    if isinstance(model, Sequential):
        return list(model.layers)
    if isinstance(model, Functional):
        from deepfit.saving.functional_config import keras_layer_order

        return keras_layer_order(model)
    return None


def _children(obj: Any) -> Iterator[tuple[str, Any]]:
    """(relative path, child layer) pairs in Keras's visiting order."""
    from deepfit.layers import tracking
    from deepfit.layers.layer import Layer

    layers = model_layers(obj)
    if layers is not None:
        yield from _container("layers", layers)
        return
    # A subclassed Model also has a `layers` attribute (its sublayers in tracking order), which
    # Keras visits among the others in sorted order: layers no attribute sorted before it
    # claimed are saved under `layers/<class>_n`.
    listed = _subclassed_model(obj)
    for name in sorted(obj._modules, key=_name_key):
        if listed and _name_key(name) > "layers":
            listed = False
            yield from _container("layers", list(obj.layers))
        child = obj._modules[name]
        if isinstance(child, Layer):
            yield name, child
        elif isinstance(child, tracking.CONTAINERS):
            yield from _container(name, list(tracking.children(child)))
    if listed:
        yield from _container("layers", list(obj.layers))


def _name_key(name: str) -> str:
    """Keras visits attributes in sorted order, private ones ('_...') last."""
    return f"~{name}" if name.startswith("_") else name


def _subclassed_model(obj: Any) -> bool:
    from deepfit.models.model import Model

    return isinstance(obj, Model)


def _container(path: str, items: list[Any]) -> Iterator[tuple[str, Any]]:
    from deepfit.layers.layer import Layer

    used: dict[str, int] = {}
    for item in items:
        if not isinstance(item, Layer):
            continue
        name = snake_case(type(item).__name__)
        if name in used:
            used[name] += 1
            name = f"{name}_{used[name]}"
        else:
            used[name] = 0
        yield f"{path}/{name}", item


def walk(model: Any) -> list[tuple[str, Any, list[torch.Tensor]]]:
    """Every (path, layer, own weights) of a model, each layer once, in Keras's order.

    A layer's own weights are those it declares (`add_weight` or an attribute) and those not
    owned by one of its sublayers; the model comes first with path "".
    """
    found: list[tuple[str, Any, list[torch.Tensor]]] = []
    seen: set[int] = set()

    def visit(obj: Any, path: str) -> None:
        if id(obj) in seen:
            return
        seen.add(id(obj))
        children = list(_children(obj))
        inner = {id(w) for _, child in children for w in child.weights}
        # a sublayer's weight the layer also keeps as its own attribute (SpectralNormalization's
        # kernel) is stored under both, as Keras tracks it twice
        declared = obj._own_weights() if hasattr(obj, "_own_weights") else []
        ids = {id(w) for w in declared}
        found.append((path, obj, declared + [w for w in obj.weights
                                             if id(w) not in inner and id(w) not in ids]))
        for relative, child in children:
            visit(child, f"{path}/{relative}" if path else relative)

    visit(model, "")
    return found


def other_paths(model: Any) -> dict[int, list[str]]:
    """`{id(layer): paths}`: where else Keras's walk meets each layer after its first path
    (a layer kept in two attributes, or in an attribute and a subclassed model's `layers`).
    Keras's loader tries these in turn when the first has no weights for the layer, and so
    does `read_model` (files written by other versions put such layers elsewhere)."""
    found: dict[int, list[str]] = {}
    first: set[int] = set()

    def visit(obj: Any, path: str, stack: tuple[int, ...]) -> None:
        if id(obj) in stack:
            return
        if id(obj) in first:
            found.setdefault(id(obj), []).append(path)
        first.add(id(obj))
        for relative, child in _children(obj):
            visit(child, f"{path}/{relative}" if path else relative, (*stack, id(obj)))

    visit(model, "", ())
    return found


def keras_weights(layer: Any) -> list[torch.Tensor]:
    """A layer's (or model's) weights in the order of Keras's `layer.weights`: its own, then
    each sublayer's in the order they were assigned (a Sequential's or Functional's layers in
    Keras's layer order). Keras builds the optimizer on this order.

    Example:
        >>> [tuple(w.shape) for w in keras_weights(Dense(2))]  # after building on 3 features
        [(3, 2), (2,)]
    """
    ordered: list[torch.Tensor] = []
    seen: set[int] = set()

    def visit(obj: Any) -> None:
        children = model_layers(obj)
        if children is None:
            children = list(obj._sublayers())
        inner = {id(w) for child in children for w in child.weights}
        for weight in obj.weights:
            if id(weight) not in inner and id(weight) not in seen:
                seen.add(id(weight))
                ordered.append(weight)
        for child in children:
            visit(child)

    visit(layer)
    return ordered + [w for w in layer.weights if id(w) not in seen]


def keras_trainable_weights(model: Any) -> list[torch.Tensor]:
    """The model's trainable weights in Keras's order (the optimizer variables' order)."""
    trainable = {id(w) for w in model.trainable_weights}
    ordered = [w for w in keras_weights(model) if id(w) in trainable]
    listed = {id(w) for w in ordered}
    return ordered + [w for w in model.trainable_weights if id(w) not in listed]


def _trainable_first(weights: list[torch.Tensor], layer: Any) -> list[torch.Tensor]:
    trainable = {id(w) for w in layer.trainable_weights}
    return ([w for w in weights if id(w) in trainable]
            + [w for w in weights if id(w) not in trainable])


# ----------------------------------------------------------------------------- writing
def write_model(model: Any, h5: Any, include_optimizer: bool = True) -> None:
    """Write the model's weights (and optimizer variables) into an open HDF5 file or group.

    Args:
        model: a built deepfit model or layer.
        h5: an `h5py.File` or `h5py.Group` opened for writing.
        include_optimizer: also write `optimizer/vars` when the model has an optimizer.
    """
    for path, layer, weights in walk(model):
        group = h5.create_group(f"{path}/vars" if path else "vars")
        group.attrs["name"] = layer.name
        for i, weight in enumerate(_ordered(layer, weights)):
            group.create_dataset(str(i), data=weight.detach().cpu().numpy())
    optimizer = getattr(model, "optimizer", None)
    if include_optimizer and optimizer is not None:
        group = h5.create_group("optimizer/vars")
        group.attrs["name"] = optimizer.name
        arrays = optimizer_arrays(optimizer, model, keras_trainable_weights(model))
        for i, array in enumerate(arrays):
            group.create_dataset(str(i), data=array)


def _ordered(layer: Any, weights: list[torch.Tensor]) -> list[torch.Tensor]:
    # Keras stores a layer's trainable variables before its non-trainable ones.
    return _trainable_first(weights, layer) if weights else weights


# ----------------------------------------------------------------------------- reading
def read_model(model: Any, h5: Any, source: str, skip_mismatch: bool = False,
               include_optimizer: bool = True, by_name: bool = False) -> None:
    """Load weights (and optimizer variables) from an open HDF5 file in Keras's layout.

    All or nothing: every group is checked and read before the first weight changes, so an
    error leaves the model (and its optimizer) exactly as they were.

    Args:
        model: a built deepfit model or layer with the saved architecture.
        h5: an `h5py.File` opened for reading.
        source: the file's name, for messages.
        skip_mismatch: load the layers that match and warn about the others, instead of
            raising.
        include_optimizer: also load `optimizer/vars` into the model's optimizer.
        by_name: the model was rebuilt from the same file, so layer names match the groups'
            `name` attributes; where the position says otherwise, trust the name.

    Raises:
        ValueError: counts or shapes differ (before any weight changes), unless
            `skip_mismatch`; links, external data or non-numeric datasets in the file.
    """
    assignments: list[tuple[torch.Tensor, np.ndarray]] = []
    problems: list[str] = []
    elsewhere = other_paths(model)
    for path, layer, weights in walk(model):
        if by_name:
            path = _named_path(h5, path, layer.name)
        arrays, problem = _read_group(h5, path, layer, _ordered(layer, weights))
        for other in elsewhere.get(id(layer), []) if problem is not None else []:
            other_arrays, other_problem = _read_group(h5, other, layer, _ordered(layer, weights))
            if other_problem is None:
                arrays, problem = other_arrays, None
                break
        if problem is None:
            assignments.extend(zip(_ordered(layer, weights), arrays))
        else:
            problems.append(problem)
    if problems:
        message = (f"{len(problems)} layer(s) of '{model.name}' could not be loaded from "
                   f"{source}: " + "; ".join(problems))
        if not skip_mismatch:
            raise ValueError(message)
        warnings.warn(message, stacklevel=3)
    optimizer = getattr(model, "optimizer", None)
    optimizer_state = None
    if include_optimizer and optimizer is not None:
        optimizer_state = _read_optimizer(model, optimizer, h5, source)
    assign(assignments)
    if optimizer_state:
        load_optimizer_arrays(optimizer, model, keras_trainable_weights(model), optimizer_state,
                              source)


def assign(assignments: list[tuple[torch.Tensor, np.ndarray]]) -> None:
    """Copy checked arrays into their weights (after every check has passed)."""
    with torch.no_grad():
        for weight, array in assignments:
            weight.copy_(torch.as_tensor(array, dtype=weight.dtype))


def _read_optimizer(model: Any, optimizer: Any, h5: Any, source: str) -> list[np.ndarray]:
    """The stored optimizer variables, read only when their count and shapes fit."""
    nodes = dataset_nodes(node(h5, "optimizer/vars"))
    if not nodes:
        return []
    if model.trainable_weights:
        optimizer.build(model.trainable_weights)  # as Keras's compile_from_config does
    expected = optimizer_arrays(optimizer, model, keras_trainable_weights(model))
    if len(nodes) != len(expected):
        # load_optimizer_arrays warns about the count; only scalars (a file saved before the
        # first step: iterations and learning rate) are worth reading.
        if all(item.shape == () for item in nodes):
            return read_nodes(nodes)
        return [np.zeros(())] * len(nodes)
    for k, (item, want) in enumerate(zip(nodes, expected)):
        if tuple(item.shape) != tuple(np.shape(want)):
            warnings.warn(f"Skipping the optimizer state in {source}: variable {k} has shape "
                          f"{tuple(item.shape)}, expected {tuple(np.shape(want))}",
                          stacklevel=4)
            return []
    return read_nodes(nodes)


def _named_path(h5: Any, path: str, name: str) -> str:
    """`path`, or the sibling group whose `vars` carry `name` if `path`'s do not."""
    if not path or _group_name(h5, path) == name:
        return path
    parent = path.rsplit("/", 1)[0] if "/" in path else ""
    siblings = node(h5, parent) if parent else None
    for key in siblings.keys() if hasattr(siblings, "keys") else ():
        if _group_name(h5, f"{parent}/{key}") == name:
            return f"{parent}/{key}"
    return path


def _group_name(h5: Any, path: str) -> str | None:
    return attribute(node(h5, f"{path}/vars"), "name")


def _read_group(h5: Any, path: str, layer: Any, weights: list[torch.Tensor]
                ) -> tuple[list[np.ndarray], str | None]:
    group_path = f"{path}/vars" if path else "vars"
    nodes = dataset_nodes(node(h5, group_path))
    where = f"'{group_path}'"
    if len(nodes) != len(weights):
        expected = [tuple(w.shape) for w in weights]
        return [], (f"layer '{layer.name}' ({type(layer).__name__}) expects {len(weights)} "
                    f"weight(s) {expected}, the file has {len(nodes)} at {where}")
    for i, (weight, item) in enumerate(zip(weights, nodes)):
        if tuple(weight.shape) != tuple(item.shape):
            return [], (f"layer '{layer.name}': weight {i} has shape {tuple(weight.shape)}, "
                        f"the file has {tuple(item.shape)} at {where}")
    return read_nodes(nodes), None
