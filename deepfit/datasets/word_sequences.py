"""What the IMDB and Reuters loaders share: reading `.npz` files of object arrays (lists of word
indices) without running arbitrary pickles, the word-index JSON files, and Keras's rules for
`start_char`, `index_from`, `maxlen`, `num_words`, `skip_top` and `oov_char`.

Example:
    >>> encode_sequences([[1, 2], [3]], start_char=1, index_from=3)
    [[1, 4, 5], [1, 6]]
"""

from __future__ import annotations

import json
import pickle
import zipfile
from typing import Any

import numpy as np

from deepfit.datasets.storage import RestrictedUnpickler, corrupt_file_error, fetch


def load_object_npz(path: str, dataset: str, keys: list[str]) -> dict[str, np.ndarray]:
    """The arrays `keys` of an .npz whose members may be object arrays (pickled lists); only
    NumPy array reconstruction is allowed while unpickling.

    Args:
        path: the .npz file.
        dataset: the dataset's name, for errors.
        keys: the members to read.

    Returns:
        A dict of arrays.
    """
    arrays = {}
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            for key in keys:
                if f"{key}.npy" not in names:
                    raise corrupt_file_error(path, dataset, f"missing array {key!r}")
                with archive.open(f"{key}.npy") as member:
                    arrays[key] = _read_npy(member)
    except (OSError, EOFError, zipfile.BadZipFile, pickle.UnpicklingError, ValueError) as err:
        if isinstance(err, ValueError) and str(err).startswith("The file "):
            raise
        raise corrupt_file_error(path, dataset, f"{type(err).__name__}: {err}") from err
    return arrays


def _read_npy(member: Any) -> np.ndarray:
    import io

    stream = io.BytesIO(member.read())
    version = np.lib.format.read_magic(stream)
    header = (np.lib.format.read_array_header_1_0 if version[0] == 1
              else np.lib.format.read_array_header_2_0)
    shape, fortran, dtype = header(stream)
    if dtype.hasobject:
        return np.asarray(RestrictedUnpickler(stream).load())
    stream.seek(0)
    return np.lib.format.read_array(stream, allow_pickle=False)


def load_word_index(fname: str, origin: str, file_hash: str, dataset: str) -> dict[str, int]:
    """The word → index dict of a `*_word_index.json` file (cached or downloaded)."""
    path = fetch(fname, origin=origin, file_hash=file_hash)
    try:
        with open(path, encoding="utf-8") as handle:
            index = json.load(handle)
    except (OSError, ValueError) as err:
        raise corrupt_file_error(path, dataset, f"{type(err).__name__}: {err}") from err
    if not isinstance(index, dict):
        raise corrupt_file_error(path, dataset, "expected a JSON object of word → index")
    return index


def shuffled(seed: int, *arrays: np.ndarray) -> list[np.ndarray]:
    """The arrays in the same order drawn by `np.random.RandomState(seed).shuffle`."""
    order = np.arange(len(arrays[0]))
    np.random.RandomState(seed).shuffle(order)
    return [array[order] for array in arrays]


def encode_sequences(sequences: Any, start_char: int | None, index_from: int) -> list[list[int]]:
    """Shift word indices by `index_from` and prepend `start_char` (when not None)."""
    head = [] if start_char is None else [start_char]
    return [head + [int(word) + index_from for word in sequence] for sequence in sequences]


def drop_long(maxlen: int, sequences: list[list[int]], labels: np.ndarray
              ) -> tuple[list[list[int]], np.ndarray]:
    """Keep the sequences shorter than `maxlen` (and their labels), as Keras does."""
    kept = [i for i, sequence in enumerate(sequences) if len(sequence) < maxlen]
    return [sequences[i] for i in kept], np.asarray(labels)[kept]


def limit_vocabulary(sequences: list[list[int]], num_words: int | None, skip_top: int,
                     oov_char: int | None) -> list[list[int]]:
    """Words outside `[skip_top, num_words)` become `oov_char` (or are removed when None)."""
    if not num_words:
        num_words = max(max(sequence) for sequence in sequences)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in sequence]
                for sequence in sequences]
    return [[w for w in sequence if skip_top <= w < num_words] for sequence in sequences]


def object_array(sequences: list[list[int]]) -> np.ndarray:
    """A 1-D object array of lists (what Keras returns as x_train/x_test)."""
    out = np.empty(len(sequences), dtype=object)
    for i, sequence in enumerate(sequences):
        out[i] = sequence
    return out
