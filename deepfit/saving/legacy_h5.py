"""The legacy HDF5 formats Keras 3 still writes and reads: `model.save("m.h5")`,
`load_model("m.h5")` and `load_weights("w.h5")` (tf.keras 2's `save_weights`, and Keras's
published pretrained weights).

The layout (Keras's `legacy_h5_format`): the file's attributes hold `model_config` (the model's
JSON config, as in `.keras` files) and `training_config` (the compile arguments); the group
`model_weights` (or the file's root for a weights-only file) lists `layer_names` and has one
group per layer, whose `weight_names` attribute lists its weights — trainable first, then
non-trainable — stored as datasets at those paths; `optimizer_weights` holds the optimizer's
variables in Keras's order. Layers are matched by position among the layers that have weights,
or by name with `by_name=True`.

Every read goes through `safe_h5` (no links, no external data, shapes checked before reading)
and loading is all-or-nothing.

Example:
    >>> save_model_h5(model, "m.h5")
    >>> model = load_model_h5("m.h5")
"""

from __future__ import annotations

import json
import os
import warnings
from typing import Any

import numpy as np
import torch

from deepfit.saving import safe_h5
from deepfit.saving.atomic import atomic_write
from deepfit.saving.errors import FileFormatError, require_h5py

_VERSION = "3.5.0"
_BACKEND = "torch"


# ----------------------------------------------------------------------------- weight lists
def legacy_weights(layer: Any) -> list[torch.Tensor]:
    """A layer's (or nested model's) weights as the legacy files list them: trainable first,
    then non-trainable, each in Keras's order."""
    from deepfit.saving.weights_file import keras_weights

    ordered = keras_weights(layer)
    trainable = {id(w) for w in layer.trainable_weights}
    return ([w for w in ordered if id(w) in trainable]
            + [w for w in ordered if id(w) not in trainable])


def _weight_names(layer: Any) -> dict[int, str]:
    """id(weight) -> a path like Keras's (`<layer>/<attribute>`, `<model>/<layer>/<attribute>`
    for a nested model's layers); only the order matters when reading."""
    from deepfit.saving.weights_file import walk

    names: dict[int, str] = {}
    for _, owner, weights in walk(layer):
        attributes = {id(t): n for n, t in [*owner.named_parameters(recurse=False),
                                            *owner.named_buffers(recurse=False)]}
        base = layer.name if owner is layer else f"{layer.name}/{owner.name}"
        for i, weight in enumerate(weights):
            names[id(weight)] = f"{base}/{attributes.get(id(weight), f'weight_{i}')}"
    return names


def _model_layers(model: Any) -> list[Any]:
    from deepfit.saving.weights_file import model_layers

    layers = model_layers(model)
    if layers is None:
        raise ValueError(f"model '{model.name}' is not a Sequential or Functional model: the "
                         "legacy .h5 format stores layer lists; use .keras or .weights.h5")
    return layers


# ----------------------------------------------------------------------------- writing
def write_weights_group(group: Any, model: Any) -> None:
    """Write `model`'s layers into `group` in the legacy layout (`model_weights`)."""
    layers = _model_layers(model)
    group.attrs["layer_names"] = np.array([layer.name.encode() for layer in layers])
    group.attrs["backend"] = _BACKEND.encode()
    group.attrs["keras_version"] = _VERSION.encode()
    for layer in sorted(layers, key=lambda item: item.name):
        layer_group = group.create_group(layer.name)
        weights = legacy_weights(layer)
        names = _weight_names(layer)
        _write_subset(layer_group, [(_unique(names[id(w)], i, names), w)
                                    for i, w in enumerate(weights)])
    _write_subset(group.create_group("top_level_model_weights"), [])


def _unique(name: str, index: int, names: dict[int, str]) -> str:
    return name if list(names.values()).count(name) == 1 else f"{name}_{index}"


def _write_subset(group: Any, named: list[tuple[str, Any]]) -> None:
    group.attrs["weight_names"] = np.array([name.encode() for name, _ in named], dtype="S")
    for name, value in named:
        array = value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else value
        group.create_dataset(name, data=np.asarray(array))


