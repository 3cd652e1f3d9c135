"""`SwapEMAWeights`: evaluate (and optionally checkpoint) with the optimizer's moving average
of the weights (`use_ema=True`) while training goes on with the raw weights.

Example:
    >>> model.compile(optimizer=deepfit.optimizers.Adam(use_ema=True), loss="mse")
    >>> model.fit(x, y, validation_data=(xv, yv), callbacks=[SwapEMAWeights()])  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from deepfit.callbacks.callback import Callback


class SwapEMAWeights(Callback):
    """Put the moving average into the model for validation, evaluation and prediction, and
    the training weights back afterwards.

    Args:
        swap_on_epoch: also hold the average in the model between epochs, so that callbacks
            after this one (`ModelCheckpoint`) save it; the last epoch ends with the average
            in the model and in the optimizer, so fit's final weights are the average.

    Raises:
        ValueError: when fit starts (before any step; Keras: at the first validation) or at
            the first swap, if the optimizer has `use_ema=False`.
    """

    def __init__(self, swap_on_epoch: bool = False) -> None:
        super().__init__()
        self.swap_on_epoch = swap_on_epoch
        self._average_in_model = False

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        if not getattr(self.model.optimizer, "use_ema", False):
            raise ValueError("SwapEMAWeights must be used when `use_ema=True` is set on the "
                             "optimizer. Received: use_ema=False")
        self._average_in_model = False

    def _swap(self) -> None:
        self.model.optimizer.swap_average()
        self._average_in_model = not self._average_in_model

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.swap_on_epoch and self._average_in_model:
            self._swap()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.swap_on_epoch and not self._average_in_model:
            self._swap()
            if epoch == self.params.get("epochs", 0) - 1:
                # fit's end copies the average into the model: make it the one now there
                self.model.optimizer.set_average_to_variables()

    def on_test_begin(self, logs: dict[str, Any] | None = None) -> None:
        if not self._average_in_model:
            self._swap()

    def on_test_end(self, logs: dict[str, Any] | None = None) -> None:
        if self._average_in_model:
            self._swap()

    def on_predict_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.on_test_begin(logs)

    def on_predict_end(self, logs: dict[str, Any] | None = None) -> None:
        self.on_test_end(logs)
