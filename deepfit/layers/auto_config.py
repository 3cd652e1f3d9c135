"""Keras's automatic config for Model subclasses that do not write `get_config()`.

Keras records the arguments a subclass's constructor was called with (defaults filled in) when
every one is a plain value (str, int, float, bool, None, or lists/dicts of them); `get_config()`
then returns them, so `WideAndDeepModel(20, activation="tanh")` saved to `.keras` comes back
with 20 units — in Keras and in deepfit, both ways.

Example:
    >>> class Net(deepfit.Model):
    ...     def __init__(self, units=30, **kwargs):
    ...         super().__init__(**kwargs)
    ...         self.units = units
    >>> Net(8, name="net").get_config()["units"]
    8
"""

from __future__ import annotations

import inspect
from typing import Any

_PLAIN = (str, int, float, bool, type(None))


def _plain(value: Any) -> bool:
    if isinstance(value, (list, tuple)):
        return all(_plain(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return isinstance(value, _PLAIN)


def capture(cls: type, args: tuple, kwargs: dict) -> dict[str, Any] | None:
    """The constructor arguments of `cls(*args, **kwargs)` by name, defaults included, without
    `name`; None when they cannot be replayed as `cls(**config)` (positional-only or extra
    positional arguments, values that are not plain)."""
    try:
        signature = inspect.signature(cls.__init__)
        bound = signature.bind(None, *args, **kwargs)
    except (TypeError, ValueError):
        return None
    parameters = list(signature.parameters.values())
    arguments: dict[str, Any] = {}
    bound.apply_defaults()
    for parameter in parameters[1:]:
        value = bound.arguments.get(parameter.name)
        if parameter.kind is inspect.Parameter.POSITIONAL_ONLY:
            return None
        if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            if value:
                return None
        elif parameter.kind is inspect.Parameter.VAR_KEYWORD:
            arguments.update(value or {})
        else:
            arguments[parameter.name] = value
    arguments.pop("name", None)
    return arguments if _plain(arguments) else None


def accepts(cls: type, key: str) -> bool:
    """Whether `cls(**{key: ...})` is possible (a parameter of that name, or `**kwargs`)."""
    parameters = inspect.signature(cls.__init__).parameters.values()
    return any(p.name == key or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)
