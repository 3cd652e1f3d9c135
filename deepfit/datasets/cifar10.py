"""CIFAR-10: 50,000 training and 10,000 test 32x32 color images of 10 classes.

Labels: 0 airplane, 1 automobile, 2 bird, 3 cat, 4 deer, 5 dog, 6 frog, 7 horse, 8 ship,
9 truck. The archive unpacks to `datasets/cifar-10-batches-py/`; folders already unpacked by
Keras 3 (`datasets/cifar-10-batches-py-target/cifar-10-batches-py`) or tf.keras 2
(`datasets/cifar-10-batches-py`) are read in place.

Example:
    >>> from deepfit.datasets import cifar10
    >>> (x_train, y_train), (x_test, y_test) = cifar10.load_data()  # doctest: +SKIP
    >>> x_train.shape, y_train.shape  # doctest: +SKIP
    ((50000, 32, 32, 3), (50000, 1))
"""

from __future__ import annotations

import os
import pickle

import numpy as np

from deepfit.datasets.storage import (
    RestrictedUnpickler,
    cached_copy,
    corrupt_file_error,
    fetch,
    keras_cache_dirs,
)
from deepfit.utils.file_utils import deepfit_home, extract_archive

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
FILE_HASH = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
ARCHIVE = "cifar-10-python.tar.gz"
FOLDER = "cifar-10-batches-py"
BATCHES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
# Where Keras 3 and tf.keras 2 leave the archive and the unpacked folder in their caches.
_KERAS_FOLDERS = [os.path.join("cifar-10-batches-py-target", FOLDER), FOLDER]
_KERAS_ARCHIVES = ["cifar-10-batches-py-target_archive", "cifar-10-batches-py.tar.gz"]


def load_data() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load CIFAR-10 as NumPy arrays (channels-last), downloading the archive once if needed.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images of shape (n, 32, 32, 3) with
        values 0..255, and uint8 labels 0..9 of shape (n, 1).

    Raises:
        DownloadError: nothing cached and no network; names the path to put the archive at.
        ValueError: a batch file is corrupt (the message says what to delete).
    """
    folder = _find_folder()
    parts = [load_batch(os.path.join(folder, name)) for name in BATCHES]
    x_train = np.concatenate([x for x, _ in parts[:5]])
    y_train = np.concatenate([y for _, y in parts[:5]])
    x_test, y_test = parts[5]
    return (x_train, y_train.reshape(-1, 1)), (x_test, y_test.reshape(-1, 1))


def _find_folder() -> str:
    return find_folder(FOLDER, BATCHES, _KERAS_FOLDERS, _KERAS_ARCHIVES, ARCHIVE, ORIGIN,
                       FILE_HASH)


def find_folder(folder: str, files: list[str], keras_folders: list[str],
                keras_archives: list[str], archive: str, origin: str, file_hash: str) -> str:
    """The unpacked folder holding `files`: in deepfit's cache, in Keras's caches (both
    generations' layouts), unpacked from an archive Keras downloaded, or downloaded.

    Args:
        folder: the folder the archive unpacks to.
        files: the files it must hold.
        keras_folders: where Keras leaves the unpacked folder, relative to its `datasets/`.
        keras_archives: where Keras leaves the archive, relative to its `datasets/`.
        archive, origin, file_hash: the archive's name, URL and sha256.

    Returns:
        The folder's path.
    """
    datasets = os.path.join(deepfit_home(), "datasets")
    candidates = [os.path.join(datasets, folder)] + [
        os.path.join(root, "datasets", relative)
        for root in keras_cache_dirs()
        for relative in keras_folders
    ]
    for candidate in candidates:
        if all(os.path.isfile(os.path.join(candidate, name)) for name in files):
            return candidate
    for name in keras_archives:
        found = cached_copy(os.path.join("datasets", name), file_hash)
        if found is not None and not found.startswith(deepfit_home() + os.sep):
            extract_archive(found, datasets)
            return os.path.join(datasets, folder)
    downloaded = fetch(archive, origin=origin, file_hash=file_hash, extract=True)
    return os.path.join(os.path.dirname(downloaded), folder)


def load_batch(path: str, label_key: str = "labels") -> tuple[np.ndarray, np.ndarray]:
    """Read one CIFAR batch file (a pickled dict) as channels-last uint8 images and labels.

    Args:
        path: the batch file.
        label_key: the labels' key ('labels' for CIFAR-10).

    Returns:
        `(images, labels)`: uint8 arrays of shapes (n, 32, 32, 3) and (n,).
    """
    try:
        with open(path, "rb") as handle:
            content = RestrictedUnpickler(handle, encoding="bytes").load()
        data = np.asarray(content[b"data"])
        labels = np.asarray(content[label_key.encode()], dtype=np.int64)
    except (OSError, EOFError, pickle.UnpicklingError, KeyError, TypeError, ValueError) as err:
        raise corrupt_file_error(path, "CIFAR", f"{type(err).__name__}: {err}") from err
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
        raise corrupt_file_error(path, "CIFAR", f"data has shape {data.shape}, dtype {data.dtype}")
    if labels.shape != (len(data),):
        raise corrupt_file_error(path, "CIFAR", f"{len(data)} images but labels {labels.shape}")
    images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels.astype(np.uint8)
