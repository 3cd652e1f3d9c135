"""Resolving, serializing and deserializing loss identifiers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from deepfit.identifiers import resolve
from deepfit.losses.auto import AutoCrossentropy
from deepfit.losses.loss import Loss
from deepfit.losses.utils import _CLASSES, _FUNCTIONS, _function_name
from deepfit.object_registration import get_registered_name


def get(identifier: Any) -> Any:
    """Resolve a loss identifier.

    Args:
        identifier: a function name ('mse', 'categorical_crossentropy', ... -> the function),
            a class name ('MeanSquaredError' -> an instance), 'crossentropy' / 'ce' (resolved
            from the shapes at each call), a `{'class_name', 'config'}` dict (-> the class
            built from its config), a `Loss` object or any callable (returned unchanged).

    Returns:
        A loss function or `Loss` object, or None for None.

    Raises:
        ValueError: for an unknown name (listing the valid ones) or an unusable value.

    Example:
        >>> get("mse") is mean_squared_error
        True
    """
    if identifier is None:
        return None
    if isinstance(identifier, str) and identifier.lower() in ("crossentropy", "ce"):
        return AutoCrossentropy(name=identifier)
    if isinstance(identifier, Mapping) and identifier.get("class_name") == "function":
        return get(str(identifier.get("config")))
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    return resolve("loss", identifier, {**_FUNCTIONS, **_CLASSES}, instantiate=True,
                   base_class=Loss)


def serialize(loss: Any) -> dict[str, Any]:
    """A Keras-compatible config dict for a `Loss` object or a registered loss function.

    Args:
        loss: a `Loss` instance or a registered function.

    Returns:
        `{'module', 'class_name', 'config', 'registered_name'}` as Keras writes it.

    Example:
        >>> serialize(mean_squared_error)["config"]
        'mean_squared_error'
    """
    if isinstance(loss, Loss):
        cls = type(loss)
        builtin = _CLASSES.get(cls.__name__) is cls
        return {"module": "keras.losses" if builtin else cls.__module__,
                "class_name": cls.__name__, "config": loss.get_config(),
                "registered_name": None if builtin else get_registered_name(cls)}
    name = _function_name(loss)
    if isinstance(name, str):
        return {"module": "builtins", "class_name": "function", "config": name,
                "registered_name": "function"}
    raise ValueError(f"loss: cannot serialize {loss!r}; expected a Loss or a registered function")


def deserialize(config: Any) -> Any:
    """Inverse of `serialize` (also accepts names); same as `get`."""
    return get(config)
