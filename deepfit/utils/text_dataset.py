"""`text_dataset_from_directory`: `(texts, labels)` batches from a folder of class subfolders
of `.txt` files, with Keras's file order, shuffling, validation split and label modes.

Texts are NumPy object arrays of Python `str` (torch has no strings); files are read when a
batch is produced. The same seed gives the same training and validation files as
`keras.utils.text_dataset_from_directory`.

Example:
    >>> train = text_dataset_from_directory("aclImdb/train", batch_size=32,  # doctest: +SKIP
    ...                                     validation_split=0.2, subset="training", seed=42)
    >>> texts, labels = next(iter(train))  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from deepfit.data import AUTOTUNE, Dataset
from deepfit.data.directory import index_subsets
from deepfit.data.file_datasets import no_files_message, subset_datasets
from deepfit.utils.image_dataset import _check_labels


class _TextReader:
    """Reads a batch (or one) of file paths into strings, cut to `max_length` characters."""

    def __init__(self, max_length: int | None, encoding: str = "utf-8"):
        self.max_length = max_length
        self.encoding = encoding

    def _read(self, path: Any) -> str:
        with open(str(path), encoding=self.encoding, errors="replace") as handle:
            text = handle.read()
        return text if self.max_length is None else text[:self.max_length]

    def __call__(self, paths: np.ndarray, labels: np.ndarray | None = None) -> Any:
        flat = np.asarray(paths)
        texts = np.empty(flat.shape, dtype=object)
        for index in np.ndindex(flat.shape):
            texts[index] = self._read(flat[index])
        return texts if labels is None else (texts, labels)


def text_dataset_from_directory(
    directory: str | os.PathLike,
    labels: Any = "inferred",
    label_mode: str | None = "int",
    class_names: Sequence[str] | None = None,
    batch_size: int | None = 32,
    max_length: int | None = None,
    shuffle: bool = True,
    seed: int | None = None,
    validation_split: float | None = None,
    subset: str | None = None,
    follow_links: bool = False,
    format: str = "tf",
    verbose: bool = True,
) -> Dataset | list[Dataset]:
    """A dataset of `(texts, labels)` batches read from the `.txt` files under `directory`.

    Args:
        directory: with labels='inferred', a folder holding one subfolder per class.
        labels: 'inferred', None, or a list of int labels for the sorted files.
        label_mode: 'int' (int32), 'categorical' (float32 one-hot), 'binary' (float32,
            (batch, 1), exactly two classes) or None (texts only).
        class_names: with labels='inferred', the subfolders to use, in label order.
        batch_size: texts per batch; None yields single texts.
        max_length: keep at most this many characters of each text.
        shuffle: shuffle the files (and the batches on each pass); else sorted order.
        seed: seed of the shuffles; required with validation_split when shuffling.
        validation_split: fraction of the files kept for validation.
        subset: 'training', 'validation' or 'both' (returns [train, validation]).
        follow_links: descend into symlinked subfolders.
        format: 'tf' or 'grain', accepted for Keras compatibility.
        verbose: print how many files and classes were found.

    Returns:
        A `deepfit.data.Dataset` (a list of two for subset='both') with `.class_names` and
        `.file_paths`; texts are object arrays of `str` of shape (batch,).
    """
    labels, label_mode = _check_labels(labels, label_mode, class_names)
    if format not in ("tf", "grain"):
        raise ValueError(f"format must be 'tf' or 'grain', received {format!r}")
    if max_length is not None and (isinstance(max_length, bool) or int(max_length) < 1):
        raise ValueError(f"max_length must be a positive int or None, received {max_length!r}")
    paths, found_labels, class_names, seed = index_subsets(
        directory, labels, label_mode, (".txt",), class_names, shuffle, seed, follow_links,
        verbose, validation_split, subset)
    reader = _TextReader(max_length)

    def finish(dataset: Dataset) -> Dataset:
        if batch_size is not None:
            dataset = dataset.batch(batch_size)
        return dataset.map(reader).prefetch(AUTOTUNE)

    return subset_datasets(paths, found_labels, class_names, label_mode, validation_split,
                           subset, shuffle, seed, batch_size, finish,
                           no_files_message("text", directory, "Allowed format: .txt"))
