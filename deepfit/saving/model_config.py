"""Whole models ↔ Keras's config.json: Sequential, Functional and registered custom models,
with the compile configuration (optimizer, losses, metrics).

Example:
    >>> config = serialize_model(model)
    >>> config["class_name"], sorted(config["compile_config"])[:2]
    ('Sequential', ['jit_compile', 'loss'])
    >>> clone = deserialize_model(config)
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping
from typing import Any

from deepfit.object_registration import available_custom_objects, get_registered_name
from deepfit.saving.serialization import (
    build_from_shape,
    declared_input_entry,
    deserialize_layer,
    function_reference,
    lookup_custom,
    sanitize,
    serialize_layer,
    to_keras,
)


# ----------------------------------------------------------------------------- models
def serialize_model(model: Any, include_compile: bool = True) -> dict[str, Any]:
    """A model as Keras writes it in config.json.

    Args:
        model: a Sequential, Functional or subclassed deepfit model (subclasses must implement
            `get_config` and be passed in `custom_objects` when loading).
        include_compile: add the `compile_config` of a compiled model.

    Returns:
        `{"module", "class_name", "config", "registered_name", "build_config"[,
        "compile_config"]}`.
    """
    from deepfit.models.functional import Functional
    from deepfit.models.sequential import Sequential

    if isinstance(model, Sequential):
        entry = {"module": "keras", "class_name": "Sequential",
                 "config": _sequential_config(model), "registered_name": None}
    elif isinstance(model, Functional) and type(model) is Functional:
        from deepfit.saving.functional_config import serialize_functional

        entry = {"module": "keras.src.models.functional", "class_name": "Functional",
                 "config": serialize_functional(model, serialize_layer),
                 "registered_name": "Functional"}
    else:
        cls = type(model)
        entry = {"module": cls.__module__, "class_name": cls.__name__,
                 "config": to_keras(model.get_config()),
                 "registered_name": get_registered_name(cls)}
    shape = getattr(model, "_build_input_shape", None)
    entry["build_config"] = {"input_shape": to_keras(shape) if model.built else None}
    if include_compile:
        compile_config = serialize_compile(model)
        if compile_config is not None:
            entry["compile_config"] = compile_config
    return entry


def _sequential_config(model: Any) -> dict[str, Any]:
    layers = [serialize_layer(layer) for layer in model.layers]
    if model._input_layer is not None:
        layers.insert(0, serialize_layer(model._input_layer))
    elif model.layers:
        declared = declared_input_entry(model.layers[0])
        if declared is not None:
            layers.insert(0, declared)
    config = {"name": model.name, "trainable": model.trainable, "dtype": "float32",
              "layers": layers}
    if model.built and model._build_input_shape is not None:
        config["build_input_shape"] = to_keras(model._build_input_shape)
    return config


def deserialize_model(config: Mapping[str, Any], custom_objects: Mapping[str, Any] | None = None,
                      safe_mode: bool = True, compile: bool = True) -> Any:
    """A model from its config.json entry (deepfit's or Keras's).

    Args:
        config: the parsed entry.
        custom_objects: your classes and functions, by name.
        safe_mode: refuse Lambda layers.
        compile: apply the `compile_config`, if any.

    Returns:
        The model, built, weights freshly initialized.

    Raises:
        ValueError: unknown classes or an unusable config.
    """
    class_name = config.get("class_name")
    inner = config.get("config") or {}
    custom = lookup_custom(config, custom_objects)

    def make_layer(entry: Mapping[str, Any]) -> Any:
        return deserialize_layer(entry, custom_objects, safe_mode)

    if custom is not None:
        model = custom.from_config(dict(inner))
        _build_custom(model, (config.get("build_config") or {}).get("input_shape"))
    elif class_name == "Sequential":
        model = _sequential_from_config(inner, make_layer)
    elif class_name in ("Functional", "Model"):
        from deepfit.saving.functional_config import functional_from_config

        model = functional_from_config(inner, make_layer)
    else:
        raise ValueError(
            f"unknown model class '{class_name}' (module {config.get('module')!r}): deepfit "
            "rebuilds Sequential and Functional models itself; for your own Model subclass "
            f"pass custom_objects={{'{class_name}': YourModel}}"
        )
    compile_config = config.get("compile_config")
    if compile and compile_config:
        compile_from_config(model, compile_config, custom_objects)
    return model


def _sequential_from_config(inner: Mapping[str, Any], make_layer: Any) -> Any:
    from deepfit.models.sequential import Sequential

    layers = [make_layer(entry) for entry in inner.get("layers", [])]
    model = Sequential(layers, name=inner.get("name"), trainable=inner.get("trainable", True))
    shape = inner.get("build_input_shape")
    if not model.built and isinstance(shape, (list, tuple)) and model.layers:
        model.build(tuple(shape))
    return model


def _build_custom(model: Any, shape: Any) -> None:
    if shape is None or model.weights:
        return
    if type(model).build is not _model_build():
        build_from_shape(model, shape)
        return
    import torch

    from deepfit import config as deepfit_config

    device = deepfit_config.get_device()

    def zeros(spec: Any) -> Any:
        # One shape, or a list/dict of shapes for a model with several inputs.
        if isinstance(spec, dict):
            return {key: zeros(value) for key, value in spec.items()}
        if isinstance(spec, (list, tuple)) and spec and all(
                isinstance(item, (list, tuple, dict)) for item in spec):
            return [zeros(item) for item in spec]
        return torch.zeros([1 if d is None else int(d) for d in spec], device=device)

    with torch.no_grad():
        model(zeros(shape), training=False)


def _model_build() -> Any:
    from deepfit.models.model import Model

    return Model.build


# ----------------------------------------------------------------------------- compile
def serialize_compile(model: Any) -> dict[str, Any] | None:
    """The `compile_config` of a compiled model (None if it was never compiled).

    Args:
        model: a deepfit model.

    Returns:
        `{"optimizer", "loss", "loss_weights", "metrics", "weighted_metrics", "run_eagerly",
        "steps_per_execution", "jit_compile"}` in Keras's layout.
    """
    saved = getattr(model, "_compile_config", None)
    if not getattr(model, "compiled", False) or saved is None:
        return None
    return {
        "optimizer": serialize_optimizer(model.optimizer),
        "loss": _serialize_entries(saved.get("loss"), "loss"),
        "loss_weights": to_keras(saved.get("loss_weights")),
        "metrics": _serialize_entries(saved.get("metrics"), "metric"),
        "weighted_metrics": _serialize_entries(saved.get("weighted_metrics"), "metric"),
        "run_eagerly": bool(saved.get("run_eagerly", False)),
        "steps_per_execution": saved.get("steps_per_execution", 1),
        "jit_compile": saved.get("jit_compile", "auto"),
    }


def serialize_optimizer(optimizer: Any) -> dict[str, Any] | None:
    """An optimizer as Keras writes it (a learning-rate function is saved as its current value,
    with a warning, since functions are not stored)."""
    from deepfit import schedules

    if optimizer is None:
        return None
    config = optimizer.get_config()
    rate = config.get("learning_rate")
    if callable(rate) and not isinstance(rate, schedules.LearningRateSchedule):
        warnings.warn(f"optimizer '{optimizer.name}': its learning_rate is a function, which "
                      f"cannot be saved; saving its current value {optimizer.learning_rate}",
                      stacklevel=3)
        config["learning_rate"] = float(optimizer.learning_rate)
    return {"module": "keras.optimizers", "class_name": type(optimizer).__name__,
            "config": to_keras(config), "registered_name": None}


def _serialize_entries(value: Any, kind: str) -> Any:
    from deepfit import losses, metrics

    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, Mapping):
        return {str(key): _serialize_entries(item, kind) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_serialize_entries(item, kind) for item in value]
    if isinstance(value, losses.Loss):
        return to_keras(losses.serialize(value))
    if isinstance(value, metrics.Metric):
        return to_keras(metrics.serialize(value))
    known = losses._FUNCTIONS.get(getattr(value, "__name__", None)) is value or (
        metrics._FUNCTIONS.get(getattr(value, "__name__", None)) is value)
    if known:
        return {"module": "builtins", "class_name": "function", "config": value.__name__,
                "registered_name": "function"}
    return function_reference(value, f"compile {kind}")


def compile_from_config(model: Any, config: Mapping[str, Any],
                        custom_objects: Mapping[str, Any] | None = None) -> None:
    """Compile `model` from a `compile_config` and build its optimizer (as Keras does), so
    saved optimizer variables can be loaded into it.

    Args:
        model: the rebuilt model.
        config: the `compile_config`.
        custom_objects: your losses, metrics and optimizers by name.
    """
    optimizer = _deserialize_optimizer(config.get("optimizer"), custom_objects)
    model.compile(
        optimizer=optimizer if optimizer is not None else "rmsprop",
        loss=_deserialize_entries(config.get("loss"), "loss", custom_objects),
        metrics=_deserialize_entries(config.get("metrics"), "metric", custom_objects),
        loss_weights=config.get("loss_weights"),
        weighted_metrics=_deserialize_entries(config.get("weighted_metrics"), "metric",
                                              custom_objects),
        run_eagerly=bool(config.get("run_eagerly", False)),
        steps_per_execution=config.get("steps_per_execution", 1) or 1,
        jit_compile=config.get("jit_compile", "auto"),
    )
    if model.built and model.weights and model.optimizer is not None:
        model.optimizer.build(model.trainable_weights)


def _deserialize_optimizer(value: Any, custom_objects: Any) -> Any:
    from deepfit import optimizers, schedules

    if value is None or isinstance(value, str):
        return value
    custom = lookup_custom(value, custom_objects)
    if custom is not None:
        return custom.from_config(dict(value.get("config") or {}))
    cls = optimizers._REGISTRY.get(value.get("class_name"))
    if cls is None:
        return optimizers.deserialize(value, custom_objects)
    inner = sanitize(cls, dict(value.get("config") or {}), f"optimizer '{cls.__name__}'")
    rate = inner.get("learning_rate")
    if isinstance(rate, Mapping):
        inner["learning_rate"] = schedules.deserialize(rate, custom_objects)
    return cls.from_config(inner)


def _deserialize_entries(value: Any, kind: str, custom_objects: Any) -> Any:
    from deepfit import losses, metrics

    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, list):
        return [_deserialize_entries(item, kind, custom_objects) for item in value]
    if not isinstance(value, Mapping):
        return value
    if "class_name" not in value:
        return {key: _deserialize_entries(item, kind, custom_objects)
                for key, item in value.items()}
    if value["class_name"] == "function":
        name = value.get("config")
        found = available_custom_objects(custom_objects).get(name) or lookup_custom(
            value, custom_objects)
        if found is None and value.get("module") not in ("builtins", None) and not str(
            value.get("module")
        ).startswith(("keras", "deepfit")):
            raise ValueError(f"the compile {kind} refers to your function {name!r}; pass "
                             f"custom_objects={{{name!r}: your_function}}")
        return found if found is not None else name
    custom = lookup_custom(value, custom_objects)
    if custom is not None:
        return custom.from_config(dict(value.get("config") or {}))
    plain = {"class_name": value["class_name"], "config": value.get("config") or {}}
    return losses.get(plain) if kind == "loss" else metrics.get(plain)


def model_to_json(model: Any, **kwargs: Any) -> str:
    """The model's architecture (no weights, no compile settings) as Keras's JSON string.

    Args:
        model: a deepfit model.
        **kwargs: passed to `json.dumps` (e.g. `indent=2`).

    Returns:
        The JSON of `{"module", "class_name", "config", ...}`, which Keras's
        `model_from_json` reads too.
    """
    return json.dumps(serialize_model(model, include_compile=False), **kwargs)


def model_from_json(json_string: str, custom_objects: Mapping[str, Any] | None = None) -> Any:
    """A new, untrained model from `model.to_json()`'s string (deepfit's or Keras's).

    Args:
        json_string: the JSON.
        custom_objects: your own classes and functions, by name.

    Returns:
        The model, with freshly initialized weights.

    Example:
        >>> clone = model_from_json(model.to_json())  # doctest: +SKIP
    """
    try:
        config = json.loads(json_string)
    except (TypeError, ValueError) as error:
        raise ValueError(f"model_from_json: expected the JSON string of model.to_json(), "
                         f"received {str(json_string)[:80]!r} ({error})") from None
    return deserialize_model(config, custom_objects, compile=False)
