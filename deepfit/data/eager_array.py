"""`EagerArray`: the NumPy arrays a Dataset yields, with TensorFlow's `.numpy()`.

Tutorials written for tf.data call `.numpy()` on the tensors a dataset gives them
(`plt.imshow(images[i].numpy().astype("uint8"))`); these arrays answer it, and are plain NumPy
arrays in every other respect.

Example:
    >>> images, labels = next(iter(dataset))
    >>> images[0].numpy().shape
    (180, 180, 3)
"""

from __future__ import annotations

from typing import Any

import numpy as np


class EagerArray(np.ndarray):
    """A NumPy array that also has `.numpy()`, as an eager TensorFlow tensor does."""

    def numpy(self) -> np.ndarray:
        """This array as a plain `np.ndarray` (no copy)."""
        return self.view(np.ndarray)

    def set_shape(self, shape: Any) -> None:
        """TensorFlow's `set_shape`: checks that `shape` fits (None dimensions fit any size);
        the array's shape is already known, so nothing changes."""
        from deepfit.backend.shape import set_shape

        set_shape(self.shape, shape)


def eager(element: Any) -> Any:
    """Every NumPy array in a nested element viewed as an `EagerArray` (no copies)."""
    if isinstance(element, np.ndarray):
        return element if isinstance(element, EagerArray) else element.view(EagerArray)
    if isinstance(element, tuple):
        return tuple(eager(item) for item in element)
    if isinstance(element, list):
        return [eager(item) for item in element]
    if isinstance(element, dict):
        return {key: eager(item) for key, item in element.items()}
    return element


def plain(element: Any) -> Any:
    """The reverse of `eager`: plain `np.ndarray`s."""
    if isinstance(element, EagerArray):
        return element.view(np.ndarray)
    if isinstance(element, tuple):
        return tuple(plain(item) for item in element)
    if isinstance(element, list):
        return [plain(item) for item in element]
    if isinstance(element, dict):
        return {key: plain(item) for key, item in element.items()}
    return element
