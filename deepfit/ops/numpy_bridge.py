"""NumPy arrays into torch tensors, for every array NumPy can hand us.

`torch.as_tensor` refuses arrays with a negative stride (`x[::-1]`, `np.flip(x)`) and warns on
read-only ones (memory maps, pandas columns under copy-on-write). TensorFlow accepts both, so
Keras programs pass them freely; these are copied, every other array is shared as torch does.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch


def shareable(array: np.ndarray) -> bool:
    """Whether torch can share `array`'s memory safely (writable, no negative stride)."""
    return array.flags.writeable and all(stride >= 0 for stride in array.strides)


def as_tensor(value: Any, dtype: torch.dtype | None = None,
              device: torch.device | str | None = None) -> torch.Tensor:
    """`torch.as_tensor(value, dtype, device)`, copying NumPy arrays torch cannot share."""
    if isinstance(value, np.ndarray) and not shareable(value):
        value = value.copy()
    return torch.as_tensor(value, dtype=dtype, device=device)
