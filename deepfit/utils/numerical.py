"""Array helpers from Keras's utils: one-hot encoding and normalization.

Example:
    >>> to_categorical([0, 2], num_classes=3)
    array([[1., 0., 0.],
           [0., 0., 1.]], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np


def to_categorical(x: Any, num_classes: int | None = None) -> np.ndarray:
    """Class indices → one-hot rows (float32), as Keras.

    Args:
        x: integer labels of any shape (a trailing axis of size 1 is dropped).
        num_classes: the number of classes; max(x) + 1 by default.

    Returns:
        An array of shape `x.shape + (num_classes,)`.
    """
    labels = np.asarray(x)
    if labels.ndim > 1 and labels.shape[-1] == 1:
        labels = labels.reshape(labels.shape[:-1])
    if labels.size and (labels.min() < 0 or not np.all(labels == np.round(labels))):
        raise ValueError("to_categorical: labels must be non-negative integers")
    labels = labels.astype(np.int64)
    classes = int(labels.max()) + 1 if num_classes is None else int(num_classes)
    if labels.size and labels.max() >= classes:
        raise ValueError(f"to_categorical: label {int(labels.max())} is out of range for "
                         f"num_classes={classes}")
    return np.eye(classes, dtype=np.float32)[labels]


def normalize(x: Any, axis: int = -1, order: int = 2) -> np.ndarray:
    """Scale `x` to unit `order`-norm along `axis` (zero rows stay zero)."""
    array = np.asarray(x, dtype=np.float32)
    norm = np.linalg.norm(array, ord=order, axis=axis, keepdims=True)
    return array / np.where(norm == 0, 1, norm)
