"""Indexing a folder of class subfolders, with Keras's file order, shuffle and split rules.

Classes are the sorted subfolder names (hidden ones skipped); files are listed per class by a
sorted `os.walk`; the list is shuffled with `np.random.RandomState(seed)`; the validation subset
is the last `int(validation_split * n)` files. The same seed therefore gives the same training
and validation files as `keras.utils.image_dataset_from_directory`, and the two never overlap.

Example:
    >>> paths, labels, names = index_directory(  # doctest: +SKIP
    ...     "flowers", "inferred", formats=(".jpg",), seed=1)
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np


def index_directory(
    directory: str | os.PathLike,
    labels: Any,
    formats: tuple[str, ...],
    class_names: Sequence[str] | None = None,
    shuffle: bool = True,
    seed: int | None = None,
    follow_links: bool = False,
    verbose: bool = True,
) -> tuple[list[str], np.ndarray | None, list[str] | None]:
    """List the files of `directory` with their labels.

    Args:
        directory: the folder.
        labels: 'inferred' (one class per subfolder), None, or a list of int labels matching
            the sorted file list.
        formats: accepted file extensions, lower case, e.g. ('.png', '.jpg').
        class_names: with labels='inferred', the subfolders to use, in label order.
        shuffle: shuffle the files (else they stay in sorted order).
        seed: the shuffle's seed (a random one when None).
        follow_links: descend into symlinked subfolders.
        verbose: print 'Found N files belonging to C classes.'.

    Returns:
        `(file_paths, labels, class_names)`; labels is an array (int32 when inferred) or None.
    """
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise ValueError(f"directory: expected an existing folder, received {directory!r}")
    subdirs = _class_folders(directory, labels, class_names)
    indices = {name: index for index, name in enumerate(subdirs)}
    folders = [os.path.join(directory, name) for name in subdirs]
    with ThreadPoolExecutor(max_workers=min(16, max(1, len(folders)))) as pool:
        listed = list(pool.map(lambda d: _index_folder(d, indices, follow_links, formats), folders))
    filenames = [name for names, _ in listed for name in names]
    if labels == "inferred":
        labels = np.array([label for _, found in listed for label in found], dtype=np.int32)
        class_names = list(subdirs)
    elif labels is None:
        class_names = None
    else:
        labels = _explicit_labels(labels, len(filenames), directory)
        class_names = [str(label) for label in sorted(set(labels.tolist()))]
    if verbose:
        counted = "" if labels is None else f" belonging to {len(class_names)} classes"
        print(f"Found {len(filenames)} files{counted}.")
    file_paths = [os.path.join(directory, name) for name in filenames]
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(file_paths)
        if labels is not None:
            np.random.RandomState(seed).shuffle(labels)
    return file_paths, labels, class_names


def index_subsets(
    directory: str | os.PathLike,
    labels: Any,
    label_mode: str | None,
    formats: tuple[str, ...],
    class_names: Sequence[str] | None,
    shuffle: bool,
    seed: int | None,
    follow_links: bool,
    verbose: bool,
    validation_split: float | None,
    subset: str | None,
) -> tuple[list[str], np.ndarray | None, list[str], int]:
    """What every `*_dataset_from_directory` does first: check the split arguments, pick a
    seed when none is given, index the folder and check a binary label mode's class count.

    Returns:
        `(paths, labels, class_names, seed)`.
    """
    check_validation_split(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = int(np.random.randint(1e6))
    paths, found_labels, class_names = index_directory(
        directory, labels, formats, class_names=class_names, shuffle=shuffle, seed=seed,
        follow_links=follow_links, verbose=verbose,
    )
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(f'When passing `label_mode="binary"`, there must be exactly 2 '
                         f"class_names. Received: class_names={class_names}")
    return paths, found_labels, class_names, seed


def _class_folders(directory: str, labels: Any, class_names: Sequence[str] | None) -> list[str]:
    if labels != "inferred":
        if class_names is not None:
            raise ValueError(
                "class_names can only be given with labels='inferred'; received "
                f"labels={'None' if labels is None else 'a list'} and class_names={class_names}"
            )
        return [""]
    subdirs = sorted(
        name
        for name in os.listdir(directory)
        if os.path.isdir(os.path.join(directory, name)) and not name.startswith(".")
    )
    if class_names is None:
        return subdirs
    if not set(class_names).issubset(subdirs):
        raise ValueError(
            "class_names did not match the subfolders of the directory: expected names among "
            f"{subdirs}, received class_names={list(class_names)}"
        )
    return list(class_names)


def _index_folder(
    folder: str, indices: dict[str, int], follow_links: bool, formats: tuple[str, ...]
) -> tuple[list[str], list[int]]:
    """Files under `folder` (recursively, sorted) as paths relative to the parent directory."""
    class_name = os.path.basename(folder)
    names, labels = [], []
    for root, _, files in sorted(os.walk(folder, followlinks=follow_links), key=lambda x: x[0]):
        for fname in sorted(files):
            if fname.lower().endswith(formats):
                relative = os.path.relpath(os.path.join(root, fname), folder)
                names.append(os.path.join(class_name, relative))
                labels.append(indices[class_name])
    return names, labels


def _explicit_labels(labels: Any, count: int, directory: str) -> np.ndarray:
    if not isinstance(labels, (list, tuple, np.ndarray)):
        raise ValueError(
            "labels must be 'inferred', None, or a list/tuple of int labels, one per file in "
            f"sorted order; received {labels!r}"
        )
    labels = np.array(labels)
    if len(labels) != count:
        raise ValueError(
            f"labels: expected one label per file, but received {len(labels)} labels for "
            f"{count} files found in {directory}"
        )
    return labels


def split_subset(
    samples: list[str],
    labels: np.ndarray | None,
    validation_split: float | None,
    subset: str | None,
) -> tuple[list[str], np.ndarray | None]:
    """The training (first) or validation (last `int(validation_split * n)`) part of the files.

    Args:
        samples: the (already shuffled) file paths.
        labels: their labels, or None.
        validation_split: the validation fraction, or None to keep everything.
        subset: 'training' or 'validation'.

    Returns:
        `(samples, labels)` of the subset; prints 'Using K files for training.' (or validation).
    """
    if not validation_split:
        return samples, labels
    num_val = int(validation_split * len(samples))
    num_train = len(samples) - num_val
    if subset == "training":
        print(f"Using {num_train} files for training.")
        part = slice(None, num_train)
    elif subset == "validation":
        print(f"Using {num_val} files for validation.")
        part = slice(num_train, None)
    else:
        raise ValueError(f"subset must be 'training' or 'validation', received {subset!r}")
    return samples[part], None if labels is None else labels[part]


def check_validation_split(
    validation_split: float | None, subset: str | None, shuffle: bool, seed: int | None
) -> None:
    """Keras's argument checks for validation_split, subset, shuffle and seed."""
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(
            f"validation_split must be between 0 and 1, received {validation_split!r}"
        )
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError(
            "If subset is set, validation_split must be set, and inversely; received "
            f"validation_split={validation_split!r}, subset={subset!r}"
        )
    if subset not in ("training", "validation", "both", None):
        raise ValueError(
            f"subset must be 'training', 'validation' or 'both', received {subset!r}"
        )
    if validation_split and shuffle and seed is None:
        raise ValueError(
            "When using validation_split and shuffling the data, pass a seed so that the "
            "training and validation subsets do not overlap."
        )


def encode_labels(labels: np.ndarray, label_mode: str, num_classes: int) -> np.ndarray:
    """int: int32 (n,); binary: float32 (n, 1); categorical: float32 one-hot (n, num_classes)."""
    labels = np.asarray(labels)
    if label_mode == "int":
        return labels.astype(np.int32)
    if label_mode == "binary":
        return labels.astype(np.float32).reshape(-1, 1)
    if label_mode == "categorical":
        # Like tf.one_hot, a label outside 0..num_classes-1 becomes an all-zero row.
        index = labels.astype(np.int64)
        valid = (index >= 0) & (index < num_classes)
        encoded = np.zeros((len(index), num_classes), dtype=np.float32)
        encoded[np.flatnonzero(valid), index[valid]] = 1.0
        return encoded
    raise ValueError(
        f"label_mode must be 'int', 'categorical', 'binary' or None, received {label_mode!r}"
    )
