"""IMDB movie reviews: 25,000 training and 25,000 test reviews labeled by sentiment, each a list
of word indices (words ranked by frequency), from Keras's `imdb.npz`.

Example:
    >>> from deepfit.datasets import imdb
    >>> (x_train, y_train), _ = imdb.load_data(num_words=10000)  # doctest: +SKIP
    >>> word_index = imdb.get_word_index()  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deepfit.datasets import word_sequences as ws
from deepfit.datasets.storage import fetch

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/imdb.npz"
FILE_HASH = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
WORD_INDEX_ORIGIN = (
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/imdb_word_index.json")
WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"


def load_data(
    path: str = "imdb.npz",
    num_words: int | None = None,
    skip_top: int = 0,
    maxlen: int | None = None,
    seed: int = 113,
    start_char: int | None = 1,
    oov_char: int | None = 2,
    index_from: int = 3,
    **kwargs: Any,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load IMDB as lists of word indices (Keras's `imdb.load_data`).

    Args:
        path: the file name in the cache (`~/.deepfit/datasets/` or Keras's).
        num_words: keep the `num_words` most frequent words; others become `oov_char`.
        skip_top: the most frequent words to replace by `oov_char` too.
        maxlen: drop the reviews of `maxlen` words or more.
        seed: the shuffle's seed.
        start_char: the index each review starts with (None: no start mark).
        oov_char: the index of cut-out words (None: they are removed).
        index_from: added to every word index.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: object arrays of lists of ints and int labels
        0/1.
    """
    if kwargs:
        raise TypeError(f"imdb.load_data: unexpected arguments {sorted(kwargs)}")
    local = fetch(path, origin=ORIGIN, file_hash=FILE_HASH)
    arrays = ws.load_object_npz(local, "IMDB", ["x_train", "y_train", "x_test", "y_test"])
    # One RandomState shuffles the training set, then the test set (Keras's order of draws).
    rng = np.random.RandomState(seed)
    train_order, test_order = np.arange(len(arrays["x_train"])), np.arange(len(arrays["x_test"]))
    rng.shuffle(train_order)
    rng.shuffle(test_order)
    x_train, y_train = arrays["x_train"][train_order], arrays["y_train"][train_order]
    x_test, y_test = arrays["x_test"][test_order], arrays["y_test"][test_order]
    if start_char is not None or index_from:
        x_train = ws.encode_sequences(x_train, start_char, index_from)
        x_test = ws.encode_sequences(x_test, start_char, index_from)
    else:
        x_train, x_test = [list(x) for x in x_train], [list(x) for x in x_test]
    if maxlen:
        x_train, y_train = ws.drop_long(maxlen, x_train, y_train)
        x_test, y_test = ws.drop_long(maxlen, x_test, y_test)
        if not x_train or not x_test:
            raise ValueError(f"imdb.load_data: no review is shorter than maxlen={maxlen}; "
                             "increase maxlen")
    sequences = ws.limit_vocabulary(list(x_train) + list(x_test), num_words, skip_top, oov_char)
    split = len(x_train)
    labels = np.concatenate([y_train, y_test])
    return ((ws.object_array(sequences[:split]), labels[:split]),
            (ws.object_array(sequences[split:]), labels[split:]))


def get_word_index(path: str = "imdb_word_index.json") -> dict[str, int]:
    """The word → index dict (index 1 is the most frequent word; add `index_from` to match
    `load_data`'s sequences)."""
    return ws.load_word_index(path, WORD_INDEX_ORIGIN, WORD_INDEX_HASH, "IMDB word index")
