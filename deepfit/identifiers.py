"""The one lookup behind every `get(identifier)`: optimizers, losses, metrics, activations,
initializers, regularizers and constraints all resolve names, configs and objects here.

Example:
    >>> from deepfit.identifiers import resolve
    >>> resolve("activation", "relu", {"relu": abs})
    <built-in function abs>
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from deepfit.object_registration import available_custom_objects


def resolve(
    kind: str,
    identifier: Any,
    registry: Mapping[str, Any],
    *,
    instantiate: bool = False,
    base_class: type | None = None,
    allow_callable: bool = True,
    custom_objects: Mapping[str, Any] | None = None,
) -> Any:
    """Turn a string, a `{'class_name', 'config'}` dict, an object or a callable into an object.

    Args:
        kind: what is being looked up, for error messages ('optimizer', 'loss', ...).
        identifier: the user's value.
        registry: valid names → class or function. Lookup ignores case and underscores are kept.
        instantiate: call the registered class with no arguments when given a string.
        base_class: instances of this class are returned unchanged.
        allow_callable: accept any callable (a custom loss or activation function).
        custom_objects: extra names a config dict may refer to.

    Returns:
        The resolved object.

    Raises:
        ValueError: for an unknown name (listing the valid ones) or an unusable value.
    """
    if base_class is not None and isinstance(identifier, base_class):
        return identifier
    if isinstance(identifier, (str, Mapping)):
        custom_objects = available_custom_objects(custom_objects)
    if isinstance(identifier, str):
        target = _find(kind, identifier, registry, custom_objects)
        return target() if instantiate and isinstance(target, type) else target
    if isinstance(identifier, Mapping):
        return _from_config_dict(kind, identifier, registry, custom_objects)
    if allow_callable and callable(identifier):
        return identifier
    raise ValueError(
        f"Could not interpret {kind} identifier: expected a name (one of {valid_names(registry)}), "
        f"a config dict or {'a callable or ' if allow_callable else ''}an object, "
        f"received {identifier!r} of type {type(identifier).__name__}"
    )


def valid_names(registry: Mapping[str, Any]) -> str:
    """The registry's names as a sorted, comma-separated string."""
    return ", ".join(repr(name) for name in sorted(registry))


def _find(kind: str, name: str, registry: Mapping[str, Any], custom_objects) -> Any:
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if name in registry:
        return registry[name]
    lowered = {key.lower(): value for key, value in registry.items()}
    if name.lower() in lowered:
        return lowered[name.lower()]
    raise ValueError(f"Unknown {kind}: {name!r}. Valid names: {valid_names(registry)}")


def _from_config_dict(kind: str, config: Mapping[str, Any], registry, custom_objects) -> Any:
    if "class_name" not in config:
        raise ValueError(
            f"Could not interpret {kind} config: expected a dict with 'class_name' and 'config' "
            f"keys, received keys {sorted(config)}"
        )
    if config["class_name"] == "function" and isinstance(config.get("config"), str):
        return _find(kind, config["config"], registry, custom_objects)  # a function by name
    target = _find(kind, config["class_name"], registry, custom_objects)
    inner = dict(config.get("config") or {})
    if hasattr(target, "from_config"):
        return target.from_config(inner)
    if isinstance(target, type):
        return target(**inner)
    return target


def register(registry: dict[str, Any], *names: str) -> Callable[[Any], Any]:
    """Decorator adding a class or function to `registry` under its own and extra names."""

    def add(obj: Any) -> Any:
        registry[obj.__name__] = obj
        for name in names:
            registry[name] = obj
        return obj

    return add


def serialize_object(kind: str, obj: Any, expected: str,
                     unnamed: tuple[str, ...] = ("<",)) -> dict[str, Any] | str | None:
    """`{'class_name', 'config'}` for an object with `get_config`; a named function's name.

    Args:
        kind: what is being serialized, for the error message ('regularizer', ...).
        obj: the object, a named function, or None.
        expected: the base class name the message asks for.
        unnamed: name prefixes that cannot be looked up again (lambdas, private functions).

    Returns:
        A config that the kind's `get` accepts (None for None).

    Raises:
        ValueError: for anonymous functions, which no name can bring back.
    """
    if obj is None:
        return None
    if hasattr(obj, "get_config"):
        return {"class_name": type(obj).__name__, "config": obj.get_config()}
    name = getattr(obj, "__name__", None)
    if not callable(obj) or name is None or name.startswith(unnamed):
        raise ValueError(f"{kind}: expected {expected} or a named function to serialize, "
                         f"received {obj!r}")
    return name
