"""`CallbackList`: one object that forwards every hook to a list of callbacks.

Per-batch hooks are the hot path: the list works out once which callbacks override each batch
hook and calls only those, passing the logs untouched (tensors stay on the device). Epoch-level
hooks get one fresh dict, flattened and sorted by key as Keras does, shared by all callbacks,
so a value a callback adds (ReduceLROnPlateau's 'learning_rate') is seen by the ones after it.

Example:
    >>> callbacks = CallbackList([EarlyStopping()], add_history=True, model=model,
    ...                          verbose=1, epochs=10, steps=100)
    >>> callbacks.on_train_begin()
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from deepfit import distribute
from deepfit.callbacks.callback import Callback, overrides_hook
from deepfit.callbacks.history import History
from deepfit.callbacks.logs import flatten_logs
from deepfit.callbacks.progbar_logger import ProgbarLogger

# Each batch hook, and the overrides that make a callback need it: Callback's default
# on_train_batch_* forwards to the older on_batch_* names.
_BATCH_HOOKS = {
    "on_batch_begin": ("on_batch_begin",),
    "on_batch_end": ("on_batch_end",),
    "on_train_batch_begin": ("on_train_batch_begin", "on_batch_begin"),
    "on_train_batch_end": ("on_train_batch_end", "on_batch_end"),
    "on_test_batch_begin": ("on_test_batch_begin",),
    "on_test_batch_end": ("on_test_batch_end",),
    "on_predict_batch_begin": ("on_predict_batch_begin",),
    "on_predict_batch_end": ("on_predict_batch_end",),
}


class CallbackList(Callback):
    """Container calling every hook on all its callbacks, in order.

    Args:
        callbacks: a list (possibly nested) of `Callback` instances, or None.
        add_history: add a `History` callback unless the list has one.
        add_progbar: add a `ProgbarLogger` callback unless the list has one.
        model: the model given to every callback (`model.history` is set to the History).
        **params: training parameters given to every callback through `set_params`.

    Raises:
        TypeError: if an element of `callbacks` is not a `Callback`.

    Example:
        >>> callbacks = CallbackList(add_history=True, add_progbar=True, model=model,
        ...                          verbose=1, epochs=2, steps=10)
    """

    def __init__(
        self,
        callbacks: Iterable[Callback] | Callback | None = None,
        add_history: bool = False,
        add_progbar: bool = False,
        model: Any = None,
        **params: Any,
    ) -> None:
        super().__init__()
        self.callbacks: list[Callback] = _flatten(callbacks)
        if not distribute.is_chief():  # files and logs are written by rank 0 alone
            self.callbacks = [cb for cb in self.callbacks if not cb.chief_only]
        self._in_begin_end_block_count = 0
        self._add_default_callbacks(add_history, add_progbar)
        self.set_model(model)
        self.set_params(params)
        self._build_dispatch()

    def _add_default_callbacks(self, add_history: bool, add_progbar: bool) -> None:
        self._history = next((cb for cb in self.callbacks if isinstance(cb, History)), None)
        self._progbar = next((cb for cb in self.callbacks if isinstance(cb, ProgbarLogger)), None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)

    def _build_dispatch(self) -> None:
        # Bound methods of the callbacks that override each batch hook; rebuilt at every
        # *_begin so callbacks added to `self.callbacks` in between are picked up.
        self._dispatch: dict[str, tuple] = {
            hook: tuple(
                getattr(cb, hook)
                for cb in self.callbacks
                if any(overrides_hook(cb, name) for name in names)
            )
            for hook, names in _BATCH_HOOKS.items()
        }

    def append(self, callback: Callback) -> None:
        """Add one more callback at the end of the list."""
        self.callbacks.extend(_flatten([callback]))
        if self.model is not None:
            callback.set_model(self._model)
        if self.params:
            callback.set_params(self.params)
        self._build_dispatch()

    def set_params(self, params: dict[str, Any] | None) -> None:
        """Store `params` and hand them to every callback (when not empty)."""
        self.params = params
        if params:
            for callback in self.callbacks:
                callback.set_params(params)

    def set_model(self, model: Any) -> None:
        """Hand `model` to every callback and point `model.history` at the History callback."""
        if model is None:
            return
        super().set_model(model)
        if self._history is not None:
            model.history = self._history
        for callback in self.callbacks:
            callback.set_model(model)

    def _begin(self) -> None:
        self._in_begin_end_block_count += 1
        self._build_dispatch()

    def _end(self) -> None:
        self._in_begin_end_block_count -= 1
        if self._in_begin_end_block_count < 0:
            self._in_begin_end_block_count = 0
            raise ValueError("CallbackList: an on_*_end hook was called without its on_*_begin")

    # Batch hooks: only the callbacks that override them, logs passed as they are.

    def on_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        for hook in self._dispatch["on_batch_begin"]:
            hook(batch, logs=logs if logs is not None else {})

    def on_batch_end(self, batch: int, logs: dict | None = None) -> None:
        for hook in self._dispatch["on_batch_end"]:
            hook(batch, logs=logs if logs is not None else {})

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        for hook in self._dispatch["on_train_batch_begin"]:
            hook(batch, logs=logs if logs is not None else {})

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        for hook in self._dispatch["on_train_batch_end"]:
            hook(batch, logs=logs if logs is not None else {})

    def on_test_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        for hook in self._dispatch["on_test_batch_begin"]:
            hook(batch, logs=logs if logs is not None else {})

    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None:
        for hook in self._dispatch["on_test_batch_end"]:
            hook(batch, logs=logs if logs is not None else {})

    def on_predict_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        for hook in self._dispatch["on_predict_batch_begin"]:
            hook(batch, logs=logs if logs is not None else {})

    def on_predict_batch_end(self, batch: int, logs: dict | None = None) -> None:
        for hook in self._dispatch["on_predict_batch_end"]:
            hook(batch, logs=logs if logs is not None else {})

    # Epoch-level hooks: every callback, one shared flat dict sorted by key.

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        logs = flatten_logs(logs)
        for callback in self.callbacks:
            callback.on_epoch_begin(epoch, logs)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = flatten_logs(logs)
        for callback in self.callbacks:
            callback.on_epoch_end(epoch, logs)

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._begin()
        logs = flatten_logs(logs)
        for callback in self.callbacks:
            callback.on_train_begin(logs)

    def on_train_end(self, logs: dict | None = None) -> None:
        logs = flatten_logs(logs)
        for callback in self.callbacks:
            callback.on_train_end(logs)
        self._end()

    def on_test_begin(self, logs: dict | None = None) -> None:
        self._begin()
        logs = flatten_logs(logs)
        for callback in self.callbacks:
            callback.on_test_begin(logs)

    def on_test_end(self, logs: dict | None = None) -> None:
        logs = flatten_logs(logs)
        for callback in self.callbacks:
            callback.on_test_end(logs)
        self._end()

    def on_predict_begin(self, logs: dict | None = None) -> None:
        self._begin()
        logs = flatten_logs(logs)
        for callback in self.callbacks:
            callback.on_predict_begin(logs)

    def on_predict_end(self, logs: dict | None = None) -> None:
        logs = flatten_logs(logs)
        for callback in self.callbacks:
            callback.on_predict_end(logs)
        self._end()


def _flatten(callbacks: Any) -> list[Callback]:
    if callbacks is None:
        return []
    if isinstance(callbacks, Callback):
        return [callbacks]
    if not isinstance(callbacks, (list, tuple)):
        raise TypeError(
            f"callbacks: expected a list of deepfit.callbacks.Callback instances, received "
            f"{callbacks!r} of type {type(callbacks).__name__}"
        )
    flat: list[Callback] = []
    for item in callbacks:
        if isinstance(item, (list, tuple)):
            flat.extend(_flatten(item))
        elif isinstance(item, Callback):
            flat.append(item)
        else:
            raise TypeError(
                f"callbacks: expected deepfit.callbacks.Callback instances, received "
                f"{item!r} of type {type(item).__module__}.{type(item).__name__}"
            )
    return flat
