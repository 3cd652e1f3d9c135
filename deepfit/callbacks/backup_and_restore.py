"""`BackupAndRestore`: survive crashes — a restarted fit continues exactly where the last
backup left off.

Each backup is ONE file, `<backup_dir>/latest.weights.h5`, written atomically: Keras's weights
layout (so `model.load_weights` and Keras read it) plus a `deepfit_training_state` group with the
exact optimizer state, every random generator, the epoch and the steps done in it, that epoch's
sample order, the epoch's running metrics and the History so far. A process killed at any moment
— mid-epoch, mid-save — and started again with the same script (same seed, same machine) ends
with weights bitwise identical to a run that never stopped: the in-flight save is discarded and
the previous backup is complete.

Resuming is exact for in-memory data (arrays, tensors) with epochs that are whole passes over
the data, and for deepfit Datasets whose shuffles are seeded (`shuffle(n, seed=...)`: the backup
holds how many passes each shuffle had begun, so the restarted pipeline replays the interrupted
epoch's order and skips the batches already done); for other datasets and generators a resumed
epoch skips the batches already done, which is exact only if the data source replays its order,
and with `steps_per_epoch` a resumed epoch restarts the data. Exactness also needs the same
thread settings (results of CPU kernels can depend on the thread count). The state of other
callbacks (EarlyStopping's patience, ReduceLROnPlateau's wait) is not saved, as in Keras.

Example:
    >>> model.fit(x, y, epochs=50,
    ...           callbacks=[deepfit.callbacks.BackupAndRestore("/tmp/backup", save_freq=100)])
"""

from __future__ import annotations

import contextlib
import os
import shutil
import warnings
from typing import Any

from deepfit import distribute
from deepfit.callbacks.callback import Callback
from deepfit.callbacks.logs import pythonify

STATE_GROUP = "deepfit_training_state"