def save_model_h5(model: Any, filepath: str | os.PathLike, overwrite: bool = True,
                  include_optimizer: bool = True) -> None:
    """`model.save("m.h5")`: the legacy HDF5 model file (config, weights, compile arguments and
    optimizer variables), readable by Keras 3's `load_model`.

    Args:
        model: a built Sequential or Functional model.
        filepath: the destination, ending in `.h5` or `.hdf5`.
        overwrite: replace an existing file (else raise `FileExistsError`).
        include_optimizer: also store the optimizer's variables.
    """
    from deepfit.saving.model_config import serialize_model
    from deepfit.saving.optimizer_variables import optimizer_arrays
    from deepfit.saving.weights_file import keras_trainable_weights

    path = os.fspath(filepath)
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"save: {path!r} exists and overwrite=False")
    h5py = require_h5py("Saving a model")
    config = serialize_model(model, include_compile=True)
    compile_config = config.pop("compile_config", None)
    with atomic_write(path) as handle, h5py.File(handle, "w") as h5:
        h5.attrs["backend"] = _BACKEND
        h5.attrs["keras_version"] = _VERSION
        h5.attrs["model_config"] = json.dumps(config).encode()
        if compile_config is not None:
            h5.attrs["training_config"] = json.dumps(_training_config(compile_config)).encode()
        write_weights_group(h5.create_group("model_weights"), model)
        optimizer = getattr(model, "optimizer", None)
        if include_optimizer and optimizer is not None and optimizer.built:
            arrays = optimizer_arrays(optimizer, model, keras_trainable_weights(model))
            named = [(f"{optimizer.name}/variable_{i}", a) for i, a in enumerate(arrays)]
            _write_subset(h5.create_group("optimizer_weights"), named)


