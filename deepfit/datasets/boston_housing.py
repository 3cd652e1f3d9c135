"""Boston housing prices: 506 samples of 13 features and a price target, from Keras's
`boston_housing.npz`.

Example:
    >>> from deepfit.datasets import boston_housing
    >>> (x_train, y_train), _ = boston_housing.load_data()  # doctest: +SKIP
    >>> x_train.shape  # doctest: +SKIP
    (404, 13)
"""

from __future__ import annotations

import numpy as np

from deepfit.datasets.housing import check_test_split, load_xy, split_regression

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/boston_housing.npz"
FILE_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(path: str = "boston_housing.npz", test_split: float = 0.2, seed: int = 113
              ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load the Boston housing data, shuffled with `seed` and split (Keras's function).

    Args:
        path: the file name in the cache.
        test_split: the fraction kept for testing (taken from the end after shuffling).
        seed: the shuffle's seed.

    Returns:
        `(x_train, y_train), (x_test, y_test)` float arrays.
    """
    check_test_split(test_split)
    x, y = load_xy(path, ORIGIN, FILE_HASH, "Boston housing")
    return split_regression(x, y, test_split, seed)
