"""The metric registries and the lookup of stateless metric functions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from deepfit import losses
from deepfit.identifiers import register, valid_names
from deepfit.losses import (
    _snake_case,
)

NEG_INF = -1e10
_CLASSES: dict[str, Any] = {}  # metric classes by class name, snake-case name and alias
_FUNCTIONS: dict[str, Any] = {}  # stateless metric functions (accuracy, ...)


def _register_class(*aliases: str) -> Callable[[type], type]:
    def add(cls: type) -> type:
        register(_CLASSES, _snake_case(cls.__name__), *aliases)(cls)
        return cls

    return add


def _find_function(name: str, default: Any = ...) -> Any:
    found = _FUNCTIONS.get(name) or losses._FUNCTIONS.get(name)
    if found is None and default is ...:
        names = valid_names({**_FUNCTIONS, **losses._FUNCTIONS})
        raise ValueError(f"Unknown metric function: {name!r}. Valid names: {names}")
    return found if found is not None else default
