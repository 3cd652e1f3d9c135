"""`TensorBoard`: write training curves for TensorBoard, through torch's `SummaryWriter`.

Like Keras, training values go to `<log_dir>/train` and validation values (the `val_` keys,
without the prefix) to `<log_dir>/validation`, as `epoch_<name>` scalars at step = epoch
(0-based); the learning rate is logged as `epoch_learning_rate`. The `tensorboard` package is an
optional extra (`pip install tensorboard`).

Example:
    >>> model.fit(x, y, epochs=10, validation_split=0.1,
    ...           callbacks=[deepfit.callbacks.TensorBoard("logs/run1")])
    $ tensorboard --logdir logs
"""

from __future__ import annotations

import os
import time
import warnings
from typing import Any

from deepfit.callbacks.callback import Callback
from deepfit.callbacks.logs import to_float


def _summary_writer_class() -> type:
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError as err:
        raise ImportError(
            "The TensorBoard callback needs the tensorboard package, which is not installed: "
            "pip install tensorboard"
        ) from err
    return SummaryWriter


class TensorBoard(Callback):
    """Log per-epoch metrics (and optionally per-batch metrics and weight histograms).

    Args:
        log_dir: the directory TensorBoard reads (`tensorboard --logdir <log_dir>`).
        histogram_freq: every this many epochs, write a histogram of each weight (0: never).
        write_graph, write_images, profile_batch, embeddings_freq, embeddings_metadata:
            accepted for Keras compatibility; not supported (a warning says so when asked for).
        write_steps_per_second: also log the training speed, `epoch_steps_per_second`.
        update_freq: 'epoch', or 'batch' / an int to also log `batch_<name>` scalars every that
            many batches (step = the global batch count).

    Raises:
        ImportError: tensorboard is not installed.
        ValueError: a bad `update_freq` or `histogram_freq`.

    Example:
        >>> TensorBoard("logs", histogram_freq=1, update_freq=100)
    """

    chief_only = True

    def __init__(
        self,
        log_dir: str | os.PathLike = "logs",
        histogram_freq: int = 0,
        write_graph: bool = True,
        write_images: bool = False,
        write_steps_per_second: bool = False,
        update_freq: str | int = "epoch",
        profile_batch: Any = 0,
        embeddings_freq: int = 0,
        embeddings_metadata: Any = None,
    ) -> None:
        super().__init__()
        self._writer_class = _summary_writer_class()
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and (isinstance(update_freq, bool)
                                       or not isinstance(update_freq, int) or update_freq < 1):
            raise ValueError(f"TensorBoard: update_freq must be 'epoch', 'batch' or a positive "
                             f"int, received {update_freq!r}")
        if isinstance(histogram_freq, bool) or not isinstance(histogram_freq, int) or (
            histogram_freq < 0
        ):
            raise ValueError(f"TensorBoard: histogram_freq must be a non-negative int, received "
                             f"{histogram_freq!r}")
        unsupported = [name for name, value in (("write_images", write_images),
                                                ("profile_batch", profile_batch),
                                                ("embeddings_freq", embeddings_freq)) if value]
        if unsupported:
            warnings.warn(f"TensorBoard: {', '.join(unsupported)} not supported by deepfit; "
                          "ignored", stacklevel=2)
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_steps_per_second = bool(write_steps_per_second)
        self.update_freq = update_freq
        self._writers: dict[str, Any] = {}
        self._global_train_batch = 0
        self._epoch_start = 0.0
        self._epoch_batches = 0

    def _writer(self, kind: str) -> Any:
        if kind not in self._writers:
            self._writers[kind] = self._writer_class(log_dir=os.path.join(self.log_dir, kind))
        return self._writers[kind]

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._global_train_batch = 0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._epoch_start = time.perf_counter()
        self._epoch_batches = 0

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._global_train_batch += 1
        self._epoch_batches += 1
        if self.update_freq == "epoch" or self._global_train_batch % self.update_freq:
            return
        writer = self._writer("train")
        for name, value in (logs or {}).items():
            number = _number(value)
            if number is not None:
                writer.add_scalar(f"batch_{name}", number, self._global_train_batch)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        train: dict[str, float] = {}
        validation: dict[str, float] = {}
        for name, value in (logs or {}).items():
            number = _number(value)
            if number is None:
                continue
            if name.startswith("val_"):
                validation[name[4:]] = number
            else:
                train[name] = number
        rate = self._learning_rate()
        if rate is not None and "learning_rate" not in train:
            train["learning_rate"] = rate
        if self.write_steps_per_second:
            elapsed = time.perf_counter() - self._epoch_start
            train["steps_per_second"] = self._epoch_batches / elapsed if elapsed > 0 else 0.0
        for kind, values in (("train", train), ("validation", validation)):
            if values:
                writer = self._writer(kind)
                for name, number in values.items():
                    writer.add_scalar(f"epoch_{name}", number, epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._write_histograms(epoch)
        for writer in self._writers.values():
            writer.flush()

    def _learning_rate(self) -> float | None:
        optimizer = getattr(self.model, "optimizer", None)
        try:
            return float(optimizer.learning_rate) if optimizer is not None else None
        except (TypeError, ValueError, AttributeError):
            return None

    def _write_histograms(self, epoch: int) -> None:
        writer = self._writer("train")
        for name, weight in self.model.named_parameters():
            writer.add_histogram(name.replace(".", "/"), weight.detach().cpu(), epoch)

    def on_train_end(self, logs: dict | None = None) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers = {}


def _number(value: Any) -> float | None:
    try:
        return to_float(value)
    except TypeError:
        return None
