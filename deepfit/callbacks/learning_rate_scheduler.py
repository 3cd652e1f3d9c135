"""`LearningRateScheduler`: set the learning rate from a function of the epoch.

Example:
    >>> def schedule(epoch, lr):
    ...     return lr if epoch < 10 else lr * 0.9
    >>> model.fit(x, y, epochs=20, callbacks=[LearningRateScheduler(schedule)])
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from deepfit.callbacks.callback import Callback
from deepfit.callbacks.learning_rates import log_key, named_optimizers
from deepfit.callbacks.logs import to_float
from deepfit.io_utils import print_msg


class LearningRateScheduler(Callback):
    """At the start of every epoch, set `optimizer.learning_rate = schedule(epoch, lr)`.

    `schedule(epoch)` (one argument) is accepted too, as in Keras. Each epoch end adds the
    rate to the logs as 'learning_rate'.

    Args:
        schedule: function of the 0-based epoch index and the current rate, returning a float.
        verbose: 1 prints the rate set at each epoch.

    Raises:
        TypeError: if `schedule` is not callable.
        ValueError: if the optimizer has no `learning_rate` or `schedule` returns a non-float.

    Example:
        >>> scheduler = LearningRateScheduler(lambda epoch, lr: 0.1 / (epoch + 1))
    """

    def __init__(self, schedule: Callable[..., float], verbose: int = 0) -> None:
        super().__init__()
        if not callable(schedule):
            raise TypeError(
                f"LearningRateScheduler: schedule must be a function (epoch, lr) -> lr, received "
                f"{schedule!r} of type {type(schedule).__name__}"
            )
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        for name, optimizer in named_optimizers(self.model.optimizer):
            learning_rate = self._update_optimizer_lr(optimizer, epoch)
            if self.verbose > 0:
                which = f"{name} learning rate" if name else "learning rate"
                print_msg(
                    f"\nEpoch {epoch + 1}: LearningRateScheduler setting {which} to "
                    f"{learning_rate}."
                )

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if logs is None:
            return
        for name, optimizer in named_optimizers(self.model.optimizer):
            logs[log_key(name)] = to_float(optimizer.learning_rate)

    def _update_optimizer_lr(self, optimizer: Any, epoch: int) -> Any:
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        if self._takes_learning_rate():
            learning_rate = self.schedule(epoch, to_float(optimizer.learning_rate))
        else:
            learning_rate = self.schedule(epoch)
        if isinstance(learning_rate, bool) or not isinstance(learning_rate, (float, np.floating)):
            raise ValueError(
                "The output of the `schedule` function should be a float. "
                f"Got: {learning_rate!r} of type {type(learning_rate).__name__}"
            )
        optimizer.learning_rate = float(learning_rate)
        return learning_rate

    def _takes_learning_rate(self) -> bool:
        # Keras's older API was schedule(epoch); a two-argument call tells them apart.
        try:
            inspect.signature(self.schedule).bind(0, 0.0)
        except TypeError:
            return False
        except ValueError:  # no signature available (some builtins): try the new API
            return True
        return True
