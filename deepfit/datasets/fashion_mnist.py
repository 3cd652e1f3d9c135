"""Fashion-MNIST: 60,000 training and 10,000 test 28x28 grayscale images of 10 clothing classes.

Labels: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker,
8 Bag, 9 Ankle boot. The four gzipped IDX files live in `datasets/fashion-mnist/` of deepfit's
cache (or Keras's).

Example:
    >>> from deepfit.datasets import fashion_mnist
    >>> (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()  # doctest: +SKIP
"""

from __future__ import annotations

import gzip
import os
import zlib

import numpy as np

from deepfit.datasets.storage import corrupt_file_error, fetch

BASE_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
SUBDIR = os.path.join("datasets", "fashion-mnist")
FILES = {
    "y_train": "train-labels-idx1-ubyte.gz",
    "x_train": "train-images-idx3-ubyte.gz",
    "y_test": "t10k-labels-idx1-ubyte.gz",
    "x_test": "t10k-images-idx3-ubyte.gz",
}
_LABELS_MAGIC, _IMAGES_MAGIC = 2049, 2051


def load_data() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load Fashion-MNIST as NumPy arrays, downloading the files once if no cache has them.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images of shape (n, 28, 28) with values
        0..255, and uint8 labels 0..9 of shape (n,).

    Raises:
        DownloadError: nothing cached and no network; names the path to put each file at.
        ValueError: a file is corrupt (the message says which file to delete).
    """
    paths = {key: fetch(name, origin=BASE_URL + name, subdir=SUBDIR) for key, name in FILES.items()}
    arrays = {key: _read_idx(path, images=key.startswith("x")) for key, path in paths.items()}
    for split in ("train", "test"):
        if len(arrays[f"x_{split}"]) != len(arrays[f"y_{split}"]):
            raise corrupt_file_error(
                paths[f"x_{split}"], "Fashion-MNIST",
                f"{len(arrays[f'x_{split}'])} images but {len(arrays[f'y_{split}'])} labels",
            )
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def _read_idx(path: str, images: bool) -> np.ndarray:
    """Parse a gzipped IDX file: a big-endian header (magic, counts, sizes), then uint8 data."""
    try:
        with gzip.open(path, "rb") as handle:
            raw = handle.read()
    except (OSError, EOFError, zlib.error) as err:
        raise corrupt_file_error(path, "Fashion-MNIST", f"{type(err).__name__}: {err}") from err
    header_words = 4 if images else 2
    if len(raw) < 4 * header_words:
        raise corrupt_file_error(path, "Fashion-MNIST", "the file is too short")
    header = np.frombuffer(raw, dtype=">u4", count=header_words)
    magic, count = int(header[0]), int(header[1])
    shape = (count, int(header[2]), int(header[3])) if images else (count,)
    expected_magic = _IMAGES_MAGIC if images else _LABELS_MAGIC
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 * header_words)
    if magic != expected_magic or data.size != int(np.prod(shape)):
        raise corrupt_file_error(
            path, "Fashion-MNIST", f"header magic {magic} with shape {shape} but "
            f"{data.size} data bytes (expected magic {expected_magic})"
        )
    return data.reshape(shape)
