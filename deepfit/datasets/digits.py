"""scikit-learn's handwritten digits: 1,797 8x8 grayscale images, bundled (works offline).

Layout: images are uint8 arrays of shape (n, 8, 8) with values 0..16 (not 0..255: each pixel
counts the set pixels of a 4x4 block of the original 32x32 bitmap); labels are uint8 0..9 of
shape (n,). Divide images by 16 to scale them to 0..1.

Example:
    >>> from deepfit.datasets import digits
    >>> (x_train, y_train), (x_test, y_test) = digits.load_data(test_split=0.2)
    >>> x_train.shape, x_test.shape
    ((1437, 8, 8), (360, 8, 8))
"""

from __future__ import annotations

import numpy as np


def load_data(
    test_split: float = 0.2, seed: int = 113
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load the digits, shuffled with `seed`, and split off the last `test_split` fraction.

    The rule is Keras's for its small datasets: shuffle the indices with
    `np.random.RandomState(seed)`, keep the first `int(n * (1 - test_split))` for training.

    Args:
        test_split: fraction of the samples used for testing, in [0, 1).
        seed: seed of the shuffle.

    Returns:
        `(x_train, y_train), (x_test, y_test)` (see the module docstring for the layout).
    """
    if not 0 <= test_split < 1:
        raise ValueError(f"test_split must be in [0, 1), received {test_split!r}")
    try:
        from sklearn.datasets import load_digits
    except ImportError as err:
        raise ImportError(
            "deepfit.datasets.digits needs scikit-learn: pip install scikit-learn"
        ) from err
    bunch = load_digits()
    images = bunch.images.astype(np.uint8)
    labels = bunch.target.astype(np.uint8)
    indices = np.arange(len(images))
    np.random.RandomState(seed).shuffle(indices)
    images, labels = images[indices], labels[indices]
    cut = int(len(images) * (1 - test_split))
    return (images[:cut], labels[:cut]), (images[cut:], labels[cut:])
