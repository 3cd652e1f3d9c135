"""`ReduceLROnPlateau`: lower the learning rate when a monitored quantity stops improving.

Example:
    >>> model.fit(x, y, epochs=50, validation_split=0.2,
    ...           callbacks=[ReduceLROnPlateau(factor=0.5, patience=2, min_lr=1e-5)])
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from deepfit.callbacks.learning_rates import log_key, named_optimizers
from deepfit.callbacks.logs import to_float
from deepfit.callbacks.monitor_callback import MonitorCallback
from deepfit.io_utils import print_msg


class ReduceLROnPlateau(MonitorCallback):
    """Multiply the learning rate by `factor` after `patience` epochs without improvement.

    Each epoch end also adds the current 'learning_rate' to the logs, so History and the
    progress bar show it.

    Args:
        monitor: the log key to watch.
        factor: the multiplier, `new_lr = lr * factor`; must be below 1.
        patience: epochs without improvement before the rate is lowered.
        verbose: 1 prints a message at each reduction.
        mode: 'min', 'max' or 'auto'.
        min_delta: the smallest change that counts as an improvement.
        cooldown: epochs to wait after a reduction before counting again.
        min_lr: the rate never goes below this.

    Raises:
        ValueError: if `factor >= 1`.

    Example:
        >>> reduce = ReduceLROnPlateau(monitor="val_loss", factor=0.2, patience=5, min_lr=1e-3)
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        factor: float = 0.1,
        patience: int = 10,
        verbose: int = 0,
        mode: str = "auto",
        min_delta: float = 1e-4,
        cooldown: int = 0,
        min_lr: float = 0.0,
    ) -> None:
        super().__init__(monitor, mode, min_delta=min_delta)
        if factor >= 1.0:
            raise ValueError(
                f"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor}"
            )
        self.factor = factor
        self.min_lr = min_lr
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0

    def _reset(self) -> None:
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._reset()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = logs if logs is not None else {}
        for name, optimizer in named_optimizers(self.model.optimizer):
            logs[log_key(name)] = to_float(optimizer.learning_rate)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(
                f"Learning rate reduction is conditioned on metric `{self.monitor}` which is "
                f"not available. Available metrics are: {','.join(logs)}.",
                stacklevel=2,
            )
            return
        current = to_float(current)
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience and self._reduce_all(epoch):
                self.cooldown_counter = self.cooldown
                self.wait = 0

    def in_cooldown(self) -> bool:
        """Whether a recent reduction is still being waited out."""
        return self.cooldown_counter > 0

    def _reduce_all(self, epoch: int) -> bool:
        reduced = False
        for name, optimizer in named_optimizers(self.model.optimizer):
            reduced = self._reduce_optimizer_lr(optimizer, epoch, name) or reduced
        return reduced

    def _reduce_optimizer_lr(self, optimizer: Any, epoch: int, name: str = "") -> bool:
        old_lr = to_float(optimizer.learning_rate)
        # Keras compares against min_lr rounded to float32; kept for identical decisions.
        if not old_lr > np.float32(self.min_lr):
            return False
        new_lr = max(old_lr * self.factor, self.min_lr)
        optimizer.learning_rate = new_lr
        if self.verbose > 0:
            name_str = f" {name}" if name else ""
            print_msg(
                f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing{name_str} learning rate "
                f"to {new_lr}."
            )
        return True
