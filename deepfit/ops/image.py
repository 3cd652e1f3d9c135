"""`keras.ops.image`: resizing, colour conversion, patches, filters, cropping/padding and warps
on channels-last images (one image (h, w, c) or a batch (n, h, w, c)); most take
`data_format='channels_first'` too. The newer ops live in their own modules (`image_color`,
`image_filters`, `image_bounds`, `image_sampling`, `image_warps`, `image_scale`).

Example:
    >>> from deepfit import ops
    >>> ops.image.resize(ops.ones((2, 8, 8, 3)), (4, 4)).shape
    torch.Size([2, 4, 4, 3])
"""

from __future__ import annotations

from typing import Any

import torch

from deepfit.ops.core import convert_to_tensor as _t
from deepfit.ops.image_bounds import crop_images, pad_images
from deepfit.ops.image_color import hsv_to_rgb, rgb_to_hsv
from deepfit.ops.image_filters import gaussian_blur, sobel_edges, ssim
from deepfit.ops.image_sampling import map_coordinates
from deepfit.ops.image_scale import scale_and_translate
from deepfit.ops.image_warps import affine_transform, elastic_transform, perspective_transform
from deepfit.ops.patches import extract_patches, extract_patches_3d
from deepfit.ops.symbolic import op

__all__ = ["affine_transform", "crop_images", "elastic_transform", "extract_patches",
           "extract_patches_3d", "gaussian_blur", "hsv_to_rgb", "map_coordinates", "pad_images",
           "perspective_transform", "resize", "rgb_to_grayscale", "rgb_to_hsv",
           "scale_and_translate", "sobel_edges", "ssim"]

_MODES = {"nearest": "nearest", "bilinear": "bilinear", "bicubic": "bicubic",
          "area": "area"}


@op
def resize(images: Any, size: Any, interpolation: str = "bilinear", antialias: bool = False,
           data_format: str | None = None, **kwargs: Any) -> torch.Tensor:
    """Images resized to `size` = (height, width).

    Args:
        images: (h, w, c) or (n, h, w, c) ('channels_first': channels before h, w).
        size: the new (height, width).
        interpolation: 'bilinear', 'nearest', 'bicubic' or 'area'.
        antialias: smooth before downsampling.
        data_format: 'channels_last' (default) or 'channels_first'.
    """
    if interpolation not in _MODES:
        raise ValueError(f"resize: interpolation must be one of {sorted(_MODES)}, "
                         f"received {interpolation!r}")
    t = _t(images)
    single = t.dim() == 3
    if single:
        t = t[None]
    first = data_format == "channels_first"
    work = t if first else t.permute(0, 3, 1, 2)
    dtype = work.dtype
    work = work if work.is_floating_point() else work.float()
    extra = {"align_corners": False} if interpolation in ("bilinear", "bicubic") else {}
    if antialias and interpolation in ("bilinear", "bicubic"):
        extra["antialias"] = True
    out = torch.nn.functional.interpolate(work, size=tuple(int(s) for s in size),
                                          mode=_MODES[interpolation], **extra)
    out = out if dtype.is_floating_point else out.round().to(dtype)
    out = out if first else out.permute(0, 2, 3, 1)
    return out[0] if single else out


@op
def rgb_to_grayscale(images: Any, data_format: str | None = None) -> torch.Tensor:
    """Luminance (0.2989 R + 0.5870 G + 0.1140 B), one channel kept."""
    t = _t(images)
    axis = -3 if data_format == "channels_first" else -1
    weights = torch.tensor([0.2989, 0.5870, 0.1140], dtype=torch.float32, device=t.device)
    shape = [1] * t.dim()
    shape[axis] = 3
    gray = (t.float() * weights.reshape(shape)).sum(dim=axis, keepdim=True)
    return gray.to(t.dtype) if t.is_floating_point() else gray
