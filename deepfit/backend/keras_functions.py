"""`keras.backend` (Keras 3's functions): `floatx`, `epsilon`, `image_data_format`,
`clear_session`, `standardize_dtype`, `result_type`, `is_keras_tensor`, `get_uid`, ...

Example:
    >>> from deepfit import backend
    >>> backend.backend(), backend.floatx(), backend.image_data_format()
    ('torch', 'float32', 'channels_last')
"""

from __future__ import annotations

import gc
import itertools
from collections import defaultdict
from typing import Any

import torch

from deepfit.config import epsilon, floatx, set_epsilon, set_floatx
from deepfit.ops.dtypes import is_float_dtype, is_int_dtype, result_type, standardize_dtype

__all__ = ["backend", "clear_session", "epsilon", "floatx", "get_uid", "image_data_format",
           "is_float_dtype", "is_int_dtype", "is_keras_tensor", "result_type", "set_epsilon",
           "set_floatx", "set_image_data_format", "standardize_dtype"]

_UIDS: defaultdict[str, itertools.count] = defaultdict(lambda: itertools.count(1))


def backend() -> str:
    """The backend doing the computation: 'torch'."""
    return "torch"


def image_data_format() -> str:
    """The default image layout: 'channels_last', as Keras."""
    return "channels_last"


def set_image_data_format(data_format: str) -> None:
    """Only 'channels_last' is accepted; layers take `data_format='channels_first'` themselves.

    Raises:
        NotImplementedError: for 'channels_first'.
        ValueError: for anything else.
    """
    if data_format == "channels_last":
        return
    if data_format == "channels_first":
        raise NotImplementedError(
            "keras.backend.set_image_data_format('channels_first') is not provided by deepfit: "
            "pass data_format='channels_first' to each layer instead")
    raise ValueError(f"data_format must be 'channels_last' or 'channels_first', "
                     f"received {data_format!r}")


def clear_session(free_memory: bool = True) -> None:
    """Forget the automatic layer and optimizer names handed out so far (the next `Dense` is
    'dense' again) and free unused memory, as Keras does.

    Args:
        free_memory: run the garbage collector and release cached GPU memory.
    """
    from deepfit import optimizers
    from deepfit.layers import layer

    layer.reset_names()
    _UIDS.clear()
    uids = getattr(optimizers, "_NAME_UIDS", None)
    if uids is not None:
        uids.clear()
    if free_memory:
        gc.collect()
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            torch.cuda.empty_cache()


def get_uid(prefix: str = "") -> int:
    """1, 2, 3, ... for successive calls with the same prefix (reset by `clear_session`)."""
    return next(_UIDS[prefix])


def is_keras_tensor(x: Any) -> bool:
    """Whether `x` is a symbolic tensor of the Functional API."""
    from deepfit.layers.symbolic import KerasTensor

    return isinstance(x, KerasTensor)
