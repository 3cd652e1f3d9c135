"""Keras's convolution and pooling ops (`keras.ops.conv`, `depthwise_conv`, `max_pool`,
`average_pool`) on torch tensors, with Keras's argument names, kernel layout
`(*window, in_channels / groups, out_channels)` and TensorFlow's 'same' padding.

Example:
    >>> x = ops.ones((1, 5, 5, 1))
    >>> ops.conv(x, ops.ones((3, 3, 1, 2)), padding="same").shape
    torch.Size([1, 5, 5, 2])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F

from deepfit.ops.core import convert_to_tensor as _t
from deepfit.ops.symbolic import op

__all__ = ["average_pool", "conv", "depthwise_conv", "max_pool"]


def _tuple(name: str, value: Any, rank: int) -> tuple[int, ...]:
    values = (value,) * rank if isinstance(value, int) else tuple(int(v) for v in value)
    if len(values) == 1 and rank > 1:
        values = values * rank
    if len(values) != rank:
        raise ValueError(f"{name}: expected an int or {rank} ints, received {value!r}")
    return values


def _layout(inputs: Any, data_format: str | None, padding: str, op_name: str
            ) -> tuple[torch.Tensor, int, bool]:
    from deepfit.backend.keras_functions import image_data_format

    x = _t(inputs)
    if not x.is_floating_point():
        x = x.float()
    rank = x.dim() - 2
    if rank not in (1, 2, 3):
        raise ValueError(f"{op_name}: inputs must have rank 3, 4 or 5 (batch, spatial axes, "
                         f"channels), received shape {tuple(x.shape)}")
    if str(padding).lower() not in ("valid", "same"):
        raise ValueError(f"{op_name}: padding must be 'valid' or 'same', received {padding!r}")
    channels_last = (data_format or image_data_format()) == "channels_last"
    if channels_last:
        x = x.movedim(-1, 1)
    return x, rank, channels_last


def _back(y: torch.Tensor, channels_last: bool) -> torch.Tensor:
    return y.movedim(1, -1) if channels_last else y


def _padded(x: torch.Tensor, padding: str, window: Sequence[int], strides: Sequence[int],
            dilation: Sequence[int], value: float = 0.0) -> torch.Tensor:
    if padding.lower() != "same":
        return x
    from deepfit.layers.conv.utils import same_padding

    pads = [same_padding(n, k, s, d) for n, k, s, d in zip(x.shape[2:], window, strides,
                                                             dilation)]
    return F.pad(x, [p for before, after in reversed(pads) for p in (before, after)], value=value)


_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}


@op
def conv(inputs: Any, kernel: Any, strides: Any = 1, padding: str = "valid",
         data_format: str | None = None, dilation_rate: Any = 1) -> torch.Tensor:
    """An N-D convolution (N = 1, 2, 3); groups follow from `kernel.shape[-2]`.

    Args:
        inputs: `(batch, *spatial, channels)` (or channels first).
        kernel: `(*window, channels / groups, filters)`.
        strides, dilation_rate: an int or one per spatial axis.
        padding: 'valid' or 'same' (TensorFlow's: the extra pixel after).
        data_format: 'channels_last' or 'channels_first' (default: the configured one).

    Returns:
        The convolved batch, in `data_format`.
    """
    x, rank, channels_last = _layout(inputs, data_format, padding, "conv")
    w = _t(kernel).to(x.dtype)
    groups = x.shape[1] // w.shape[-2]
    if groups < 1 or x.shape[1] != groups * w.shape[-2]:
        raise ValueError(f"conv: the inputs' {x.shape[1]} channels are not a multiple of the "
                         f"kernel's input channels {w.shape[-2]} (kernel shape {tuple(w.shape)})")
    if w.shape[-1] % groups:
        raise ValueError(f"conv: the kernel's {w.shape[-1]} output channels are not a multiple "
                         f"of the {groups} groups (kernel shape {tuple(w.shape)})")
    strides, dilation = _tuple("strides", strides, rank), _tuple("dilation_rate",
                                                                  dilation_rate, rank)
    x = _padded(x, padding, w.shape[:rank], strides, dilation)
    torch_kernel = w.permute(rank + 1, rank, *range(rank))
    y = _CONV[rank](x, torch_kernel, None, strides, 0, dilation, groups)
    return _back(y, channels_last)


@op
def depthwise_conv(inputs: Any, kernel: Any, strides: Any = 1, padding: str = "valid",
                   data_format: str | None = None, dilation_rate: Any = 1) -> torch.Tensor:
    """A depthwise convolution: kernel `(*window, channels, multiplier)`; each input channel
    gets `multiplier` outputs.

    Args: as `conv`.

    Returns:
        `(batch, *spatial, channels * multiplier)` (in `data_format`).
    """
    x, rank, channels_last = _layout(inputs, data_format, padding, "depthwise_conv")
    w = _t(kernel).to(x.dtype)
    channels, multiplier = w.shape[-2], w.shape[-1]
    strides, dilation = _tuple("strides", strides, rank), _tuple("dilation_rate",
                                                                  dilation_rate, rank)
    x = _padded(x, padding, w.shape[:rank], strides, dilation)
    torch_kernel = w.reshape(*w.shape[:rank], 1, channels * multiplier).permute(
        rank + 1, rank, *range(rank))
    y = _CONV[rank](x, torch_kernel, None, strides, 0, dilation, channels)
    return _back(y, channels_last)


_MAX = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
_AVG = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}


@op
def max_pool(inputs: Any, pool_size: Any, strides: Any = None, padding: str = "valid",
             data_format: str | None = None) -> torch.Tensor:
    """Max pooling over windows of `pool_size` (strides default to `pool_size`).

    Returns:
        The pooled batch, in `data_format`.
    """
    x, rank, channels_last = _layout(inputs, data_format, padding, "max_pool")
    window = _tuple("pool_size", pool_size, rank)
    strides = window if strides is None else _tuple("strides", strides, rank)
    x = _padded(x, padding, window, strides, (1,) * rank, value=float("-inf"))
    return _back(_MAX[rank](x, window, strides), channels_last)


@op
def average_pool(inputs: Any, pool_size: Any, strides: Any = None, padding: str = "valid",
                 data_format: str | None = None) -> torch.Tensor:
    """Average pooling; with 'same' padding the padded positions do not count (TensorFlow's
    rule).

    Returns:
        The pooled batch, in `data_format`.
    """
    x, rank, channels_last = _layout(inputs, data_format, padding, "average_pool")
    window = _tuple("pool_size", pool_size, rank)
    strides = window if strides is None else _tuple("strides", strides, rank)
    if padding.lower() != "same":
        return _back(_AVG[rank](x, window, strides), channels_last)
    ones = torch.ones((1, 1, *x.shape[2:]), dtype=x.dtype, device=x.device)
    summed = _AVG[rank](_padded(x, padding, window, strides, (1,) * rank), window, strides)
    counts = _AVG[rank](_padded(ones, padding, window, strides, (1,) * rank), window, strides)
    return _back(summed / counts, channels_last)
