"""`HashedCrossing`: cross categorical features with the hashing trick, in the bins Keras uses.

Keras's layer runs TensorFlow's `tf.sparse.cross_hashed`: every value becomes a 64-bit number
(a string its FarmHash Fingerprint64, an integer itself), the numbers of one row are folded
into TensorFlow's `FingerprintCat64` chain starting from the key `0xDECAFCAFFE`, and the
result modulo `num_bins` is the bin. This module does the same in Python, so a model trained
on crossed features sees the same columns as under Keras.

Example:
    >>> layer = HashedCrossing(num_bins=5)
    >>> layer((np.array(["A", "B", "A", "B", "A"]), np.array([101, 101, 101, 102, 102]))).tolist()
    [1, 4, 1, 1, 3]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from deepfit.data import strings
from deepfit.data.fingerprint import fingerprint64
from deepfit.layers.categorical import TextInputLayer, check_choice, encode

_MASK = (1 << 64) - 1
_CAT_MUL = 0xC6A4A7935BD1E995
# tf.sparse.cross_hashed's default hash_key.
_DEFAULT_KEY = 0xDECAFCAFFE


def _shift_mix(value: int) -> int:
    return value ^ (value >> 47)


def fingerprint_cat64(first: int, second: int) -> int:
    """TensorFlow's `FingerprintCat64`: combine two 64-bit fingerprints into one."""
    result = first ^ _CAT_MUL
    result ^= (_shift_mix((second * _CAT_MUL) & _MASK) * _CAT_MUL) & _MASK
    result = (result * _CAT_MUL) & _MASK
    result = (_shift_mix(result) * _CAT_MUL) & _MASK
    return _shift_mix(result)


def _column_codes(values: np.ndarray) -> list[int]:
    """The 64-bit number TensorFlow's crossing takes for each value of one column."""
    if values.dtype.kind in "iub":
        return [int(v) & _MASK for v in values.reshape(-1)]
    return [fingerprint64(text.encode("utf-8")) for text in strings.text_array(values).reshape(-1)]


def cross_bins(columns: list[np.ndarray], num_bins: int) -> np.ndarray:
    """The bin of each row's cross of `columns` (same-shaped integer or string arrays)."""
    codes = [_column_codes(column) for column in columns]
    out = np.empty(len(codes[0]), dtype=np.int64)
    for row in range(len(out)):
        value = _DEFAULT_KEY
        for column in codes:
            value = fingerprint_cat64(value, column[row])
        out[row] = value % num_bins
    return out.reshape(columns[0].shape)


def _as_array(value: Any) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return value if isinstance(value, np.ndarray) else np.asarray(value)


class HashedCrossing(TextInputLayer):
    """Cross scalar categorical features into `num_bins` hashed bins (Keras's layer).

    Conceptually `hash(concatenate(features)) % num_bins`, with TensorFlow's hashes: the bins
    equal Keras's. Inputs are two or more integer or string tensors of the same shape `()`,
    `(batch,)` or `(batch, 1)`.

    Args:
        num_bins: the number of hash bins.
        output_mode: 'int' (default, the bin indices, int64) or 'one_hot' (float32 vectors).
        sparse: must be False (only Keras's TensorFlow backend returns sparse tensors).
        name: the layer's name.
        dtype: the output dtype ('int64' in 'int' mode, 'float32' otherwise, by default).

    Example:
        >>> layer = HashedCrossing(num_bins=5, output_mode="one_hot")
        >>> layer((np.array(["A"]), np.array([101]))).tolist()
        [[0.0, 1.0, 0.0, 0.0, 0.0]]
    """

    def __init__(self, num_bins: int, output_mode: str = "int", sparse: bool = False,
                 name: str | None = None, dtype: Any = None, **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        check_choice("HashedCrossing", "output_mode", output_mode, ("int", "one_hot"))
        if sparse:
            raise ValueError("`sparse=True` can only be used with the TensorFlow backend.")
        if num_bins is None or isinstance(num_bins, bool) or int(num_bins) <= 0:
            raise ValueError(f"HashedCrossing: num_bins must be a positive int, received "
                             f"{num_bins!r}")
        self.num_bins = int(num_bins)
        self.output_mode = output_mode
        self.sparse = False
        if dtype is None:
            dtype = "int64" if output_mode == "int" else "float32"
        self._out_dtype = str(getattr(dtype, "name", dtype)).replace("torch.", "")

    def call(self, inputs: Any) -> torch.Tensor:
        if not isinstance(inputs, (list, tuple)):
            raise ValueError("`HashedCrossing` should be called on a list or tuple of inputs. "
                             f"Received: inputs={inputs}")
        if len(inputs) < 2:
            raise ValueError("`HashedCrossing` should be called on at least two inputs. "
                             f"Received: inputs={inputs}")
        columns = [_as_array(x) for x in inputs]
        self._check_columns(columns, inputs)
        bins = cross_bins(columns, self.num_bins)
        out = torch.as_tensor(bins)
        if self.output_mode == "one_hot":
            out = encode(out, "one_hot", self.num_bins, torch.float32)
        return self._out(out, getattr(torch, self._out_dtype))

    @staticmethod
    def _check_columns(columns: list[np.ndarray], inputs: Any) -> None:
        shape = columns[0].shape
        if len(shape) > 2 or (len(shape) == 2 and shape[-1] != 1):
            raise ValueError("All `HashedCrossing` inputs should have shape `()`, `(batch_size)` "
                             f"or `(batch_size, 1)`. Received: inputs={inputs}")
        if any(column.shape != shape for column in columns[1:]):
            raise ValueError("All `HashedCrossing` inputs should have equal shape. "
                             f"Received: inputs={inputs}")
        if any(column.dtype.kind not in "iubUSO" for column in columns):
            raise ValueError("All `HashedCrossing` inputs should have an integer or string dtype. "
                             f"Received: inputs={inputs}")

    def compute_output_shape(self, input_shape: Any) -> tuple:
        if (len(input_shape) != 2 or not isinstance(input_shape[0], (tuple, list))
                or not isinstance(input_shape[1], (tuple, list))):
            raise ValueError("Expected as input a list/tuple of 2 tensors. "
                             f"Received input_shape={input_shape}")
        first = tuple(input_shape[0])
        if first and first[-1] != tuple(input_shape[1])[-1]:
            raise ValueError("Expected the two input tensors to have identical shapes. "
                             f"Received input_shape={input_shape}")
        if self.output_mode == "int":
            return first
        if not first or first[-1] != 1:
            return first + (self.num_bins,)
        return first[:-1] + (self.num_bins,)

    def get_config(self) -> dict[str, Any]:
        return {"num_bins": self.num_bins, "output_mode": self.output_mode,
                "sparse": self.sparse, "name": self.name, "dtype": self._out_dtype}
