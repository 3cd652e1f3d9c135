"""`ModelCheckpoint`: save the model (or its weights) during training, Keras's way.

Example:
    >>> checkpoint = ModelCheckpoint("ckpt/model-{epoch:02d}-{val_loss:.2f}.keras",
    ...                              save_best_only=True)
    >>> model.fit(x, y, epochs=20, validation_split=0.2, callbacks=[checkpoint])
"""

from __future__ import annotations

import os
from typing import Any

from deepfit.callbacks.logs import pythonify, to_float
from deepfit.callbacks.monitor_callback import MonitorCallback
from deepfit.io_utils import print_msg


class ModelCheckpoint(MonitorCallback):
    """Save the model or its weights at the end of epochs or every `save_freq` batches.

    Every file is written atomically: a crash during a save leaves the previous file intact.

    Args:
        filepath: where to save; may hold `str.format` fields filled with `epoch` (1-based),
            `batch` (1-based, for batch-level saving) and any log key, e.g.
            `'ckpt-{epoch:02d}-{val_loss:.2f}.keras'`. Must end in `.keras`, or in
            `.weights.h5` with `save_weights_only=True`.
        monitor: the log key judged by `save_best_only`.
        verbose: 1 prints a message for each save (and each skipped save).
        save_best_only: save only when `monitor` improves on the best value so far.
        save_weights_only: save with `model.save_weights` instead of `model.save`.
        mode: 'auto', 'min' or 'max' — whether `monitor` should go down or up.
        save_freq: 'epoch', or an int: save every that many batches.
        initial_value_threshold: the value `monitor` must beat for the first save.

    Raises:
        ValueError: a bad `save_freq` or a file extension that does not match.

    Example:
        >>> ModelCheckpoint("best.weights.h5", monitor="val_accuracy", save_best_only=True,
        ...                 save_weights_only=True)
    """

    chief_only = True

    def __init__(
        self,
        filepath: str | os.PathLike,
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        save_weights_only: bool = False,
        mode: str = "auto",
        save_freq: str | int = "epoch",
        initial_value_threshold: float | None = None,
    ) -> None:
        super().__init__(monitor, mode, baseline=initial_value_threshold)
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only = bool(save_best_only)
        self.save_weights_only = bool(save_weights_only)
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(save_freq, int)
                                     or save_freq < 1):
            raise ValueError(f"Unrecognized save_freq: {save_freq!r}. Expected save_freq are "
                             "'epoch' or a positive integer (batches)")
        self.save_freq = save_freq
        if self.save_weights_only and not self.filepath.endswith(".weights.h5"):
            raise ValueError("When using `save_weights_only=True` in `ModelCheckpoint`, the "
                             "filepath provided must end in `.weights.h5` (Keras weights "
                             f"format). Received: filepath={self.filepath}")
        if not self.save_weights_only and not self.filepath.endswith((".keras", ".h5")):
            raise ValueError("The filepath provided must end in `.keras` (Keras model format) "
                             f"or `.h5` (Keras's legacy HDF5 format). Received: "
                             f"filepath={self.filepath}")
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen: int | None = None
        self._current_epoch = 0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._current_epoch = epoch

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if self._should_save_on_batch(batch):
            self._save_model(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self.save_freq == "epoch":
            self._save_model(epoch, None, logs)

    def _should_save_on_batch(self, batch: int) -> bool:
        if self.save_freq == "epoch":
            return False
        if self._last_batch_seen is None or batch <= self._last_batch_seen:
            added = batch + 1  # a new epoch: batches count from 0 again
        else:
            added = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _save_model(self, epoch: int, batch: int | None, logs: Any) -> None:
        values = {key: pythonify(value) for key, value in (logs or {}).items()}
        filepath = self._get_file_path(epoch, batch, values)
        if not self._should_save(epoch, values, filepath):
            return
        directory = os.path.dirname(filepath)
        if directory:
            os.makedirs(directory, exist_ok=True)
        if os.path.isdir(filepath):
            raise OSError(f"Please specify a non-directory filepath for ModelCheckpoint. "
                          f"Filepath used is an existing directory: {filepath}")
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: finished saving model to {filepath}")

    def _should_save(self, epoch: int, values: dict[str, Any], filepath: str) -> bool:
        if not self.save_best_only:
            if self.verbose > 0:
                print_msg(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = values.get(self.monitor)
        if current is None:
            import warnings

            warnings.warn(f"Can save best model only with {self.monitor} available.",
                          stacklevel=3)
            return True
        if self.monitor_op is None:
            self._set_monitor_op()
        current = to_float(current)
        best = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print_msg(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to "
                          f"{current:.5f}, saving model to {filepath}")
            self.best = current
            return True
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}")
        return False

    def _get_file_path(self, epoch: int, batch: int | None, values: dict[str, Any]) -> str:
        try:
            if batch is None or "batch" in values:
                return self.filepath.format(epoch=epoch + 1, **values)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **values)
        except KeyError as err:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". '
                           f"Reason: {err} is not a log key (available: {sorted(values)})"
                           ) from err
