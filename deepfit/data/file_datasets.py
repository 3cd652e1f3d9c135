"""The datasets `text_dataset_from_directory` and `audio_dataset_from_directory` build from an
indexed folder: one per subset, `(path, label)` elements shuffled as Keras does (a buffer of
8 batches, the given seed), then read and batched by the caller's `finish`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from deepfit.data.dataset import Dataset
from deepfit.data.directory import encode_labels, split_subset


def subset_datasets(
    paths: list[str],
    labels: np.ndarray | None,
    class_names: Sequence[str],
    label_mode: str | None,
    validation_split: float | None,
    subset: str | None,
    shuffle: bool,
    seed: int,
    batch_size: int | None,
    finish: Callable[[Dataset], Dataset],
    missing: Callable[[str], str],
) -> Dataset | list[Dataset]:
    """The dataset of `subset` (a list `[training, validation]` for 'both').

    Args:
        paths, labels, class_names: `index_directory`'s result (paths already shuffled).
        label_mode: how labels are encoded, or None for paths only.
        validation_split, subset: which part of the files.
        shuffle: shuffle the elements on each pass (the training part only for 'both').
        seed: the shuffle's seed.
        batch_size: elements per batch (sets the shuffle buffer), or None.
        finish: `(dataset of paths or (path, label)) -> final dataset` (read, batch).
        missing: `which -> message` for an empty subset ('training ', 'validation ' or '').

    Returns:
        The dataset(s), each with `.class_names` and `.file_paths`.
    """
    def build(part: str | None, shuffled: bool) -> Dataset:
        part_paths, part_labels = split_subset(paths, labels, validation_split, part)
        if not part_paths:
            raise ValueError(missing(f"{part} " if part else ""))
        path_array = np.array(part_paths, dtype=object)
        if label_mode is None:
            dataset = Dataset.from_tensor_slices(path_array)
        else:
            encoded = encode_labels(part_labels, label_mode, len(class_names))
            dataset = Dataset.from_tensor_slices((path_array, encoded))
        if shuffled:
            dataset = dataset.shuffle(batch_size * 8 if batch_size else 1024, seed=seed)
        dataset = finish(dataset)
        dataset.class_names = class_names
        dataset.file_paths = part_paths
        return dataset

    if subset == "both":
        return [build("training", shuffle), build("validation", False)]
    return build(subset, shuffle)


def no_files_message(kind: str, directory: Any, allowed: str) -> Callable[[str], str]:
    """The error for an empty subset: 'No training audio files found in directory D. <allowed>'
    (Keras's wording, `allowed` naming the file formats)."""
    return lambda which: (f"No {which}{kind} files found in directory {os.fspath(directory)}. "
                          f"{allowed}")
