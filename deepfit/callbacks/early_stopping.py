"""`EarlyStopping`: stop fit when a monitored quantity stops improving.

Example:
    >>> model.fit(x, y, epochs=100, validation_split=0.2,
    ...           callbacks=[EarlyStopping(patience=3, restore_best_weights=True)])
"""

from __future__ import annotations

import warnings

from deepfit.callbacks.logs import to_float
from deepfit.callbacks.monitor_callback import MonitorCallback
from deepfit.io_utils import print_msg


class EarlyStopping(MonitorCallback):
    """Stop training when `monitor` has not improved for `patience` epochs (Keras's rules).

    Args:
        monitor: the log key to watch.
        min_delta: a change smaller than this (in absolute value) is no improvement.
        patience: epochs without improvement after which training stops.
        verbose: 1 prints a message when stopping or restoring weights.
        mode: 'min', 'max' or 'auto' (from the name: losses go down, accuracy/auc/... go up).
        baseline: the value to beat; while no epoch beats it, the wait keeps counting.
        restore_best_weights: at the end of training, put back the weights of the best epoch
            (via `model.get_weights()`/`set_weights()`), even if no epoch beat `baseline`.
        start_from_epoch: epochs to let pass before watching (a warm-up).

    Example:
        >>> stopper = EarlyStopping(monitor="loss", patience=3)
        >>> history = model.fit(x, y, epochs=10, callbacks=[stopper])
        >>> stopper.stopped_epoch
        6
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0,
        patience: int = 0,
        verbose: int = 0,
        mode: str = "auto",
        baseline: float | None = None,
        restore_best_weights: bool = False,
        start_from_epoch: int = 0,
    ) -> None:
        super().__init__(monitor, mode, min_delta=min_delta)
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.wait = 0
        self.stopped_epoch = 0
        self.restore_best_weights = restore_best_weights
        self.best_weights = None
        self.best_epoch = 0
        self.start_from_epoch = start_from_epoch

    def on_train_begin(self, logs: dict | None = None) -> None:
        # An instance may be reused across fit calls.
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self.monitor_op is None:
            # Set up late, once the model's metrics exist.
            self._set_monitor_op()
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            # Until something better shows up, the current weights are the best seen.
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch

        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            # The wait restarts only when both the previous best and the baseline are beaten.
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return

        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs: dict | None = None) -> None:
        if self.stopped_epoch > 0 and self.verbose > 0:
            print_msg(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print_msg(
                    "Restoring model weights from the end of the best epoch: "
                    f"{self.best_epoch + 1}."
                )
            self.model.set_weights(self.best_weights)

    def get_monitor_value(self, logs: dict | None) -> float | None:
        """The monitored value from `logs` as a float, or None (with a warning) if absent."""
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn(
                f"Early stopping conditioned on metric `{self.monitor}` which is not "
                f"available. Available metrics are: {','.join(logs)}",
                stacklevel=2,
            )
            return None
        return to_float(value)
