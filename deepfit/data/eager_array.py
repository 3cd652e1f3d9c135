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

    def numpy(self) -> Any:
        """This array as TensorFlow's `.numpy()` gives it: a plain `np.ndarray` (no copy), a
        NumPy scalar for a 0-d array, and strings as UTF-8 `bytes` (`.decode('utf-8')` works,
        and they print as `b'...'`), since TensorFlow's strings are bytes."""
        array = self.view(np.ndarray)
        if array.dtype.kind == "U" or (array.dtype == object and _holds_str(array)):
            array = _as_bytes(array)
        return array[()] if array.ndim == 0 else array

    def set_shape(self, shape: Any) -> None:
        """TensorFlow's `set_shape`: checks that `shape` fits (None dimensions fit any size);
        the array's shape is already known, so nothing changes."""
        from deepfit.backend.shape import set_shape

        set_shape(self.shape, shape)


def _holds_str(array: np.ndarray) -> bool:
    return array.size > 0 and isinstance(array.reshape(-1)[0], str)


def _as_bytes(array: np.ndarray) -> np.ndarray:
    encoded = np.empty(array.shape, dtype=object)
    for index in np.ndindex(array.shape):
        value = array[index]
        encoded[index] = value.encode("utf-8") if isinstance(value, str) else value
    return encoded


class EagerString(str):
    """A string scalar from a dataset (a path from `list_files`, a line of a text file): a
    `str` that also has TensorFlow's `.numpy()`, which gives its UTF-8 bytes."""

    __slots__ = ()

    def numpy(self) -> bytes:
        """The string's UTF-8 bytes, as TensorFlow's string scalar's `.numpy()`."""
        return self.encode("utf-8")


class EagerBytes(bytes):
    """A bytes scalar from a dataset with `.numpy()` (the bytes themselves)."""

    __slots__ = ()

    def numpy(self) -> bytes:
        """The bytes, as TensorFlow's string scalar's `.numpy()`."""
        return bytes(self)


def eager(element: Any) -> Any:
    """Every NumPy array in a nested element viewed as an `EagerArray` (no copies); Python
    string and bytes scalars as `EagerString`/`EagerBytes`."""
    if isinstance(element, np.ndarray):
        return element if isinstance(element, EagerArray) else element.view(EagerArray)
    if isinstance(element, str):
        return element if isinstance(element, EagerString) else EagerString(element)
    if isinstance(element, bytes):
        return element if isinstance(element, EagerBytes) else EagerBytes(element)
    if isinstance(element, np.generic):  # a scalar element: a 0-d array with `.numpy()`
        return np.asarray(element).view(EagerArray)
    if isinstance(element, tuple):
        return tuple(eager(item) for item in element)
    if isinstance(element, list):
        return [eager(item) for item in element]
    if isinstance(element, dict):
        return {key: eager(item) for key, item in element.items()}
    return element


def plain(element: Any) -> Any:
    """The reverse of `eager`: plain `np.ndarray`s, `str` and `bytes`."""
    if isinstance(element, EagerArray):
        return element.view(np.ndarray)
    if isinstance(element, EagerString):
        return str(element)
    if isinstance(element, EagerBytes):
        return bytes(element)
    if isinstance(element, tuple):
        return tuple(plain(item) for item in element)
    if isinstance(element, list):
        return [plain(item) for item in element]
    if isinstance(element, dict):
        return {key: plain(item) for key, item in element.items()}
    return element