def _function_names(value: Any) -> Any:
    if isinstance(value, dict):
        if value.get("class_name") == "function" and isinstance(value.get("config"), str):
            return value["config"]
        return {k: _function_names(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_function_names(v) for v in value]
    return value


def _training_config(compile_config: dict[str, Any]) -> dict[str, Any]:
    # Keras's legacy reader takes built-in losses and metrics by name, not as function dicts.
    training = {k: _function_names(v) for k, v in compile_config.items() if k != "optimizer"}
    optimizer = compile_config.get("optimizer")
    if isinstance(optimizer, dict):
        training["optimizer_config"] = {"class_name": optimizer["class_name"],
                                        "config": optimizer["config"]}
    return training


# ----------------------------------------------------------------------------- reading
def is_legacy_file(h5: Any) -> bool:
    """Whether an open HDF5 file is in the legacy layout (model or weights)."""
    return "layer_names" in h5.attrs or ("model_weights" in h5 and "vars" not in h5)


def _names(item: Any, attribute: str) -> list[str]:
    """A (possibly chunked: `name0`, `name1`, ...) list-of-strings attribute."""
    if attribute in item.attrs:
        values = list(item.attrs[attribute])
    else:
        values, chunk = [], 0
        while f"{attribute}{chunk}" in item.attrs:
            values.extend(item.attrs[f"{attribute}{chunk}"])
            chunk += 1
    return [v.decode() if isinstance(v, bytes) else str(v) for v in values]


def _weights_root(h5: Any) -> Any:
    if "layer_names" not in h5.attrs and "model_weights" in h5:
        return safe_h5.node(h5, "model_weights")
    return h5


def _layer_nodes(root: Any, name: str) -> list[Any]:
    group = safe_h5.node(root, name)
    if group is None:
        raise ValueError(f"the file lists layer '{name}' but has no group for it")
    nodes = []
    for weight_name in _names(group, "weight_names"):
        item = safe_h5.node(group, weight_name)
        if item is None:
            raise ValueError(f"'{group.name}/{weight_name}' is listed but missing")
        nodes.append(safe_h5.check_dataset(item, f"'{group.name}/{weight_name}'"))
    return nodes


def read_legacy_weights(model: Any, h5: Any, skip_mismatch: bool = False,
                        by_name: bool = False) -> None:
    """Load legacy-layout weights into `model`, all or nothing.

    Args:
        model: a built Sequential or Functional model.
        h5: the open file (a model file's `model_weights` or a weights file's root is used).
        skip_mismatch: warn about and skip weights whose shapes (or layers whose weight
            counts) differ, instead of raising.
        by_name: match layers by name (layers absent from the file keep their weights).

    Raises:
        ValueError: a layer count, weight count or shape that does not match.
    """
    root = _weights_root(h5)
    saved = [n for n in _names(root, "layer_names") if _names(safe_h5.node(root, n)
                                                                 or root, "weight_names")
             and safe_h5.node(root, n) is not None]
    layers = [layer for layer in _model_layers(model) if legacy_weights(layer)]
    if by_name:
        index = {layer.name: layer for layer in layers}
        pairs = [(name, index[name]) for name in saved if name in index]
    else:
        if len(saved) != len(layers):
            raise ValueError(f"Layer count mismatch: model '{model.name}' has {len(layers)} "
                             f"layers with weights, the file has {len(saved)}")
        pairs = list(zip(saved, layers))
    assignments = []
    for name, layer in pairs:
        nodes, weights = _layer_nodes(root, name), legacy_weights(layer)
        if len(nodes) != len(weights):
            message = (f"Weight count mismatch for layer '{layer.name}' ('{name}' in the "
                       f"file): it expects {len(weights)} weight(s), the file has {len(nodes)}")
            if not skip_mismatch:
                raise ValueError(message)
            warnings.warn(f"Skipping loading weights: {message}", stacklevel=3)
            continue
        for weight, item in zip(weights, nodes):
            if tuple(weight.shape) != tuple(item.shape):
                message = (f"Shape mismatch in layer '{layer.name}' for weight "
                           f"'{item.name}': expected {tuple(weight.shape)}, the file has "
                           f"{tuple(item.shape)}")
                if not skip_mismatch:
                    raise ValueError(message)
                warnings.warn(f"Skipping loading weights: {message}", stacklevel=3)
                continue
            assignments.append((weight, item))
    from deepfit.saving.weights_file import assign

    assign([(weight, np.asarray(item[()])) for weight, item in assignments])


def load_model_h5(path: str, custom_objects: Any = None, compile: bool = True,
                  safe_mode: bool = True) -> Any:
    """`load_model("m.h5")`: a model saved by Keras's or deepfit's `model.save("m.h5")`.

    Args:
        path: the file (already known to be HDF5).
        custom_objects: your classes and functions by name.
        compile: compile it from the stored `training_config`, as Keras does.
        safe_mode: refuse Lambda layers.

    Raises:
        FileFormatError: no model config, or weights that do not fit it; names the file.
    """
    from deepfit.saving.archive import open_hdf5
    from deepfit.saving.model_config import compile_from_config, deserialize_model
    from deepfit.saving.serialization import refuse_code

    with open_hdf5(path, path, "it") as h5:
        config = _json_attribute(h5, "model_config", path)
        if config is None:
            raise FileFormatError(path, "it is an HDF5 file without a model config (a weights "
                                        "file?): build the model and call load_weights()")
        try:
            refuse_code(config, "model_config")
            model = deserialize_model(config, custom_objects, safe_mode=safe_mode,
                                      compile=False)
            read_legacy_weights(model, h5)
        except (ValueError, TypeError, KeyError) as err:
            raise FileFormatError(path, f"its model cannot be rebuilt: {err}") from err
        except RecursionError:
            raise FileFormatError(path, "its model_config is nested too deeply") from None
        training = _json_attribute(h5, "training_config", path) if compile else None
        if training:
            compile_config = {k: v for k, v in training.items() if k != "optimizer_config"}
            compile_config["optimizer"] = training.get("optimizer_config")
            compile_from_config(model, compile_config, custom_objects)
            _load_optimizer(model, h5, path)
    return model


def _load_optimizer(model: Any, h5: Any, path: str) -> None:
    from deepfit.saving.optimizer_variables import load_optimizer_arrays, optimizer_arrays
    from deepfit.saving.weights_file import keras_trainable_weights

    group = safe_h5.node(h5, "optimizer_weights")
    if group is None or model.optimizer is None:
        return
    nodes = []
    for name in _names(group, "weight_names"):
        item = safe_h5.node(group, name)
        if item is None:
            return
        nodes.append(safe_h5.check_dataset(item, f"'{group.name}/{name}'"))
    order = keras_trainable_weights(model)
    expected = optimizer_arrays(model.optimizer, model, order)
    if [tuple(n.shape) for n in nodes] != [tuple(np.shape(e)) for e in expected]:
        warnings.warn(f"Skipping the optimizer state in '{path}': it does not match optimizer "
                      f"'{model.optimizer.name}'", stacklevel=3)
        return
    load_optimizer_arrays(model.optimizer, model, order, safe_h5.read_nodes(nodes), path)


def _json_attribute(h5: Any, name: str, path: str) -> Any:
    value = safe_h5.attribute(h5, name)
    if value is None:
        return None
    try:
        return json.loads(value)
    except (ValueError, RecursionError) as err:
        raise FileFormatError(path, f"its {name} is not valid JSON ({err})") from None
