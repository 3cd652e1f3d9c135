"""What the housing regression loaders share: reading `x` and `y` from an .npz and Keras's
shuffled train/test split.

Example:
    >>> (x_tr, y_tr), (x_te, y_te) = split_regression(np.arange(10.0)[:, None], np.arange(10.0),
    ...                                                0.2, 113)
    >>> len(x_tr), len(x_te)
    (8, 2)
"""

from __future__ import annotations

import numpy as np

from deepfit.datasets.storage import fetch, load_npz_arrays


def check_test_split(test_split: float) -> None:
    """Keras's rule: 0 <= test_split < 1."""
    if not 0 <= test_split < 1:
        raise ValueError(f"Invalid test_split argument: {test_split}. It must be between 0 and "
                         "1 (exclusive of 1).")


def load_xy(path: str, origin: str, file_hash: str, dataset: str) -> tuple[np.ndarray,
                                                                           np.ndarray]:
    """`x` and `y` of the dataset's .npz (cached or downloaded)."""
    local = fetch(path, origin=origin, file_hash=file_hash)
    arrays = load_npz_arrays(local, dataset, {"x": (2, "f"), "y": (1, "f")})
    return arrays["x"], arrays["y"]


def split_regression(x: np.ndarray, y: np.ndarray, test_split: float, seed: int
                     ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Shuffle with `np.random.RandomState(seed)` and keep the last `test_split` for testing."""
    order = np.arange(len(x))
    np.random.RandomState(seed).shuffle(order)
    x, y = x[order], y[order]
    cut = int(len(x) * (1 - test_split))
    return (np.array(x[:cut]), np.array(y[:cut])), (np.array(x[cut:]), np.array(y[cut:]))