class BackupAndRestore(Callback):
    """Back up the training state regularly and restore it when fit starts again.

    Args:
        backup_dir: directory for the backup; give each training run its own (it must not be
            shared with other callbacks or runs).
        save_freq: 'epoch' to back up at the end of every epoch, or an int to back up every
            that many batches (an interrupted epoch then resumes mid-way).
        double_checkpoint: keep the previous backup too (`latest.weights.h5.bkp`) and fall back
            to it if the latest cannot be read.
        delete_checkpoint: delete the backup when fit finishes normally (it is always kept
            when training was interrupted by Ctrl-C).

    Raises:
        ValueError: an empty `backup_dir` or an invalid `save_freq`.

    Example:
        >>> backup = BackupAndRestore("runs/exp1/backup", save_freq="epoch")
        >>> model.fit(x, y, epochs=10, callbacks=[backup])
    """

    def __init__(self, backup_dir: str | os.PathLike, save_freq: str | int = "epoch",
                 double_checkpoint: bool = False, delete_checkpoint: bool = True) -> None:
        super().__init__()
        if not backup_dir:
            raise ValueError("BackupAndRestore: backup_dir must be a non-empty path, received "
                             f"{backup_dir!r}")
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(save_freq, int)
                                     or save_freq < 1):
            raise ValueError("BackupAndRestore: save_freq must be 'epoch' or a positive int "
                             f"(batches), received {save_freq!r}")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = bool(double_checkpoint)
        self.delete_checkpoint = bool(delete_checkpoint)
        self._weights_path = os.path.join(self.backup_dir, "latest.weights.h5")
        self._prev_weights_path = f"{self._weights_path}.bkp"
        self._reset()

    def _reset(self) -> None:
        self._epoch = 0
        self._steps_done = 0
        self._first_step = 0
        self._batches_since_save = 0
        self._restored: Any = None
        self._pending_metrics: Any = None
        self._data: Any = None

    # ----------------------------------------------------------------- restoring
    def on_train_begin(self, logs: dict | None = None) -> None:
        from deepfit.saving.atomic import remove_stale_temps

        self._reset()
        for path in (self._weights_path, self._prev_weights_path):
            remove_stale_temps(path)  # left by a process killed while saving
        if not os.path.exists(self._weights_path):
            return
        try:
            state = self._load(self._weights_path)
        except (ValueError, OSError, KeyError) as err:
            if not (self.double_checkpoint and os.path.exists(self._prev_weights_path)):
                raise
            warnings.warn(f"BackupAndRestore: the latest backup could not be read ({err}); "
                          "restoring the previous one", stacklevel=2)
            state = self._load(self._prev_weights_path)
        self._restored = state
        self._epoch = state.epoch
        self._first_step = state.step
        self._pending_metrics = state.metrics if state.step > 0 else None

    def _load(self, path: str) -> Any:
        from deepfit.saving import training_state, weights_file
        from deepfit.saving.archive import open_hdf5
        from deepfit.saving.errors import FileFormatError
        from deepfit.saving.transaction import all_or_nothing

        model = self.model
        with open_hdf5(path, path, "the backup") as h5, all_or_nothing(model):
            if STATE_GROUP not in h5:
                raise FileFormatError(path, "it is not a BackupAndRestore backup (no training "
                                            "state); remove it or choose another backup_dir")
            try:
                state = training_state.read_state(h5[STATE_GROUP])
                weights_file.read_model(model, h5, f"'{path}'", include_optimizer=False)
                if state.optimizer is not None and model.optimizer is not None:
                    model.optimizer.build(model.trainable_weights)
                    model.optimizer.set_state(state.optimizer)
            except (ValueError, KeyError, TypeError) as err:
                raise FileFormatError(path, f"the backup does not fit this model or is "
                                            f"damaged: {err}") from err
        training_state.restore_rng(state.rng)
        return state

    def resume_state(self, epoch_iterator: Any) -> Any:
        """Called by fit after `on_train_begin`: the restored position (or None), and the
        iterator whose data order a mid-epoch backup records."""
        self._data = epoch_iterator
        state, self._restored = self._restored, None
        return state

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._epoch = epoch
        self._steps_done, self._first_step = self._first_step, 0
        if self._pending_metrics is not None:
            from deepfit.saving.training_state import restore_metrics

            restore_metrics(self.model, self._pending_metrics, self._device())
            self._pending_metrics = None

    # ----------------------------------------------------------------- backing up
    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._steps_done = batch + 1
        if self.save_freq == "epoch":
            return
        self._batches_since_save += 1
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self._save(self._epoch, batch + 1)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self._epoch, self._steps_done = epoch + 1, 0
        if self.save_freq == "epoch":
            self._save(epoch + 1, 0, finished=(epoch, logs))

    def on_train_end(self, logs: dict | None = None) -> None:
        if not distribute.is_chief():  # every process restores; rank 0 alone writes
            self._data = None
            return
        state = getattr(self.model, "_trainer_state", None)
        if state is not None and state.interrupted:
            self._save(self._epoch, self._steps_done)  # Ctrl-C: keep a backup of this point
        elif self.delete_checkpoint:
            for path in (self._weights_path, self._prev_weights_path):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(path)
            with contextlib.suppress(OSError):
                os.rmdir(self.backup_dir)  # only if nothing else is in it
        self._data = None

    def _save(self, epoch: int, step: int, finished: tuple[int, Any] | None = None) -> None:
        if not distribute.is_chief():
            return
        from deepfit.saving import training_state, weights_file
        from deepfit.saving.atomic import atomic_write
        from deepfit.saving.errors import require_h5py

        h5py = require_h5py("BackupAndRestore")
        if self.double_checkpoint and os.path.exists(self._weights_path):
            with atomic_write(self._prev_weights_path) as handle, open(
                self._weights_path, "rb"
            ) as current:
                shutil.copyfileobj(current, handle)
        order = self._data.order if (step > 0 and self._data is not None) else None
        passes = self._data.shuffle_passes(step) if self._data is not None else None
        history, epochs = self._history(finished)
        with atomic_write(self._weights_path) as handle, h5py.File(handle, "w") as h5:
            weights_file.write_model(self.model, h5)
            training_state.write_state(h5.create_group(STATE_GROUP), self.model, epoch, step,
                                       order, history, epochs, shuffle_passes=passes)

    def _history(self, finished: tuple[int, Any] | None) -> tuple[dict, list]:
        """The History so far, with the epoch that just ended added if History has not yet
        recorded it (it runs after the user's callbacks)."""
        history = getattr(self.model, "history", None)
        data = {key: list(values) for key, values in getattr(history, "history", {}).items()}
        epochs = list(getattr(history, "epoch", []))
        if finished is not None and finished[0] not in epochs:
            epoch, logs = finished
            epochs.append(epoch)
            for key, value in (logs or {}).items():
                data.setdefault(key, []).append(pythonify(value))
        return data, epochs

    def _device(self) -> Any:
        for weight in self.model.parameters():
            return weight.device
        import torch

        return torch.device("cpu")
