"""`tf.summary`: TensorFlow's summary writers for scripts that log their own numbers to
TensorBoard (a callback that writes a scikit-learn metric each epoch, a custom training loop),
written through torch's `SummaryWriter` into event files TensorBoard reads.

As in TensorFlow, `scalar`/`histogram`/`image`/`text` write to the default writer (set by
`with writer.as_default():` or `writer.set_as_default()`) and return whether they wrote; with
no default writer they write nothing and return False. A step comes from the `step` argument,
else from `as_default(step=...)` or `tf.summary.experimental.set_step`; a summary written with
none raises TensorFlow's ValueError.

Example:
    >>> import deepfit.compat.tensorflow as tf
    >>> writer = tf.summary.create_file_writer("logs/run1")
    >>> with writer.as_default():
    ...     tf.summary.scalar("jaccard_score", 0.8, step=1)
    True
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import numpy as np

from deepfit.compat import namespace as _namespace

__all__ = ["SummaryWriter", "create_file_writer", "create_noop_writer", "experimental", "flush",
           "histogram", "image", "scalar", "text"]

_state: dict[str, Any] = {"writer": None, "step": None}


class SummaryWriter:
    """A writer of event files into one log directory (what `create_file_writer` returns).

    Args:
        logdir: the directory the event files go to (made if missing).
        max_queue: how many summaries to hold before writing them (TensorFlow's default 10).
        flush_millis: the longest time between two writes, in milliseconds (default 120000).
        filename_suffix: appended to the event file's name.
    """

    def __init__(self, logdir: str | os.PathLike | None, max_queue: int | None = None,
                 flush_millis: int | None = None, filename_suffix: str | None = None) -> None:
        self._logdir = None if logdir is None else os.fspath(logdir)
        self._options = {"max_queue": 10 if max_queue is None else int(max_queue),
                         "flush_secs": (120000 if flush_millis is None else flush_millis) / 1000,
                         "filename_suffix": filename_suffix or ""}
        self._writer: Any = None
        self._closed = False

    def _events(self) -> Any:
        """The torch writer, made on first use (so a writer that writes nothing leaves no
        file, as TensorFlow's)."""
        if self._logdir is None or self._closed:
            return None
        if self._writer is None:
            from deepfit.callbacks.tensorboard import _summary_writer_class

            self._writer = _summary_writer_class()(log_dir=self._logdir, **self._options)
        return self._writer

    @contextlib.contextmanager
    def as_default(self, step: Any = None) -> Iterator[SummaryWriter]:
        """Make this the default writer inside the `with` block (and `step` the default step,
        if given); the previous ones come back after it, and the writer is flushed."""
        previous = dict(_state)
        _state["writer"] = self
        if step is not None:
            _state["step"] = step
        try:
            yield self
        finally:
            _state.update(previous)
            self.flush()

    def set_as_default(self, step: Any = None) -> None:
        """Make this the default writer from now on (and `step` the default step, if given)."""
        _state["writer"] = self
        if step is not None:
            _state["step"] = step

    def init(self) -> None:
        """Open the event file (TensorFlow's name for it; writing opens it too)."""
        self._events()

    def flush(self) -> None:
        """Write what is held to the event file."""
        if self._writer is not None:
            self._writer.flush()

    def close(self) -> None:
        """Flush and close the event file; the writer writes nothing more."""
        if self._writer is not None:
            self._writer.close()
        self._closed = True


def create_file_writer(logdir: str | os.PathLike, max_queue: int | None = None,
                       flush_millis: int | None = None, filename_suffix: str | None = None,
                       name: str | None = None,
                       experimental_trackable: bool = False) -> SummaryWriter:
    """A writer of event files into `logdir`, for TensorBoard.

    Args:
        logdir: the directory the event files go to.
        max_queue, flush_millis, filename_suffix: as in TensorFlow.
        name, experimental_trackable: accepted for TensorFlow compatibility.

    Returns:
        A `SummaryWriter`: use it with `with writer.as_default():`.
    """
    if logdir is None:
        raise ValueError("tf.summary.create_file_writer: logdir cannot be None")
    return SummaryWriter(logdir, max_queue, flush_millis, filename_suffix)


def create_noop_writer() -> SummaryWriter:
    """A writer that writes nothing (summaries written to it return False)."""
    return SummaryWriter(None)


def _target(function: str, step: Any) -> tuple[Any, int] | None:
    """The torch writer and the integer step for a summary, or None when nothing is
    written (no default writer, or a no-op one)."""
    writer = _state["writer"]
    if writer is None:
        return None
    events = writer._events()
    if events is None:
        return None
    step = _state["step"] if step is None else step
    if step is None:
        raise ValueError(
            f"tf.summary.{function}: No step set. Please specify one either through the "
            "`step` argument or through tf.summary.experimental.set_step()")
    return events, int(_numpy(step))


def _numpy(value: Any) -> np.ndarray:
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    elif hasattr(value, "numpy"):
        value = value.numpy()
    return np.asarray(value)


def scalar(name: str, data: Any, step: Any = None, description: str | None = None) -> bool:
    """Write a scalar summary to the default writer.

    Args:
        name: the summary's tag.
        data: a number, or a tensor/array of rank 0.
        step: the step it belongs to (else the default step).
        description: accepted for TensorFlow compatibility.

    Returns:
        True if it was written, False when there is no default writer.
    """
    target = _target("scalar", step)
    if target is None:
        return False
    value = _numpy(data)
    if value.ndim != 0:  # TensorFlow's check: a one-element vector is refused too
        raise ValueError(f"tf.summary.scalar {name!r}: Expected scalar shape, saw shape: "
                         f"{tuple(value.shape)}.")
    target[0].add_scalar(name, float(value), target[1])
    return True


def histogram(name: str, data: Any, step: Any = None, buckets: int | None = None,
              description: str | None = None) -> bool:
    """Write a histogram of `data`'s values (`buckets` bins, TensorFlow's default 30) to the
    default writer; returns whether it was written."""
    target = _target("histogram", step)
    if target is None:
        return False
    values = _numpy(data).astype(np.float64).ravel()
    target[0].add_histogram(name, values, target[1], bins=30 if buckets is None else buckets)
    return True


def image(name: str, data: Any, step: Any = None, max_outputs: int = 3,
          description: str | None = None) -> bool:
    """Write up to `max_outputs` images of a `[k, height, width, channels]` batch (floats in
    [0, 1] or uint8; 1, 3 or 4 channels) to the default writer; returns whether it was
    written."""
    target = _target("image", step)
    if target is None:
        return False
    images = _numpy(data)
    if images.ndim != 4 or images.shape[-1] not in (1, 3, 4):
        raise ValueError(f"tf.summary.image: data for {name!r} must have shape [k, height, "
                         f"width, 1|3|4], received {images.shape}")
    images = images[:max_outputs]
    if images.dtype != np.uint8:
        images = (np.clip(images.astype(np.float64), 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    if images.shape[-1] == 1:
        images = np.repeat(images, 3, axis=-1)
    target[0].add_images(name, images, target[1], dataformats="NHWC")
    return True


def text(name: str, data: Any, step: Any = None, description: str | None = None) -> bool:
    """Write a text summary to the default writer; returns whether it was written."""
    target = _target("text", step)
    if target is None:
        return False
    value = data.decode() if isinstance(data, bytes) else data
    if not isinstance(value, str):
        array = _numpy(value)
        value = " ".join(item.decode() if isinstance(item, bytes) else str(item)
                         for item in array.ravel())
    target[0].add_text(name, value, target[1])
    return True


def flush(writer: SummaryWriter | None = None, name: str | None = None) -> None:
    """Flush `writer` (or the default writer)."""
    writer = writer if writer is not None else _state["writer"]
    if writer is not None:
        writer.flush()


def _set_step(step: Any) -> None:
    _state["step"] = step


def _get_step() -> Any:
    return _state["step"]


experimental = _namespace.make(
    "tf.summary.experimental", extras={"set_step": _set_step, "get_step": _get_step})

_namespace.install(globals(), _namespace.Lookup("tf.summary"))
