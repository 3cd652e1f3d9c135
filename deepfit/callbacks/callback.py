"""`Callback`: the base class whose hooks fit, evaluate and predict call at each stage.

Example:
    >>> class PrintLoss(Callback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         print(epoch, logs["loss"])
"""

from __future__ import annotations

from typing import Any

from torch.nn.parallel import DistributedDataParallel

HOOK_NAMES = (
    "on_batch_begin",
    "on_batch_end",
    "on_epoch_begin",
    "on_epoch_end",
    "on_train_batch_begin",
    "on_train_batch_end",
    "on_test_batch_begin",
    "on_test_batch_end",
    "on_predict_batch_begin",
    "on_predict_batch_end",
    "on_train_begin",
    "on_train_end",
    "on_test_begin",
    "on_test_end",
    "on_predict_begin",
    "on_predict_end",
)


def _default(method):
    # Marks the do-nothing hooks, so CallbackList can skip callbacks that never override them.
    method._is_default = True
    return method


def overrides_hook(callback: Any, name: str) -> bool:
    """Whether `callback` does something in hook `name` (a subclass method or an assigned function).

    Args:
        callback: a callback object.
        name: a hook name such as 'on_train_batch_end'.

    Returns:
        False when the hook is missing or is `Callback`'s do-nothing default.
    """
    method = getattr(callback, name, None)
    return method is not None and not getattr(method, "_is_default", False)


class Callback:
    """Base class for callbacks; override the hooks for the stages of interest.

    Batch hooks receive `logs` whose values may be 0-d torch tensors on the training device;
    convert them with `deepfit.callbacks.to_float` only when a number is really needed, since
    that waits for the device.

    Attributes:
        params: dict of training parameters (verbose, epochs, steps).
        model: the model being trained (a DistributedDataParallel wrapper is unwrapped).

    Example:
        >>> class StopAtLoss(Callback):
        ...     def on_epoch_end(self, epoch, logs=None):
        ...         if to_float(logs["loss"]) < 0.1:
        ...             self.model.stop_training = True
    """

    # Class-level defaults keep subclasses that skip `super().__init__()` working.
    params: dict[str, Any] | None = None
    _model: Any = None
    #: In a multi-process job, only rank 0 runs this callback (it writes files or prints).
    chief_only: bool = False

    def __init__(self) -> None:
        self.params = None
        self._model = None

    def set_params(self, params: dict[str, Any] | None) -> None:
        """Receive the training parameters (verbose, epochs, steps)."""
        self.params = params

    def set_model(self, model: Any) -> None:
        """Receive the model the callback works on."""
        self._model = model

    @property
    def model(self) -> Any:
        """The model; the module inside a DistributedDataParallel wrapper."""
        if isinstance(self._model, DistributedDataParallel):
            return self._model.module
        return self._model

    @_default
    def on_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Older name of `on_train_batch_begin`, still called for training batches."""

    @_default
    def on_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Older name of `on_train_batch_end`, still called for training batches."""

    @_default
    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        """Called at the start of each training epoch (0-based `epoch`)."""

    @_default
    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Called at the end of each training epoch with the epoch's metrics (val_* included)."""

    @_default
    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Called before each training batch."""
        self.on_batch_begin(batch, logs=logs)

    @_default
    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Called after each training batch with the running metric results."""
        self.on_batch_end(batch, logs=logs)

    @_default
    def on_test_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Called before each evaluation (or validation) batch."""

    @_default
    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Called after each evaluation (or validation) batch with the running results."""

    @_default
    def on_predict_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Called before each prediction batch."""

    @_default
    def on_predict_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Called after each prediction batch."""

    @_default
    def on_train_begin(self, logs: dict | None = None) -> None:
        """Called when fit starts."""

    @_default
    def on_train_end(self, logs: dict | None = None) -> None:
        """Called when fit ends, with the last epoch's logs."""

    @_default
    def on_test_begin(self, logs: dict | None = None) -> None:
        """Called when evaluation (or a validation pass) starts."""

    @_default
    def on_test_end(self, logs: dict | None = None) -> None:
        """Called when evaluation (or a validation pass) ends, with its results."""

    @_default
    def on_predict_begin(self, logs: dict | None = None) -> None:
        """Called when prediction starts."""

    @_default
    def on_predict_end(self, logs: dict | None = None) -> None:
        """Called when prediction ends."""
