"""`pad_sequences`: a list of variable-length sequences → one padded 2-D array (Keras's rules).

Example:
    >>> pad_sequences([[1], [2, 3], [4, 5, 6]]).tolist()
    [[0, 0, 1], [0, 2, 3], [4, 5, 6]]
    >>> pad_sequences([[1], [2, 3, 4]], maxlen=2, padding="post", truncating="post").tolist()
    [[1, 0], [2, 3]]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def pad_sequences(
    sequences: Sequence[Any],
    maxlen: int | None = None,
    dtype: Any = "int32",
    padding: str = "pre",
    truncating: str = "pre",
    value: Any = 0.0,
) -> np.ndarray:
    """Pad (or truncate) every sequence to the same length.

    Args:
        sequences: a list of sequences (lists or arrays; items may themselves be arrays of one
            common shape).
        maxlen: the output length; the longest sequence's length when None.
        dtype: the output dtype ('int32' by default; `object` for strings of any length).
        padding: 'pre' (default) or 'post': where the padding goes.
        truncating: 'pre' (default) or 'post': which end of a longer sequence is cut.
        value: the padding value.

    Returns:
        An array of shape `(len(sequences), maxlen, *item_shape)`.

    Raises:
        ValueError: non-iterable items, an unknown padding/truncating, inconsistent item shapes,
            or a string `value` with a non-string dtype.
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError("pad_sequences: `sequences` must be a list of sequences")
    lengths, item_shape = _lengths_and_item_shape(sequences)
    if maxlen is None:
        maxlen = int(np.max(lengths))
    string_dtype = np.issubdtype(dtype, np.str_) or np.issubdtype(dtype, np.bytes_)
    if isinstance(value, str) and dtype is not object and not string_dtype:
        raise ValueError(f"pad_sequences: dtype {dtype} cannot hold the string value {value!r}; "
                         "use dtype=object for strings")
    if padding not in ("pre", "post"):
        raise ValueError(f'pad_sequences: padding must be "pre" or "post", received {padding!r}')
    if truncating not in ("pre", "post"):
        raise ValueError(f'pad_sequences: truncating must be "pre" or "post", received '
                         f"{truncating!r}")
    out = np.full((len(sequences), maxlen, *item_shape), value, dtype=dtype)
    for row, sequence in enumerate(sequences):
        if not len(sequence):
            continue
        kept = sequence[-maxlen:] if truncating == "pre" else sequence[:maxlen]
        kept = np.asarray(kept, dtype=dtype)
        if kept.shape[1:] != item_shape:
            raise ValueError(f"pad_sequences: sequence {row} has items of shape {kept.shape[1:]}, "
                             f"expected {item_shape} (the first non-empty sequence's)")
        if padding == "post":
            out[row, :len(kept)] = kept
        else:
            out[row, -len(kept):] = kept
    return out


def _lengths_and_item_shape(sequences: Sequence[Any]) -> tuple[list[int], tuple]:
    lengths: list[int] = []
    item_shape: tuple | None = None
    for sequence in sequences:
        try:
            lengths.append(len(sequence))
        except TypeError as err:
            raise ValueError(f"pad_sequences: `sequences` must be a list of sequences, found "
                             f"the non-sequence {sequence!r}") from err
        if item_shape is None and len(sequence):
            item_shape = np.asarray(sequence).shape[1:]
    return lengths, item_shape or ()
