"""`TextLineDataset`: the lines of text files as a dataset of strings (tf.data's).

Each element is one line without its line ending ('\\n' or '\\r\\n'), as a Python `str` (deepfit's
text type; TensorFlow hands out bytes). Files are read in order, each whole, when the dataset is
made; GZIP and ZLIB compressed files are read as TensorFlow reads them.

Example:
    >>> ds = TextLineDataset("notes.txt").batch(2)  # doctest: +SKIP
"""

from __future__ import annotations

import gzip
import os
import zlib
from typing import Any

import numpy as np

from deepfit.data import transforms
from deepfit.data.dataset import Dataset


def TextLineDataset(  # noqa: N802 - tf.data's name
    filenames: Any,
    compression_type: str | None = None,
    buffer_size: int | None = None,
    num_parallel_reads: int | None = None,
    name: str | None = None,
) -> Dataset:
    """A dataset of the lines of `filenames` (`tf.data.TextLineDataset`).

    Args:
        filenames: a path or a list of paths, read in that order.
        compression_type: None or '' (plain text), 'GZIP' or 'ZLIB'.
        buffer_size, num_parallel_reads, name: accepted (whole files are read).

    Returns:
        A `Dataset` whose elements are `str` scalars, one per line.

    Raises:
        FileNotFoundError: a file does not exist.
        ValueError: an unknown `compression_type`.
    """
    kind = (compression_type or "").upper()
    if kind not in ("", "GZIP", "ZLIB"):
        raise ValueError("TextLineDataset: compression_type must be None, '', 'GZIP' or 'ZLIB', "
                         f"received {compression_type!r}")
    paths = [filenames] if isinstance(filenames, str | bytes | os.PathLike) else list(filenames)
    lines: list[str] = []
    for path in paths:
        lines.extend(_lines(_read(os.fsdecode(path), kind)))
    array = np.empty(len(lines), dtype=object)
    array[:] = lines
    return transforms.TensorSlices(transforms.ArraySource.from_tensors(array))


def _read(path: str, kind: str) -> bytes:
    if not os.path.isfile(path):
        raise FileNotFoundError(f"TextLineDataset: filenames: no such file: {path!r}")
    with open(path, "rb") as f:
        raw = f.read()
    if kind == "GZIP":
        return gzip.decompress(raw)
    return zlib.decompress(raw) if kind == "ZLIB" else raw


def _lines(raw: bytes) -> list[str]:
    text = raw.decode("utf-8", errors="replace")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # a final line ending ends the last line; it starts no new one
    return [line.removesuffix("\r") for line in lines]
