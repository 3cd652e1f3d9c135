"""Keras's general `serialize_keras_object` / `deserialize_keras_object`: any layer, model,
loss, metric, optimizer, initializer, regularizer, constraint, schedule or function ↔ the config
dict Keras 3 writes for it.

Classes and functions are found by name only — deepfit's own, the caller's `custom_objects`,
registered ones (`register_keras_serializable`) and an open `custom_object_scope` — and no code
from a config is ever run.

Example:
    >>> entry = serialize_keras_object(deepfit.regularizers.L2(0.1))
    >>> entry["class_name"], entry["config"]
    ('L2', {'l2': 0.1})
    >>> deserialize_keras_object(entry).l2
    0.1
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

import numpy as np

from deepfit.object_registration import available_custom_objects, get_registered_name
from deepfit.saving.registry import _kind_registries, keras_module, layer_classes
from deepfit.saving.serialization import (
    deserialize_layer,
    function_reference,
    lookup_custom,
    serialize_layer,
    to_keras,
)


def serialize_keras_object(obj: Any) -> Any:
    """`obj` as the config Keras 3 writes for it (plain values pass through).

    Args:
        obj: a deepfit object, a function, or nested lists/dicts of them.

    Returns:
        `{"module", "class_name", "config", "registered_name"}` for an object; lists and
        dicts element by element.

    Raises:
        ValueError: for an object with no config (no `get_config`, a lambda).
    """
    from deepfit import losses, metrics, optimizers
    from deepfit.layers.layer import Layer
    from deepfit.saving.model_config import serialize_optimizer

    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (np.generic, np.ndarray)):
        return to_keras(obj)
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(item) for item in obj]
    if isinstance(obj, Mapping):
        return {str(key): serialize_keras_object(value) for key, value in obj.items()}
    if isinstance(obj, Layer):
        return serialize_layer(obj)
    if isinstance(obj, losses.Loss):
        return to_keras(losses.serialize(obj))
    if isinstance(obj, metrics.Metric):
        return to_keras(metrics.serialize(obj))
    if isinstance(obj, optimizers.Optimizer):
        return serialize_optimizer(obj)
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):
        return _function_entry(obj)
    if not hasattr(obj, "get_config"):
        raise ValueError(f"serialize_keras_object: cannot serialize {obj!r} (a "
                         f"{type(obj).__name__} has no get_config method)")
    cls = type(obj)
    builtin = _builtin_class(cls.__name__) is cls
    return {"module": keras_module(cls.__name__) if builtin else cls.__module__,
            "class_name": cls.__name__, "config": to_keras(obj.get_config()),
            "registered_name": None if builtin else get_registered_name(cls)}


def deserialize_keras_object(config: Any, custom_objects: Mapping[str, Any] | None = None,
                             safe_mode: bool = True, **kwargs: Any) -> Any:
    """The object a Keras config describes (the inverse of `serialize_keras_object`).

    Args:
        config: a `{"class_name", "config", ...}` dict, a name, or lists/dicts of them.
        custom_objects: your own classes and functions by name.
        safe_mode: refuse Lambda layers, whose function would run arbitrary Python.
        **kwargs: accepted for Keras compatibility (`module_objects`, `printable_module_name`).

    Returns:
        The object (plain values pass through).

    Raises:
        ValueError: for a class or function name that nothing known matches.
    """
    objects = {**(kwargs.get("module_objects") or {}), **(custom_objects or {})}
    if config is None or isinstance(config, (bool, int, float)):
        return config
    if isinstance(config, str):
        found = available_custom_objects(objects).get(config) or _builtin_function(config, None)
        return found if found is not None else config
    if isinstance(config, (list, tuple)):
        return [deserialize_keras_object(item, custom_objects, safe_mode) for item in config]
    if not isinstance(config, Mapping) or "class_name" not in config:
        return config
    class_name, inner = config["class_name"], config.get("config")
    if class_name == "function":
        return _function_named(inner, config, objects)
    custom = lookup_custom(config, objects)
    if custom is None and class_name in layer_classes():
        return deserialize_layer(config, objects, safe_mode=safe_mode)
    cls = custom or _builtin_class(class_name)
    if cls is None:
        raise ValueError(f"deserialize_keras_object: unknown class '{class_name}' (module "
                         f"{config.get('module')!r}); if it is your own, register it with "
                         "register_keras_serializable or pass it in custom_objects")
    if isinstance(cls, type) and hasattr(cls, "from_config"):
        return cls.from_config(dict(inner or {}))
    return cls


def _function_entry(fn: Any) -> dict[str, Any]:
    name = getattr(fn, "__name__", None)
    module = _builtin_function_module(name, fn)
    if module is not None:
        return {"module": module, "class_name": "function", "config": name,
                "registered_name": name}
    return function_reference(fn, "serialize_keras_object")


def _function_named(name: Any, config: Mapping[str, Any], objects: Mapping[str, Any]) -> Any:
    found = available_custom_objects(objects).get(name) or lookup_custom(config, objects)
    found = found or _builtin_function(name, config.get("module"))
    if found is None:
        raise ValueError(f"deserialize_keras_object: unknown function {name!r}; if it is your "
                         "own, register it with register_keras_serializable or pass it in "
                         "custom_objects")
    return found


def _function_registries() -> list[tuple[str, Mapping[str, Any]]]:
    from deepfit import activations, losses, metrics

    return [("keras.activations", activations.ACTIVATIONS), ("keras.losses", losses._FUNCTIONS),
            ("keras.metrics", metrics._FUNCTIONS)]


def _builtin_function(name: Any, module: str | None) -> Any:
    for registry_module, registry in _function_registries():
        if module and module.startswith("keras") and module != registry_module:
            continue
        if isinstance(name, str) and name in registry:
            return registry[name]
    return None


def _builtin_function_module(name: Any, fn: Any) -> str | None:
    for module, registry in _function_registries():
        if isinstance(name, str) and registry.get(name) is fn:
            return module
    return None


def _builtin_class(class_name: str) -> Any:
    for _, registry in _kind_registries():
        if class_name in registry:
            return registry[class_name]
    return layer_classes().get(class_name)
