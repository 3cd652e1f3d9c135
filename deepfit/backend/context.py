"""Whether code runs inside a layer call or a training step (where tensors stay plain torch).

The first (outermost) layer call made by user code hands back `EagerTensor`s; calls nested in
it, and every call made by `fit`/`evaluate`/`predict` steps, work on plain torch tensors so
that the training loop pays nothing for TensorFlow's manners.

Example:
    >>> from deepfit.backend import context
    >>> context.is_internal()
    False
    >>> with context.internal():
    ...     context.is_internal()
    True
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

_state = threading.local()
_tensorflow_names = False


def tensorflow_names() -> bool:
    """True while TensorFlow programs run (the import hook is installed): eager tensors then
    spell their device as TensorFlow does (see `deepfit.backend.device`)."""
    return _tensorflow_names


def set_tensorflow_names(on: bool) -> None:
    """Turn TensorFlow's spellings on or off (the import hook does, on install/uninstall)."""
    global _tensorflow_names
    _tensorflow_names = bool(on)


def is_internal() -> bool:
    """True inside a layer call or a training/evaluation/prediction step."""
    return getattr(_state, "internal", False)


class _Switch:
    """Sets the flag for a `with` block and restores the outer value after it (a class, not a
    generator context manager: it runs at every epoch's end, where 7 calls showed)."""

    __slots__ = ("value", "outer")

    def __init__(self, value: bool) -> None:
        self.value = value

    def __enter__(self) -> None:
        self.outer = getattr(_state, "internal", False)
        _state.internal = self.value

    def __exit__(self, *exc_info: Any) -> None:
        _state.internal = self.outer


def internal() -> Any:
    """Mark the enclosed code as library-internal: tensors stay plain torch tensors."""
    return _Switch(True)


def user_code() -> Any:
    """Mark the enclosed code as the user's (a `Dataset.map` function run by `fit`): `tf.*`
    functions hand it `EagerTensor`s, as they do outside training."""
    return _Switch(False)


def internal_step(step: Callable[..., Any]) -> Callable[..., Any]:
    """`step` wrapped so that each call runs library-internally (a fit/evaluate/predict step).

    Args:
        step: the step function.

    Returns:
        A function with the same arguments and result.
    """

    def run(*args: Any, **kwargs: Any) -> Any:
        if getattr(_state, "internal", False):
            return step(*args, **kwargs)
        _state.internal = True
        try:
            return step(*args, **kwargs)
        finally:
            _state.internal = False

    return run
