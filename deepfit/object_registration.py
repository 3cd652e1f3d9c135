"""Keras's registry of custom objects: `register_keras_serializable`, `get_custom_objects`,
`custom_object_scope` and the name lookups that loading uses.

A class or function registered here (or put into `get_custom_objects()`, or named in an open
`custom_object_scope`) is found by name when a saved model or a config refers to it, without
`custom_objects=` at load time. A registered class is written under its registered name
(`"package>Name"`), as Keras writes it, so files move between deepfit and Keras both ways.

Example:
    >>> @register_keras_serializable(package="my_package")
    ... class Scale(deepfit.layers.Layer):
    ...     def call(self, x):
    ...         return 2 * x
    >>> get_registered_name(Scale)
    'my_package>Scale'
    >>> get_registered_object("my_package>Scale") is Scale
    True
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Mapping
from typing import Any

#: registered name → object (what `get_custom_objects()` returns, live)
GLOBAL_CUSTOM_OBJECTS: dict[str, Any] = {}
#: object → registered name
GLOBAL_CUSTOM_NAMES: dict[Any, str] = {}

_scope = threading.local()


class CustomObjectScope:
    """Make custom classes and functions findable by name while the `with` block runs.

    Args:
        custom_objects: `{name: object}`; a scope replaces the enclosing scope's names and
            restores them on exit (as Keras's does). Several dicts may be given.

    Example:
        >>> with CustomObjectScope({"my_regularizer": my_regularizer}):  # doctest: +SKIP
        ...     layer = Dense.from_config(config)
    """

    def __init__(self, *custom_objects: Mapping[str, Any] | None) -> None:
        merged: dict[str, Any] = {}
        for objects in custom_objects:
            merged.update(objects or {})
        self.custom_objects = merged
        self._previous: dict[str, Any] | None = None

    def __enter__(self) -> CustomObjectScope:
        self._previous = scope_objects()
        _scope.objects = dict(self.custom_objects)
        return self

    def __exit__(self, *exc_info: Any) -> None:
        _scope.objects = self._previous or {}


custom_object_scope = CustomObjectScope


def scope_objects() -> dict[str, Any]:
    """The names of the innermost open `custom_object_scope` on this thread (a copy)."""
    return dict(getattr(_scope, "objects", {}))


def get_custom_objects() -> dict[str, Any]:
    """The global dict of registered objects, live: changes to it register or forget names.

    Returns:
        registered name → class or function (scopes' names are not in it).

    Example:
        >>> get_custom_objects()["swishy"] = swishy  # doctest: +SKIP
    """
    return GLOBAL_CUSTOM_OBJECTS


def register_keras_serializable(package: str = "Custom",
                                name: str | None = None) -> Callable[[Any], Any]:
    """A decorator registering a class or function under `"package>name"` for loading.

    Args:
        package: the first part of the registered name.
        name: the second part; the object's own `__name__` by default.

    Returns:
        The decorator, which returns the object unchanged.

    Raises:
        ValueError: for a class without a `get_config` method (it could not be saved).

    Example:
        >>> @register_keras_serializable("my_package")
        ... def double(x):
        ...     return 2 * x
        >>> get_registered_name(double)
        'my_package>double'
    """
    def register(obj: Any) -> Any:
        registered = f"{package}>{name if name is not None else obj.__name__}"
        if inspect.isclass(obj) and not hasattr(obj, "get_config"):
            raise ValueError("Cannot register a class that does not have a get_config() "
                             f"method: {obj.__name__} (register_keras_serializable)")
        GLOBAL_CUSTOM_OBJECTS[registered] = obj
        GLOBAL_CUSTOM_NAMES[obj] = registered
        return obj

    return register


def get_registered_name(obj: Any) -> str:
    """The name `obj` is saved under: its registered `"package>name"`, else its `__name__`.

    Args:
        obj: a class or function.

    Returns:
        The name.
    """
    try:
        return GLOBAL_CUSTOM_NAMES[obj]
    except (KeyError, TypeError):  # not registered, or unhashable
        return obj.__name__


def get_registered_object(name: str, custom_objects: Mapping[str, Any] | None = None,
                          module_objects: Mapping[str, Any] | None = None) -> Any:
    """The object registered under `name`, looked up as Keras does: the open scope first, then
    the global registry, then `custom_objects`, then `module_objects`.

    Args:
        name: a registered name (`"package>Name"`) or a plain name.
        custom_objects: the caller's `{name: object}`.
        module_objects: a library's own `{name: object}`.

    Returns:
        The object, or None when no dict has the name.
    """
    for objects in (scope_objects(), GLOBAL_CUSTOM_OBJECTS, custom_objects or {},
                    module_objects or {}):
        if name in objects:
            return objects[name]
    return None


def available_custom_objects(custom_objects: Mapping[str, Any] | None) -> dict[str, Any]:
    """Every name a load may resolve besides the built-ins, with `get_registered_object`'s
    precedence: the open scope over the global registry over `custom_objects`.

    Args:
        custom_objects: the caller's `{name: object}`, or None.

    Returns:
        A new dict.
    """
    return {**(custom_objects or {}), **GLOBAL_CUSTOM_OBJECTS, **scope_objects()}
