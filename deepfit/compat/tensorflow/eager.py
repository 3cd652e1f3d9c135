"""TensorFlow's functions hand user code `EagerTensor`s (plain torch tensors inside steps).

Example:
    >>> import torch
    >>> from deepfit.compat.tensorflow.eager import for_user_functions
    >>> space = {"__name__": "m", "double": lambda x: torch.as_tensor(x) * 2}
    >>> space["double"].__module__ = "m"
    >>> for_user_functions(space)
    >>> type(space["double"](1.0)).__name__
    'EagerTensor'
"""

from __future__ import annotations

import functools
import types
from collections.abc import Callable, MutableMapping
from typing import Any

from deepfit.backend.context import _state
from deepfit.backend.tensor import to_eager


def for_user(fn: Callable[..., Any]) -> Callable[..., Any]:
    """`fn` whose tensor results are `EagerTensor`s when called from user code.

    Args:
        fn: a function returning tensors (or structures of them).

    Returns:
        The wrapped function (same signature and docstring).
    """

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        result = fn(*args, **kwargs)
        return result if getattr(_state, "internal", False) else to_eager(result)

    return run


def for_user_functions(namespace: MutableMapping[str, Any]) -> None:
    """Wrap, in place, every public function a module defines (see `for_user`).

    Args:
        namespace: the module's `globals()`.
    """
    module = namespace["__name__"]
    for name, value in list(namespace.items()):
        if (not name.startswith("_") and isinstance(value, types.FunctionType)
                and value.__module__ == module):
            namespace[name] = for_user(value)
