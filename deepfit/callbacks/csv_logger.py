"""`CSVLogger`: stream each epoch's results to a CSV file.

Example:
    >>> model.fit(x, y, epochs=10, callbacks=[CSVLogger("training.log")])
"""

from __future__ import annotations

import csv
import io
import os
from typing import Any

import numpy as np
import torch

from deepfit.callbacks.callback import Callback
from deepfit.callbacks.logs import to_float


class CSVLogger(Callback):
    """Write one row per epoch: `epoch`, then the log keys sorted (Keras's columns and format).

    If the first epoch has no val_* keys, val_ columns are added for every key anyway (filled
    with 'NA' until validation runs). Each row goes to the file in one write followed by a
    flush, so a crash leaves only whole rows behind.

    Args:
        filename: path of the CSV file.
        separator: the one-character column separator.
        append: append to an existing file (the header is written only if it is empty)
            instead of overwriting it.

    Example:
        >>> logger = CSVLogger("run.csv", separator=";", append=True)
    """

    chief_only = True

    def __init__(self, filename: str | os.PathLike, separator: str = ",", append: bool = False):
        super().__init__()
        if not isinstance(separator, str) or len(separator) != 1:
            raise ValueError(
                f"CSVLogger: separator must be a single character, received {separator!r}"
            )
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.keys: list[str] | None = None
        self.append_header = True
        self.csv_file: Any = None

    def on_train_begin(self, logs: dict | None = None) -> None:
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename, encoding="utf-8") as existing:
                    self.append_header = not existing.readline()
            mode = "a"
        else:
            mode = "w"
        self._close()
        self.csv_file = open(self.filename, mode, newline="", encoding="utf-8")
        self.keys = None

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        buffer = io.StringIO()
        # Keras's dialect: Excel's (minimal quoting, CRLF line ends) with our separator.
        writer = csv.writer(buffer, delimiter=self.sep, lineterminator="\r\n")
        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(key.startswith("val_") for key in self.keys):
                self.keys.extend(f"val_{key}" for key in list(self.keys))
            if self.append_header:
                writer.writerow(["epoch", *self.keys])
        writer.writerow([epoch, *(_cell(logs.get(key, "NA")) for key in self.keys)])
        # One write per row, then flush: a crash never leaves half a row in the file.
        self.csv_file.write(buffer.getvalue())
        self.csv_file.flush()

    def on_train_end(self, logs: dict | None = None) -> None:
        self._close()

    def _close(self) -> None:
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return value
    try:
        return to_float(value)
    except TypeError:
        pass
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().tolist()
    elif isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return f'"[{", ".join(map(str, value))}]"'
    return value
