"""CIFAR-100: 50,000 training and 10,000 test 32x32 color images of 100 fine classes grouped in
20 coarse ones. The archive unpacks to `datasets/cifar-100-python/` (`train`, `test`); folders
Keras 3 (`cifar-100-python-target/cifar-100-python`) or tf.keras 2 (`cifar-100-python`) already
unpacked are read in place.

Example:
    >>> from deepfit.datasets import cifar100
    >>> (x_train, y_train), _ = cifar100.load_data(label_mode="coarse")  # doctest: +SKIP
    >>> x_train.shape, y_train.shape  # doctest: +SKIP
    ((50000, 32, 32, 3), (50000, 1))
"""

from __future__ import annotations

import os

import numpy as np

from deepfit.datasets.cifar10 import find_folder, load_batch

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
FILE_HASH = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"
ARCHIVE = "cifar-100-python.tar.gz"
FOLDER = "cifar-100-python"
_KERAS_FOLDERS = [os.path.join("cifar-100-python-target", FOLDER), FOLDER]
_KERAS_ARCHIVES = ["cifar-100-python-target_archive", "cifar-100-python.tar.gz"]


def load_data(label_mode: str = "fine"
              ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load CIFAR-100 as NumPy arrays (channels-last), downloading the archive once if needed.

    Args:
        label_mode: 'fine' (100 classes) or 'coarse' (20 superclasses).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images of shape (n, 32, 32, 3) and
        int64 labels of shape (n, 1).
    """
    if label_mode not in ("fine", "coarse"):
        raise ValueError(f'label_mode must be one of "fine", "coarse", received {label_mode!r}')
    folder = find_folder(FOLDER, ["train", "test"], _KERAS_FOLDERS, _KERAS_ARCHIVES, ARCHIVE,
                         ORIGIN, FILE_HASH)
    key = f"{label_mode}_labels"
    x_train, y_train = load_batch(os.path.join(folder, "train"), label_key=key)
    x_test, y_test = load_batch(os.path.join(folder, "test"), label_key=key)
    # Keras reshapes CIFAR-100's label lists as they are: int64, shape (n, 1).
    return ((x_train, y_train.astype(np.int64).reshape(-1, 1)),
            (x_test, y_test.astype(np.int64).reshape(-1, 1)))
