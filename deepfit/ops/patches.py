"""`keras.ops.image.extract_patches` and `extract_patches_3d`: every patch of an image (or a
volume) flattened into the channel axis, in Keras's order — row by row, then column, then
channel (and depth first for volumes) — as Keras's identity-kernel convolution lays them out.

Example:
    >>> from deepfit import ops
    >>> ops.image.extract_patches(ops.ones((2, 20, 20, 3)), (5, 5)).shape
    torch.Size([2, 4, 4, 75])
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from deepfit.ops.convolution import conv
from deepfit.ops.core import convert_to_tensor as _t
from deepfit.ops.symbolic import op

__all__ = ["extract_patches", "extract_patches_3d"]


def _size(size: Any) -> tuple[int, ...]:
    if isinstance(size, int):
        return (size, size)
    if not isinstance(size, (tuple, list)):
        raise TypeError("Invalid `size` argument. Expected an int or a tuple. "
                        f"Received: size={size} of type {type(size).__name__}")
    if len(size) not in (2, 3):
        raise ValueError("Invalid `size` argument. Expected a tuple of length 2 or 3. "
                         f"Received: size={size} with length {len(size)}")
    return tuple(int(s) for s in size)


def _per_axis(name: str, value: Any, rank: int) -> tuple[int, ...]:
    values = (int(value),) * rank if isinstance(value, int) else tuple(int(v) for v in value)
    if len(values) != rank:
        raise ValueError(f"Invalid `{name}` argument. Got: {value}")
    return values


def _channels_first(data_format: str | None) -> bool:
    from deepfit.backend.keras_functions import image_data_format

    fmt = data_format or image_data_format()
    if fmt not in ("channels_last", "channels_first"):
        raise ValueError(f"extract_patches: data_format must be 'channels_last' or "
                         f"'channels_first', received {data_format!r}")
    return fmt == "channels_first"


def _patches_2d(x: torch.Tensor, size: tuple, strides: tuple, dilation: tuple, padding: str,
                first: bool) -> torch.Tensor:
    """Batched 2D patches by unfolding (exact copies of the pixels, as the identity kernel)."""
    from deepfit.layers.conv.utils import same_padding

    work = x if first else x.movedim(-1, 1)
    if padding == "same":
        pads = [same_padding(n, k, s, d) for n, k, s, d in
                zip(work.shape[2:], size, strides, dilation)]
        work = F.pad(work, [pads[1][0], pads[1][1], pads[0][0], pads[0][1]])
    batch, channels, height, width = work.shape
    rows = (height - (size[0] - 1) * dilation[0] - 1) // strides[0] + 1
    cols = (width - (size[1] - 1) * dilation[1] - 1) // strides[1] + 1
    flat = F.unfold(work, size, dilation=dilation, stride=strides)  # (N, C*kh*kw, L)
    flat = flat.reshape(batch, channels, size[0] * size[1], rows * cols).transpose(1, 2)
    patches = flat.reshape(batch, size[0] * size[1] * channels, rows, cols)
    return patches if first else patches.movedim(1, -1)


@op
def extract_patches(images: Any, size: Any, strides: Any = None, dilation_rate: Any = 1,
                    padding: str = "valid", data_format: str | None = None) -> torch.Tensor:
    """Patches of `size` from images (a 2-tuple or int) or volumes (a 3-tuple).

    Args:
        images: (h, w, c) or (n, h, w, c) for 2D patches; (d, h, w, c) or (n, d, h, w, c) for
            3D ones (channels first with `data_format='channels_first'`).
        size: the patch size, an int or (height, width) or (depth, height, width).
        strides: the step between patches (default: `size`, non-overlapping patches).
        dilation_rate: the step between a patch's samples.
        padding: 'valid' or 'same' (TensorFlow's: the extra pixel after).
        data_format: 'channels_last' (default) or 'channels_first'.

    Returns:
        (n, rows, cols, patch_h * patch_w * c) (no batch axis for one image); each patch
        flattened row by row, then column, then channel.
    """
    size = _size(size)
    if len(size) == 3:
        return extract_patches_3d(images, size, strides, dilation_rate, padding, data_format)
    x = _t(images)
    if x.dim() not in (3, 4):
        raise ValueError(f"extract_patches: expected images of rank 3 or 4 for 2D patches, "
                         f"received shape {tuple(x.shape)}")
    padding = str(padding).lower()
    if padding not in ("valid", "same"):
        raise ValueError(f"extract_patches: padding must be 'valid' or 'same', received "
                         f"{padding!r}")
    single = x.dim() == 3
    x = x[None] if single else x
    out = _patches_2d(x, size, _per_axis("strides", strides or size, 2),
                      _per_axis("dilation_rate", dilation_rate, 2), padding,
                      _channels_first(data_format))
    return out[0] if single else out


@op
def extract_patches_3d(volumes: Any, size: Any, strides: Any = None, dilation_rate: Any = 1,
                       padding: str = "valid", data_format: str | None = None) -> torch.Tensor:
    """3D patches of `size` (an int or (depth, height, width)) from one volume or a batch.

    Returns:
        (n, d', h', w', patch_d * patch_h * patch_w * c) (no batch axis for one volume).
    """
    size = (size,) * 3 if isinstance(size, int) else _size(size)
    if len(size) != 3:
        raise TypeError(f"Invalid `size` argument. Expected an int or a tuple of length 3. "
                        f"Received: size={size}")
    x = _t(volumes)
    if x.dim() not in (4, 5):
        raise ValueError(f"extract_patches_3d: expected volumes of rank 4 or 5, received "
                         f"shape {tuple(x.shape)}")
    single = x.dim() == 4
    x = x[None] if single else x
    first = _channels_first(data_format)
    channels = x.shape[1] if first else x.shape[-1]
    depth = size[0] * size[1] * size[2] * channels
    # the identity kernel of Keras's definition: a convolution copies each sample exactly
    kernel = torch.eye(depth, dtype=x.dtype, device=x.device).reshape(*size, channels, depth)
    out = conv(x, kernel, _per_axis("strides", strides or size, 3), padding,
               "channels_first" if first else "channels_last",
               _per_axis("dilation_rate", dilation_rate, 3))
    return out[0] if single else out
