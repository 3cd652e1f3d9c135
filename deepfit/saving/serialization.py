"""deepfit objects ↔ configs in Keras 3's serialization layout.

Every object is written as `{"module", "class_name", "config", "registered_name"}` with the
module Keras would write (`keras.layers`, `keras.initializers`, ...), so a deepfit config.json
deserializes in Keras, and a Keras config deserializes here by class name. Keys Keras writes that
deepfit's classes do not take (`quantization_config`, `optional`, ...) are dropped on the way in.

Nothing here executes code from a config: classes are looked up by name among deepfit's own
and the caller's `custom_objects`, functions are referred to by name only, and Python bytecode
(Keras's `__lambda__`) is always refused.

Example:
    >>> entry = serialize_layer(deepfit.layers.Dense(3))
    >>> entry["module"], entry["class_name"]
    ('keras.layers', 'Dense')
    >>> deserialize_layer(entry).units
    3
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from deepfit.object_registration import available_custom_objects, get_registered_name
from deepfit.saving.registry import is_builtin_layer, keras_module, layer_classes

# Keras-only keys whose usual values carry no meaning for deepfit: dropped silently.
_HARMLESS_VALUES = (None, False, {}, [], "float32")
# Config keys that Keras's constructors of these classes do not take.
_NOT_IN_KERAS = {"SpatialDropout1D": ("trainable",), "SpatialDropout2D": ("trainable",),
                 "SpatialDropout3D": ("trainable",)}
_DTYPE_POLICIES = ("DTypePolicy", "FloatDTypePolicy", "DTypePolicyMap")


# ----------------------------------------------------------------------------- plain values
def to_keras(value: Any) -> Any:
    """A config value in Keras's JSON layout: nested objects get `module`/`registered_name`,
    tuples become lists and NumPy scalars Python numbers.

    Args:
        value: a config value (dicts, lists, tuples, numbers, strings, None).

    Returns:
        A JSON-serializable value.
    """
    if isinstance(value, Mapping):
        converted = {str(key): to_keras(item) for key, item in value.items()}
        name = converted.get("class_name")
        if isinstance(name, str) and "config" in converted and not name.startswith("__"):
            if str(converted.get("module") or "deepfit").startswith("deepfit"):
                converted["module"] = keras_module(name)
            converted.setdefault("registered_name", None)
            if isinstance(converted["config"], dict):
                for key in _NOT_IN_KERAS.get(name, ()):
                    converted["config"].pop(key, None)
        return converted
    if isinstance(value, (list, tuple)):
        return [to_keras(item) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def function_reference(fn: Any, what: str) -> dict[str, Any]:
    """A named function as Keras writes one: by name, never by code.

    Args:
        fn: a function defined with `def` (not a lambda).
        what: what it is, for the error message ('Lambda layer "f"').

    Returns:
        `{"module", "class_name": "function", "config": name, "registered_name": name}`.

    Raises:
        ValueError: for a lambda or a callable without a usable name.
    """
    name = getattr(fn, "__name__", None)
    if not callable(fn) or not name or name == "<lambda>":
        raise ValueError(
            f"{what}: cannot save {fn!r}: deepfit stores functions by name only (never their "
            "code), so use a function defined with `def`, and pass it in custom_objects when "
            "loading"
        )
    registered = get_registered_name(fn)
    return {"module": getattr(fn, "__module__", None), "class_name": "function",
            "config": registered, "registered_name": registered}


def refuse_code(config: Any, source: str) -> None:
    """Raise if a config anywhere holds Python bytecode (Keras's `__lambda__` entries).

    Args:
        config: a parsed config.json.
        source: where it comes from, for the message.

    Raises:
        ValueError: naming the offending entry.
    """
    if isinstance(config, Mapping):
        if config.get("class_name") == "__lambda__":
            raise ValueError(
                f"{source} contains Python bytecode (a serialized lambda); deepfit never runs "
                "code from a file. Rebuild that part of the model in Python instead"
            )
        for item in config.values():
            refuse_code(item, source)
    elif isinstance(config, list):
        for item in config:
            refuse_code(item, source)


def lookup_custom(config: Mapping[str, Any], custom_objects: Mapping[str, Any] | None) -> Any:
    """The custom object a `{"class_name", "registered_name"}` entry names (among
    `custom_objects`, the registered objects and an open `custom_object_scope`), or None."""
    custom_objects = available_custom_objects(custom_objects)
    if not custom_objects:
        return None
    for key in (config.get("registered_name"), config.get("class_name")):
        if isinstance(key, str) and key in custom_objects:
            return custom_objects[key]
        if isinstance(key, str) and ">" in key and key.split(">")[-1] in custom_objects:
            return custom_objects[key.split(">")[-1]]
    return None


# ----------------------------------------------------------------------------- layers
def serialize_layer(layer: Any) -> dict[str, Any]:
    """A layer (or a nested model) as a Keras-layout entry.

    Args:
        layer: a deepfit layer or model.

    Returns:
        `{"module", "class_name", "config", "registered_name"[, "build_config"]}`.

    Raises:
        ValueError: for layers that cannot be described by a config (wrapped torch modules,
            Lambda layers around anonymous functions).
    """
    from deepfit.layers import Lambda
    from deepfit.models.model import Model

    if isinstance(layer, Model):
        from deepfit.saving.model_config import serialize_model

        return serialize_model(layer, include_compile=False)
    try:
        config = layer.get_config()
    except NotImplementedError as err:
        raise ValueError(f"Cannot save layer '{layer.name}': {err}") from err
    if isinstance(layer, Lambda):
        config.update(_lambda_config(layer))
    config = dict(config)
    config.pop("batch_input_shape", None)
    cls = type(layer)
    for key in _NOT_IN_KERAS.get(cls.__name__, ()):
        config.pop(key, None)
    builtin = is_builtin_layer(cls)
    entry = {
        "module": "keras.layers" if builtin else cls.__module__,
        "class_name": cls.__name__,
        "config": to_keras(config),
        "registered_name": None if builtin else get_registered_name(cls),
    }
    shape = getattr(layer, "_build_input_shape", None)
    shapes = getattr(layer, "_build_shapes_dict", None)  # layers built from several inputs
    if layer.built and shapes:
        entry["build_config"] = {"shapes_dict": to_keras(shapes)}
    elif layer.built and shape is not None:
        entry["build_config"] = {"input_shape": to_keras(shape)}
    return entry


def _lambda_config(layer: Any) -> dict[str, Any]:
    output_shape = layer.output_shape_arg
    return {
        "function": function_reference(layer.function, f"Lambda layer '{layer.name}'"),
        "output_shape": to_keras(output_shape) if not callable(output_shape) else
        function_reference(output_shape, f"Lambda layer '{layer.name}' output_shape"),
        "arguments": to_keras(layer.arguments),
    }


def declared_input_entry(layer: Any) -> dict[str, Any] | None:
    """An InputLayer entry for a layer created with `input_shape=`/`input_dim=` (Keras writes
    the model input as its own layer)."""
    from deepfit.layers.layer import unique_name

    if getattr(layer, "_declared_input_shape", None) is None:
        return None
    shape = [layer._declared_batch_size, *layer._declared_input_shape]
    return {"module": "keras.layers", "class_name": "InputLayer",
            "config": {"batch_shape": to_keras(shape), "dtype": "float32", "sparse": False,
                       "name": unique_name("input_layer")},
            "registered_name": None}


def deserialize_layer(config: Mapping[str, Any], custom_objects: Mapping[str, Any] | None = None,
                      safe_mode: bool = True) -> Any:
    """A layer (or nested model) from a Keras-layout entry, by class name.

    Args:
        config: `{"class_name", "config", ...}`.
        custom_objects: extra classes and functions by name.
        safe_mode: refuse Lambda layers (whose function would run arbitrary Python).

    Returns:
        The layer, built from `build_config` when the entry has one.

    Raises:
        ValueError: unknown class names, Lambda layers in safe mode, unusable configs.
    """
    if not isinstance(config, Mapping) or "class_name" not in config:
        raise ValueError(f"expected a layer entry with 'class_name' and 'config', received "
                         f"{_short(config)}")
    class_name = config["class_name"]
    if class_name in ("Sequential", "Functional", "Model") and lookup_custom(
        config, custom_objects
    ) is None:
        from deepfit.saving.model_config import deserialize_model

        return deserialize_model(config, custom_objects, safe_mode=safe_mode, compile=False)
    inner = dict(config.get("config") or {})
    if class_name == "Lambda":
        layer = _lambda_from_config(inner, custom_objects, safe_mode)
    else:
        cls = lookup_custom(config, custom_objects) or layer_classes().get(class_name)
        if cls is None:
            raise ValueError(
                f"unknown layer class '{class_name}' (module {config.get('module')!r}): "
                "deepfit has no layer of that name; if it is your own class, pass "
                f"custom_objects={{'{class_name}': YourClass}}"
            )
        if is_builtin_layer(cls):
            inner = sanitize(cls, inner, f"layer '{inner.get('name', class_name)}'")
        layer = _call_from_config(cls, inner, custom_objects)
    build_config = config.get("build_config")
    if build_config and not layer.built and build_config.get("input_shape") is not None:
        build_from_shape(layer, build_config["input_shape"])
    return layer


def _call_from_config(cls: type, inner: dict[str, Any], custom_objects: Any) -> Any:
    method = cls.from_config
    try:
        takes_custom = "custom_objects" in inspect.signature(method).parameters
    except (TypeError, ValueError):
        takes_custom = False
    if takes_custom:
        return method(inner, custom_objects=custom_objects)
    return method(inner)


def _lambda_from_config(inner: dict[str, Any], custom_objects: Any, safe_mode: bool) -> Any:
    from deepfit.layers import Lambda

    name = inner.get("name", "lambda")
    if safe_mode:
        raise ValueError(
            f"Lambda layer '{name}' refused: loading it would run a Python function named by "
            "the file. If you trust the file, pass safe_mode=False and provide the function "
            "in custom_objects"
        )
    function = _function_from_reference(inner.get("function"), custom_objects,
                                        f"Lambda layer '{name}'")
    output_shape = inner.get("output_shape")
    if isinstance(output_shape, Mapping):
        output_shape = _function_from_reference(output_shape, custom_objects,
                                                f"Lambda layer '{name}' output_shape")
    return Lambda(function, output_shape=output_shape, arguments=inner.get("arguments"),
                  name=name, trainable=inner.get("trainable", True))


def _function_from_reference(reference: Any, custom_objects: Any, what: str) -> Any:
    if isinstance(reference, Mapping) and reference.get("class_name") == "function":
        key = reference.get("config")
    else:
        key = reference if isinstance(reference, str) else None
    found = (custom_objects or {}).get(key) if key else None
    if found is None and isinstance(reference, Mapping):
        found = lookup_custom(reference, custom_objects)
    if found is None:
        raise ValueError(f"{what} refers to the function {key!r}, which is not in "
                         f"custom_objects; pass custom_objects={{{key!r}: your_function}}")
    return found


def sanitize(cls: type, config: dict[str, Any], what: str) -> dict[str, Any]:
    """`config` without the keys `cls`'s constructor does not take (Keras-only options).

    Keras's dtype policies become their dtype name. Dropped keys with a meaningful value
    produce one warning naming them.

    Args:
        cls: the deepfit class about to be built.
        config: its config from the file.
        what: the object, for the warning.

    Returns:
        The cleaned config.
    """
    accepted = accepted_arguments(cls)
    cleaned, dropped = {}, []
    for key, value in config.items():
        if isinstance(value, Mapping) and value.get("class_name") in _DTYPE_POLICIES:
            value = (value.get("config") or {}).get("name", "float32")
        if accepted is None or key in accepted:
            cleaned[key] = value
        elif not _is_harmless(value):
            dropped.append(key)
    if dropped:
        warnings.warn(f"{what}: ignoring Keras options deepfit does not support: "
                      f"{sorted(dropped)}", stacklevel=3)
    return cleaned


def _is_harmless(value: Any) -> bool:
    return any(value is v or (type(value) is type(v) and value == v) for v in _HARMLESS_VALUES)


def accepted_arguments(cls: type) -> set[str] | None:
    """The keyword arguments `cls(...)` takes along its class chain (None: anything goes)."""
    names: set[str] = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None or klass is object:
            continue
        try:
            parameters = inspect.signature(init).parameters.values()
        except (TypeError, ValueError):
            return None
        names.update(p.name for p in parameters if p.kind in (
            inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY))
        if klass.__module__ == "deepfit.layers.layer":
            break
    names.discard("self")
    return names


def build_from_shape(layer: Any, shape: Any) -> None:
    """Create `layer`'s weights for inputs of `shape` (batch axis first), as Keras's
    `build_from_config` does."""
    import torch

    def as_shape(spec: Any) -> Any:
        if isinstance(spec, (list, tuple)) and spec and isinstance(spec[0], (list, tuple)):
            return [as_shape(item) for item in spec]
        return tuple(spec)

    shape = as_shape(shape)
    with torch.no_grad():
        layer.build(shape)
    layer._build_input_shape = shape
    layer.built = True
    layer._sync_requires_grad()


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 120 else text[:117] + "..."

