"""`History`: records every epoch's logs; fit returns it.

Example:
    >>> history = model.fit(x, y, epochs=3)
    >>> history.history["loss"]
    [0.71, 0.52, 0.44]
"""

from __future__ import annotations

from typing import Any

from deepfit.callbacks.callback import Callback
from deepfit.callbacks.logs import pythonify


class History(Callback):
    """Callback recording each epoch's logs as Python floats.

    Attributes:
        history: dict mapping each log key to the list of its values, one per epoch.
        epoch: the list of epoch indices recorded.
        params: the training parameters (verbose, epochs, steps).
        model: the model trained.

    Example:
        >>> history = History()
        >>> history.on_train_begin()
        >>> history.on_epoch_end(0, {"loss": 0.5})
        >>> history.history
        {'loss': [0.5]}
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[Any]] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.epoch = []

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(pythonify(value))
        # The model always points at the latest state of its history.
        if self.model is not None:
            self.model.history = self
