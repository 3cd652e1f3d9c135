"""`ProgbarLogger`: the `Epoch 3/10` header and the progress bar of fit, evaluate and predict.

Example:
    >>> model.fit(x, y, epochs=10, callbacks=[ProgbarLogger()])
"""

from __future__ import annotations

from typing import Any

from deepfit.callbacks.callback import Callback
from deepfit.callbacks.logs import SortedLogs
from deepfit.io_utils import print_msg


class ProgbarLogger(Callback):
    """Callback printing a Keras progress bar per epoch (and for evaluate and predict).

    Reads `verbose` ('auto' means 1), `epochs` and `steps` from the training parameters.
    Inside fit the validation pass draws nothing; its val_* results join the epoch's line.
    When stdout is not a terminal the bar prints one finished line per epoch.

    Example:
        >>> logger = ProgbarLogger()
        >>> logger.set_params({"verbose": 1, "epochs": 2, "steps": 100})
    """

    def __init__(self) -> None:
        super().__init__()
        self.seen = 0
        self.progbar: Any = None
        self.target: int | None = None
        self.verbose: int = 1
        self.epochs: int = 1
        self._called_in_fit = False

    def set_params(self, params: dict[str, Any] | None) -> None:
        super().set_params(params)
        params = params or {}
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else verbose
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def on_train_begin(self, logs: dict | None = None) -> None:
        # Inside fit, validation is silent: its results appear on the epoch's line.
        self._called_in_fit = True

    def on_train_end(self, logs: dict | None = None) -> None:
        self._called_in_fit = False

    def on_test_begin(self, logs: dict | None = None) -> None:
        if not self._called_in_fit:
            self._reset_progbar()
            self._maybe_init_progbar()

    def on_predict_begin(self, logs: dict | None = None) -> None:
        self._reset_progbar()
        self._maybe_init_progbar()

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._reset_progbar()
        self._maybe_init_progbar()
        if self.verbose and self.epochs > 1:
            print_msg(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._update_progbar(batch, logs)

    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if not self._called_in_fit:
            self._update_progbar(batch, logs)

    def on_predict_batch_end(self, batch: int, logs: dict | None = None) -> None:
        # Prediction outputs are not metrics: show progress only.
        self._update_progbar(batch, None)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self._finalize_progbar(logs)

    def on_test_end(self, logs: dict | None = None) -> None:
        if not self._called_in_fit:
            self._finalize_progbar(logs)

    def on_predict_end(self, logs: dict | None = None) -> None:
        self._finalize_progbar(logs)

    def _reset_progbar(self) -> None:
        self.seen = 0
        self.progbar = None

    def _maybe_init_progbar(self) -> None:
        if self.progbar is None:
            # Imported here: the trainer package imports the callbacks, not the other way round.
            from deepfit.trainer.progress import Progbar

            self.progbar = Progbar(
                target=self.target,
                verbose=self.verbose,
                unit_name="step",
                stateless_metrics=(),
            )

    def _update_progbar(self, batch: int, logs: dict | None) -> None:
        self._maybe_init_progbar()
        self.seen = batch + 1
        if self.verbose == 1:
            # Sorted as Keras sorts batch logs, so columns come out in the same order; the
            # values stay unread (no device sync) unless the bar draws a line.
            self.progbar.update(self.seen, SortedLogs(logs) if logs else None, finalize=False)

    def _finalize_progbar(self, logs: dict | None) -> None:
        self._maybe_init_progbar()
        if self.target is None:
            self.target = self.seen
            self.progbar.target = self.target
        self.progbar.update(self.target, list((logs or {}).items()), finalize=True)
