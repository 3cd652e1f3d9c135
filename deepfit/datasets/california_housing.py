"""California housing prices: 20,640 districts of 8 features and a price target ('large'), or
its first 600 ('small'), from Keras's `california_housing.npz`.

Example:
    >>> from deepfit.datasets import california_housing
    >>> (x_train, y_train), _ = california_housing.load_data(version="small")  # doctest: +SKIP
    >>> x_train.shape  # doctest: +SKIP
    (480, 8)
"""

from __future__ import annotations

import numpy as np

from deepfit.datasets.housing import check_test_split, load_xy, split_regression

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/california_housing.npz"
FILE_HASH = "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f"


def load_data(version: str = "large", path: str = "california_housing.npz",
              test_split: float = 0.2, seed: int = 113
              ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load the California housing data, shuffled with `seed` and split (Keras's function).

    Args:
        version: 'large' (all 20,640 samples) or 'small' (the first 600).
        path: the file name in the cache.
        test_split: the fraction kept for testing.
        seed: the shuffle's seed.

    Returns:
        `(x_train, y_train), (x_test, y_test)` float arrays.
    """
    check_test_split(test_split)
    if version not in ("small", "large"):
        raise ValueError(f"version must be one of 'small', 'large', received {version!r}")
    x, y = load_xy(path, ORIGIN, FILE_HASH, "California housing")
    if version == "small":
        x, y = x[:600], y[:600]
    return split_regression(x, y, test_split, seed)
