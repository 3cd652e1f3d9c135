"""Reuters newswires: 11,228 newswires labeled over 46 topics, each a list of word indices,
from Keras's `reuters.npz`.

Example:
    >>> from deepfit.datasets import reuters
    >>> (x_train, y_train), _ = reuters.load_data(num_words=10000)  # doctest: +SKIP
    >>> reuters.get_label_names()[3]
    'earn'
"""

from __future__ import annotations

import numpy as np

from deepfit.datasets import word_sequences as ws
from deepfit.datasets.storage import fetch

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/reuters.npz"
FILE_HASH = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
WORD_INDEX_ORIGIN = (
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/reuters_word_index.json")
WORD_INDEX_HASH = "4d44cc38712099c9e383dc6e5f11a921"
LABEL_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply",
    "coffee", "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas",
    "cpi", "money-fx", "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin",
    "strategic-metal", "livestock", "retail", "ipi", "iron-steel", "rubber", "heat", "jobs",
    "lei", "bop", "zinc", "orange", "pet-chem", "dlr", "gas", "silver", "wpi", "hog", "lead",
)


def load_data(
    path: str = "reuters.npz",
    num_words: int | None = None,
    skip_top: int = 0,
    maxlen: int | None = None,
    test_split: float = 0.2,
    seed: int = 113,
    start_char: int | None = 1,
    oov_char: int | None = 2,
    index_from: int = 3,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load Reuters as lists of word indices (Keras's `reuters.load_data`).

    Args:
        path: the file name in the cache.
        num_words, skip_top, maxlen, seed, start_char, oov_char, index_from: as for
            `imdb.load_data`.
        test_split: the fraction of newswires (taken from the end after shuffling) for testing.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: object arrays of lists of ints and int topic
        labels 0..45.
    """
    local = fetch(path, origin=ORIGIN, file_hash=FILE_HASH)
    arrays = ws.load_object_npz(local, "Reuters", ["x", "y"])
    xs, labels = ws.shuffled(seed, arrays["x"], arrays["y"])
    if start_char is not None or index_from:
        xs = ws.encode_sequences(xs, start_char, index_from)
    else:
        xs = [list(x) for x in xs]
    if maxlen:
        xs, labels = ws.drop_long(maxlen, xs, labels)
    xs = ws.limit_vocabulary(xs, num_words, skip_top, oov_char)
    split = int(len(xs) * (1 - test_split))
    return ((ws.object_array(xs[:split]), np.array(labels[:split])),
            (ws.object_array(xs[split:]), np.array(labels[split:])))


def get_word_index(path: str = "reuters_word_index.json") -> dict[str, int]:
    """The word → index dict (add `index_from` to match `load_data`'s sequences)."""
    return ws.load_word_index(path, WORD_INDEX_ORIGIN, WORD_INDEX_HASH, "Reuters word index")


def get_label_names() -> tuple[str, ...]:
    """The 46 topic names, in label order."""
    return LABEL_NAMES
