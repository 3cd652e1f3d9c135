"""Which class a saved `class_name` means, and which Keras module a class is written under.

deepfit's layers, losses, metrics and optimizers carry Keras's class names, so a Keras config
(`{"module": "keras.layers", "class_name": "Dense", ...}`) maps onto deepfit by name alone; the
`module` is written for Keras's sake and only consulted to tell built-ins from custom classes.

Example:
    >>> layer_classes()["Dense"]
    <class 'deepfit.layers.core.Dense'>
    >>> keras_module("GlorotUniform")
    'keras.initializers'
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

_layer_classes: dict[str, type] | None = None


def layer_classes() -> dict[str, type]:
    """Every public layer class in `deepfit.layers` (all its modules) and the model classes.

    Returns:
        class name → class.
    """
    global _layer_classes
    if _layer_classes is None:
        _layer_classes = _collect_layers()
    return dict(_layer_classes)


def _collect_layers() -> dict[str, type]:
    import deepfit.layers as package
    from deepfit.layers.layer import Layer
    from deepfit.models.functional import Functional
    from deepfit.models.sequential import Sequential

    found: dict[str, type] = {}
    modules = [package] + [importlib.import_module(f"{package.__name__}.{info.name}")
                           for info in pkgutil.iter_modules(package.__path__)]
    for module in modules:
        for name, value in vars(module).items():
            if (isinstance(value, type) and issubclass(value, Layer) and not name.startswith("_")
                    and value.__module__.startswith("deepfit.")):
                found.setdefault(value.__name__, value)
    found.update(Sequential=Sequential, Functional=Functional, Model=Functional)
    found.pop("Layer", None)
    return found


def _kind_registries() -> list[tuple[str, Any]]:
    from deepfit import (
        constraints,
        initializers,
        losses,
        metrics,
        optimizers,
        regularizers,
        schedules,
    )

    return [
        ("keras.initializers", initializers.INITIALIZERS),
        ("keras.regularizers", regularizers.REGULARIZERS),
        ("keras.constraints", constraints.CONSTRAINTS),
        ("keras.optimizers.schedules", schedules._REGISTRY),
        ("keras.optimizers", optimizers._REGISTRY),
        ("keras.losses", losses._CLASSES),
        ("keras.metrics", metrics._CLASSES),
    ]


def keras_module(class_name: str) -> str:
    """The Keras module a built-in class of that name lives in ('keras' when unsure).

    Args:
        class_name: e.g. 'Dense', 'GlorotUniform', 'L2', 'ExponentialDecay'.

    Returns:
        A module path Keras's deserializer accepts, such as 'keras.layers'.
    """
    if class_name in layer_classes():
        return "keras.layers"
    for module, registry in _kind_registries():
        if class_name in registry:
            return module
    return "keras"


def is_builtin_layer(cls: type) -> bool:
    """Whether `cls` is one of deepfit's own layer classes (not a user subclass)."""
    return layer_classes().get(cls.__name__) is cls
