"""Operations on streams of row-index arrays: the vectorized fast path of `Dataset`.

When a pipeline starts from in-memory arrays, most transformations (shuffle, batch, take, skip,
repeat, cache, unbatch) only reorder or group rows. They are applied to integer index arrays, and
the data are gathered once per batch with one fancy index per component.

A row-level stream yields 1-D arrays whose concatenation is the sequence of rows; a batch-level
stream yields one 1-D array per batch.

Example:
    >>> import numpy as np
    >>> [b.tolist() for b in rebatch([np.arange(5)], 2, drop_remainder=False)]
    [[0, 1], [2, 3], [4]]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

CHUNK_ROWS = 1 << 16


def arange_chunks(size: int) -> Iterator[np.ndarray]:
    """The row indices 0..size-1 in bounded chunks (so huge sources never need one giant array)."""
    for start in range(0, size, CHUNK_ROWS):
        yield np.arange(start, min(size, start + CHUNK_ROWS), dtype=np.int64)


def take_rows(chunks: Iterable[np.ndarray], count: int) -> Iterator[np.ndarray]:
    """The first `count` rows of a row-level stream."""
    remaining = count
    if remaining <= 0:
        return
    for chunk in chunks:
        if len(chunk) >= remaining:
            yield chunk[:remaining]
            return
        remaining -= len(chunk)
        yield chunk


def skip_rows(chunks: Iterable[np.ndarray], count: int) -> Iterator[np.ndarray]:
    """A row-level stream without its first `count` rows."""
    remaining = count
    for chunk in chunks:
        if remaining >= len(chunk):
            remaining -= len(chunk)
            continue
        yield chunk[remaining:]
        remaining = 0


def rebatch(
    chunks: Iterable[np.ndarray], batch_size: int, drop_remainder: bool
) -> Iterator[np.ndarray]:
    """Group a row-level stream into batches of `batch_size` row indices.

    Args:
        chunks: the row-level stream.
        batch_size: rows per batch.
        drop_remainder: drop a last, smaller batch.

    Returns:
        An iterator over 1-D index arrays, one per batch.
    """
    pending = np.empty(0, dtype=np.int64)
    for chunk in chunks:
        pending = np.concatenate([pending, chunk]) if len(pending) else chunk
        full = len(pending) - len(pending) % batch_size
        for start in range(0, full, batch_size):
            yield pending[start : start + batch_size]
        pending = pending[full:]
    if len(pending) and not drop_remainder:
        yield pending


def gather(leaves: list[np.ndarray], index: np.ndarray) -> list[np.ndarray]:
    """Rows `index` of every source array: one fancy index, or a slice copy when contiguous.

    Copies (never views) so that a consumer editing a batch in place cannot alter the source.
    """
    if len(index) and index[-1] - index[0] == len(index) - 1 and _is_increasing_run(index):
        start, stop = int(index[0]), int(index[-1]) + 1
        return [leaf[start:stop].copy() for leaf in leaves]
    return [leaf[index] for leaf in leaves]


def _is_increasing_run(index: np.ndarray) -> bool:
    return len(index) < 2 or bool(np.all(np.diff(index) == 1))
