"""MNIST handwritten digits: 60,000 training and 10,000 test 28x28 grayscale images.

The file is Keras's `mnist.npz`, found in deepfit's cache, in Keras's cache, or downloaded.

Example:
    >>> from deepfit.datasets import mnist
    >>> (x_train, y_train), (x_test, y_test) = mnist.load_data()  # doctest: +SKIP
    >>> x_train.shape, y_train.shape  # doctest: +SKIP
    ((60000, 28, 28), (60000,))
"""

from __future__ import annotations

import os

import numpy as np

from deepfit.datasets.storage import check_pairs, fetch, load_npz_arrays
from deepfit.utils.file_utils import get_file

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
FILE_HASH = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
_SPEC = {"x_train": (3, "u"), "y_train": (1, "u"), "x_test": (3, "u"), "y_test": (1, "u")}


def load_data(
    path: str = "mnist.npz",
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load MNIST as NumPy arrays, downloading `mnist.npz` once if no cache has it.

    Args:
        path: the file name in the cache (`~/.deepfit/datasets/`, or Keras's
            `~/.keras/datasets/`), or a path with a folder to use that location instead.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images of shape (n, 28, 28) with values
        0..255, and uint8 labels 0..9 of shape (n,).

    Raises:
        DownloadError: nothing cached and no network; names the path to put the file at.
        ValueError: the file is corrupt (the message says which file to delete).
    """
    path = os.fspath(path)
    if os.sep in path or (os.altsep and os.altsep in path):
        folder, name = os.path.split(os.path.abspath(os.path.expanduser(path)))
        local = get_file(name, origin=ORIGIN, file_hash=FILE_HASH, cache_dir=folder,
                         cache_subdir="")
    else:
        local = fetch(path, origin=ORIGIN, file_hash=FILE_HASH)
    arrays = load_npz_arrays(local, "MNIST", _SPEC)
    check_pairs(local, "MNIST", arrays, [("x_train", "y_train"), ("x_test", "y_test")])
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])
