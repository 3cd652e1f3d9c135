"""`LambdaCallback`: a callback built from plain functions.

Example:
    >>> print_epoch = LambdaCallback(on_epoch_end=lambda epoch, logs: print(epoch))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from deepfit.callbacks.callback import HOOK_NAMES, Callback


class LambdaCallback(Callback):
    """Callback whose hooks are the functions given.

    `on_epoch_begin`/`on_epoch_end` are called as `f(epoch, logs)`, `on_train_begin`/
    `on_train_end` as `f(logs)`, batch hooks as `f(batch, logs=logs)`.

    Args:
        on_epoch_begin: called at the start of every epoch.
        on_epoch_end: called at the end of every epoch.
        on_train_begin: called when training starts.
        on_train_end: called when training ends.
        on_train_batch_begin: called before every training batch.
        on_train_batch_end: called after every training batch.
        **kwargs: any other hook of `Callback` by name, e.g. `on_test_end=f`.

    Raises:
        TypeError: for a keyword that is not a hook name, or a hook that is not callable.

    Example:
        >>> losses = []
        >>> record = LambdaCallback(on_epoch_end=lambda epoch, logs: losses.append(logs["loss"]))
    """

    def __init__(
        self,
        on_epoch_begin: Callable | None = None,
        on_epoch_end: Callable | None = None,
        on_train_begin: Callable | None = None,
        on_train_end: Callable | None = None,
        on_train_batch_begin: Callable | None = None,
        on_train_batch_end: Callable | None = None,
        **kwargs: Callable | None,
    ) -> None:
        super().__init__()
        unknown = sorted(set(kwargs) - set(HOOK_NAMES))
        if unknown:
            raise TypeError(
                f"LambdaCallback: unknown hook name(s) {unknown}; valid names: "
                f"{', '.join(HOOK_NAMES)}"
            )
        hooks: dict[str, Any] = {
            "on_epoch_begin": on_epoch_begin,
            "on_epoch_end": on_epoch_end,
            "on_train_begin": on_train_begin,
            "on_train_end": on_train_end,
            "on_train_batch_begin": on_train_batch_begin,
            "on_train_batch_end": on_train_batch_end,
            **kwargs,
        }
        for name, function in hooks.items():
            if function is None:
                continue
            if not callable(function):
                raise TypeError(
                    f"LambdaCallback: {name} must be callable, received {function!r} of type "
                    f"{type(function).__name__}"
                )
            setattr(self, name, function)
