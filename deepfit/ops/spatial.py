"""More spatial ops of `keras.ops.nn`: `conv_transpose`, `separable_conv`, adaptive pooling,
`depth_to_space` / `space_to_depth` and `unfold` / `fold` (im2col and col2im), with Keras's
argument names, kernel layouts and data formats.

Example:
    >>> from deepfit import ops
    >>> ops.depth_to_space(ops.ones((1, 2, 2, 8)), 2).shape
    torch.Size([1, 4, 4, 2])
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from deepfit.ops.convolution import _back, _layout, _tuple, conv, depthwise_conv
from deepfit.ops.core import convert_to_tensor as _t
from deepfit.ops.symbolic import op

__all__ = [
    "adaptive_average_pool", "adaptive_max_pool", "conv_transpose", "depth_to_space", "fold",
    "separable_conv", "space_to_depth", "unfold",
]

_TRANSPOSED = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


@op
def conv_transpose(inputs: Any, kernel: Any, strides: Any = 1, padding: str = "valid",
                   output_padding: Any = None, data_format: str | None = None,
                   dilation_rate: Any = 1) -> torch.Tensor:
    """A transposed N-D convolution (the gradient of `conv`), N = 1, 2, 3.

    Args:
        inputs: `(batch, *spatial, channels)` (or channels first).
        kernel: `(*window, filters, channels)`.
        strides, dilation_rate: an int or one per spatial axis.
        padding: 'valid' or 'same'.
        output_padding: extra size after each spatial axis (an int or one per axis; None
            lets the strides decide, as Keras).
        data_format: 'channels_last' or 'channels_first' (default: the configured one).

    Returns:
        The upsampled batch, in `data_format`.
    """
    from deepfit.layers.conv.transpose import _crop_or_pad
    from deepfit.layers.conv.utils import transpose_crops

    x, rank, channels_last = _layout(inputs, data_format, padding, "conv_transpose")
    w = _t(kernel).to(x.dtype)
    if w.dim() != rank + 2 or w.shape[-1] != x.shape[1]:
        raise ValueError(f"conv_transpose: the kernel must be (*window, filters, "
                         f"{x.shape[1]}) for inputs of {x.shape[1]} channels; received kernel "
                         f"shape {tuple(w.shape)}")
    strides = _tuple("strides", strides, rank)
    dilation = _tuple("dilation_rate", dilation_rate, rank)
    paddings = ((None,) * rank if output_padding is None
                else _tuple("output_padding", output_padding, rank))
    crops = [transpose_crops(k, s, d, padding.lower(), p)
             for k, s, d, p in zip(w.shape[:rank], strides, dilation, paddings)]
    torch_kernel = w.permute(rank + 1, rank, *range(rank))
    full = _TRANSPOSED[rank](x, torch_kernel, None, strides, 0, 0, 1, dilation)
    return _back(_crop_or_pad(full, crops, spatial_start=2), channels_last)


@op
def separable_conv(inputs: Any, depthwise_kernel: Any, pointwise_kernel: Any, strides: Any = 1,
                   padding: str = "valid", data_format: str | None = None,
                   dilation_rate: Any = 1) -> torch.Tensor:
    """A depthwise convolution followed by a 1×1 (pointwise) one.

    Args:
        inputs: `(batch, *spatial, channels)` (or channels first).
        depthwise_kernel: `(*window, channels, multiplier)`.
        pointwise_kernel: `(*ones, channels * multiplier, filters)`.
        strides, padding, data_format, dilation_rate: as `depthwise_conv`.

    Returns:
        The convolved batch, in `data_format`.
    """
    middle = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format,
                            dilation_rate)
    return conv(middle, pointwise_kernel, 1, "valid", data_format, dilation_rate)


_ADAPTIVE_AVG = {1: F.adaptive_avg_pool1d, 2: F.adaptive_avg_pool2d, 3: F.adaptive_avg_pool3d}
_ADAPTIVE_MAX = {1: F.adaptive_max_pool1d, 2: F.adaptive_max_pool2d, 3: F.adaptive_max_pool3d}


def _adaptive(table: dict, name: str, inputs: Any, output_size: Any,
              data_format: str | None) -> torch.Tensor:
    x, rank, channels_last = _layout(inputs, data_format, "valid", name)
    size = _tuple("output_size", output_size, rank)
    return _back(table[rank](x, size[0] if rank == 1 else size), channels_last)


@op
def adaptive_average_pool(inputs: Any, output_size: Any,
                          data_format: str | None = None) -> torch.Tensor:
    """Average pooling to a fixed output size: the windows are chosen to fit.

    Args:
        inputs: `(batch, *spatial, channels)` (or channels first), 1 to 3 spatial axes.
        output_size: an int or one per spatial axis.
        data_format: 'channels_last' or 'channels_first' (default: the configured one).

    Returns:
        The pooled batch, `output_size` along the spatial axes.
    """
    return _adaptive(_ADAPTIVE_AVG, "adaptive_average_pool", inputs, output_size, data_format)


@op
def adaptive_max_pool(inputs: Any, output_size: Any,
                      data_format: str | None = None) -> torch.Tensor:
    """Max pooling to a fixed output size (see `adaptive_average_pool`)."""
    return _adaptive(_ADAPTIVE_MAX, "adaptive_max_pool", inputs, output_size, data_format)


def _image(name: str, x: Any, block_size: int, data_format: str | None
           ) -> tuple[torch.Tensor, bool]:
    from deepfit.backend.keras_functions import image_data_format

    if block_size < 2:
        raise ValueError(f"{name}: `block_size` must be at least 2. Received: "
                         f"block_size={block_size}")
    t = _t(x)
    if t.dim() != 4:
        raise ValueError(f"{name}: requires a 4D input tensor. Received: "
                         f"x.shape={tuple(t.shape)}")
    first = (data_format or image_data_format()) == "channels_first"
    return (t, True) if first else (t.movedim(-1, 1), False)


@op
def depth_to_space(x: Any, block_size: int, data_format: str = "channels_last") -> torch.Tensor:
    """Channels moved into `block_size × block_size` spatial blocks (TensorFlow's order).

    Args:
        x: `(batch, height, width, channels)` (or channels first); channels must divide by
            `block_size ** 2`.
        block_size: the block side, at least 2.
        data_format: 'channels_last' or 'channels_first'.

    Returns:
        `(batch, height * block_size, width * block_size, channels / block_size ** 2)`.
    """
    t, first = _image("depth_to_space", x, block_size, data_format)
    n, c, h, w = t.shape
    b = block_size
    if c % (b * b):
        raise ValueError(f"depth_to_space: {c} channels do not divide by block_size ** 2 = "
                         f"{b * b}")
    # Keras orders the channels (block row, block column, channel) in channels_last and
    # (channel, block row, block column) in channels_first
    if first:
        out = t.reshape(n, c // (b * b), b, b, h, w).permute(0, 1, 4, 2, 5, 3)
        return out.reshape(n, -1, h * b, w * b)
    out = t.reshape(n, b, b, c // (b * b), h, w).permute(0, 3, 4, 1, 5, 2)
    return out.reshape(n, -1, h * b, w * b).movedim(1, -1)


@op
def space_to_depth(x: Any, block_size: int, data_format: str = "channels_last") -> torch.Tensor:
    """`block_size × block_size` spatial blocks moved into channels (the inverse of
    `depth_to_space`).

    Returns:
        `(batch, height / block_size, width / block_size, channels * block_size ** 2)`.
    """
    t, first = _image("space_to_depth", x, block_size, data_format)
    n, c, h, w = t.shape
    b = block_size
    if h % b or w % b:
        raise ValueError(f"space_to_depth: height {h} and width {w} must divide by "
                         f"block_size={b}")
    out = t.reshape(n, c, h // b, b, w // b, b)
    if first:
        return out.permute(0, 1, 3, 5, 2, 4).reshape(n, -1, h // b, w // b)
    out = out.permute(0, 3, 5, 1, 2, 4).reshape(n, -1, h // b, w // b)
    return out.movedim(1, -1)


@op
def unfold(x: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
           stride: Any = 1) -> torch.Tensor:
    """The sliding `kernel_size` blocks of a channels-first image batch as columns (im2col).

    Args:
        x: `(batch, channels, height, width)`.
        kernel_size, dilation, padding, stride: an int or a pair.

    Returns:
        `(batch, channels * kh * kw, blocks)`.
    """
    t = _t(x)
    if t.dim() != 4:
        raise ValueError(f"unfold: input must be a 4D tensor. Received: "
                         f"input.shape={tuple(t.shape)}")
    return F.unfold(t, kernel_size, dilation=dilation, padding=padding, stride=stride)


@op
def fold(x: Any, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
         stride: Any = 1) -> torch.Tensor:
    """Columns of sliding blocks summed back into a channels-first image batch (col2im, the
    adjoint of `unfold`).

    Args:
        x: `(batch, channels * kh * kw, blocks)`.
        output_size: the image's (height, width), or an int.
        kernel_size, dilation, padding, stride: an int or a pair.

    Returns:
        `(batch, channels, height, width)`.
    """
    t = _t(x)
    if t.dim() != 3:
        raise ValueError(f"fold: input must be a 3D tensor. Received: "
                         f"input.shape={tuple(t.shape)}")
    return F.fold(t, output_size, kernel_size, dilation=dilation, padding=padding,
                  stride=stride)
