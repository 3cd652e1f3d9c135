"""`tf.image`: resizing, flips, grayscale and dtype conversion of channels-last images.

Images are `(height, width, channels)` or batches `(n, height, width, channels)`, as tensors,
NumPy arrays or lists; results are torch tensors in the same layout, so these work inside
`Dataset.map` as in TensorFlow's input pipelines.

Example:
    >>> import numpy as np
    >>> from deepfit.compat.tensorflow import image
    >>> image.resize(np.zeros((4, 6, 3)), [2, 3]).shape
    torch.Size([2, 3, 3])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F

from deepfit.compat import namespace as _namespace
from deepfit.compat.tensorflow.dtypes import as_dtype
from deepfit.compat.tensorflow.eager import for_user_functions
from deepfit.compat.tensorflow.ops import _t

__all__ = [
    "convert_image_dtype", "crop_to_bounding_box", "extract_patches", "flip_left_right",
    "flip_up_down", "grayscale_to_rgb", "pad_to_bounding_box", "random_flip_left_right",
    "random_flip_up_down", "resize", "rgb_to_grayscale",
]

_MODES = {"bilinear": "bilinear", "nearest": "nearest", "bicubic": "bicubic", "area": "area"}


def resize(images: Any, size: Sequence[int], method: str = "bilinear",
           preserve_aspect_ratio: bool = False, antialias: bool = False,
           name: str | None = None) -> torch.Tensor:
    """`tf.image.resize`: images resized to `size` = (height, width), as float32.

    Args:
        images: one image (h, w, c) or a batch (n, h, w, c).
        size: the new (height, width).
        method: 'bilinear', 'nearest', 'bicubic' or 'area'.
        preserve_aspect_ratio: fit inside `size` without distorting.
        antialias: smooth when downsampling (bilinear and bicubic).

    Returns:
        The resized images (nearest keeps the input dtype, as TF).
    """
    if method not in _MODES:
        raise ValueError(f"resize: method must be one of {sorted(_MODES)}, received {method!r}")
    x = _t(images)
    single = x.dim() == 3
    batch = x.unsqueeze(0) if single else x
    height, width = int(size[0]), int(size[1])
    if preserve_aspect_ratio:
        scale = min(height / batch.shape[1], width / batch.shape[2])
        height, width = round(batch.shape[1] * scale), round(batch.shape[2] * scale)
    channels_first = batch.permute(0, 3, 1, 2)
    floats = channels_first if method == "nearest" else channels_first.float()
    options = {"align_corners": False} if method in ("bilinear", "bicubic") else {}
    if antialias and method in ("bilinear", "bicubic"):
        options["antialias"] = True
    out = F.interpolate(floats.float(), size=(height, width), mode=_MODES[method], **options)
    out = out.permute(0, 2, 3, 1)
    out = out.to(x.dtype) if method == "nearest" else out
    return out[0] if single else out


def flip_left_right(image: Any) -> torch.Tensor:
    """`tf.image.flip_left_right`: mirror the width axis."""
    return torch.flip(_t(image), dims=[-2])


def flip_up_down(image: Any) -> torch.Tensor:
    """`tf.image.flip_up_down`: mirror the height axis."""
    return torch.flip(_t(image), dims=[-3])


def random_flip_left_right(image: Any, seed: int | None = None) -> torch.Tensor:
    """`tf.image.random_flip_left_right`: mirror with probability 1/2 (each image of a batch
    independently)."""
    return _random_flip(_t(image), axis=-2)


def random_flip_up_down(image: Any, seed: int | None = None) -> torch.Tensor:
    """`tf.image.random_flip_up_down`: flip vertically with probability 1/2."""
    return _random_flip(_t(image), axis=-3)


def _random_flip(x: torch.Tensor, axis: int) -> torch.Tensor:
    if x.dim() == 3:
        return torch.flip(x, dims=[axis]) if torch.rand(()) < 0.5 else x
    chosen = (torch.rand(x.shape[0], device=x.device) < 0.5).view(-1, 1, 1, 1)
    return torch.where(chosen, torch.flip(x, dims=[axis]), x)


def rgb_to_grayscale(images: Any, name: str | None = None) -> torch.Tensor:
    """`tf.image.rgb_to_grayscale`: ITU-R 601 luma, keeping a channels axis of size 1."""
    x = _t(images)
    weights = torch.tensor([0.2989, 0.5870, 0.1140], device=x.device)
    gray = (x.float() * weights).sum(dim=-1, keepdim=True)
    return gray if x.is_floating_point() else gray.round().to(x.dtype)


def grayscale_to_rgb(images: Any, name: str | None = None) -> torch.Tensor:
    """`tf.image.grayscale_to_rgb`: the single channel repeated three times."""
    x = _t(images)
    return x.expand(*x.shape[:-1], 3).clone()


def convert_image_dtype(image: Any, dtype: Any, saturate: bool = False,
                        name: str | None = None) -> torch.Tensor:
    """`tf.image.convert_image_dtype`: integer images ↔ floats in [0, 1], scaled by the
    integer type's maximum (uint8 255 → 1.0)."""
    x, target = _t(image), as_dtype(dtype)
    if x.dtype == target:
        return x
    if target.is_floating_point:
        if x.is_floating_point():
            return x.to(target)
        return x.to(target) / torch.iinfo(x.dtype).max
    top = torch.iinfo(target).max
    if x.is_floating_point():
        return torch.clamp(x * top + 0.5, 0, top).to(target)
    return (x.double() * (top / torch.iinfo(x.dtype).max)).round().to(target)


def _box_image(image: Any, op: str) -> tuple[torch.Tensor, bool]:
    x = _t(image)
    if x.dim() not in (3, 4):
        raise ValueError(f"tf.image.{op}: 'image' (shape {tuple(x.shape)}) must have either 3 "
                         f"or 4 dimensions.")
    return (x[None], True) if x.dim() == 3 else (x, False)


def _ints(*values: Any) -> list[int]:
    return [int(v.item()) if isinstance(v, torch.Tensor) else int(v) for v in values]


def crop_to_bounding_box(image: Any, offset_height: Any, offset_width: Any,
                         target_height: Any, target_width: Any) -> torch.Tensor:
    """`tf.image.crop_to_bounding_box`: the `target_height` x `target_width` window whose top
    left corner is at (`offset_height`, `offset_width`), of one image (h, w, c) or a batch."""
    x, single = _box_image(image, "crop_to_bounding_box")
    top, left, height, width = _ints(offset_height, offset_width, target_height, target_width)
    for ok, message in ((left >= 0, "offset_width must be >= 0."),
                        (top >= 0, "offset_height must be >= 0."),
                        (width > 0, "target_width must be > 0."),
                        (height > 0, "target_height must be > 0."),
                        (x.shape[2] >= width + left, "width must be >= target + offset."),
                        (x.shape[1] >= height + top, "height must be >= target + offset.")):
        if not ok:
            raise ValueError(message)
    out = x[:, top:top + height, left:left + width]
    return out[0] if single else out


def pad_to_bounding_box(image: Any, offset_height: Any, offset_width: Any,
                        target_height: Any, target_width: Any) -> torch.Tensor:
    """`tf.image.pad_to_bounding_box`: the image placed at (`offset_height`, `offset_width`) in
    a `target_height` x `target_width` canvas of zeros (one image (h, w, c) or a batch)."""
    x, single = _box_image(image, "pad_to_bounding_box")
    top, left, height, width = _ints(offset_height, offset_width, target_height, target_width)
    below, right = height - top - x.shape[1], width - left - x.shape[2]
    for ok, message in ((top >= 0, "offset_height must be >= 0"),
                        (left >= 0, "offset_width must be >= 0"),
                        (right >= 0, "width must be <= target - offset"),
                        (below >= 0, "height must be <= target - offset")):
        if not ok:
            raise ValueError(message)
    out = F.pad(x, (0, 0, left, right, top, below))
    return out[0] if single else out


def extract_patches(images: Any, sizes: Sequence[int], strides: Sequence[int],
                    rates: Sequence[int], padding: str, name: str | None = None) -> torch.Tensor:
    """`tf.image.extract_patches`: (n, rows, cols, size_rows * size_cols * depth), each patch
    flattened row by row, then column, then channel.

    Args:
        images: (n, h, w, depth).
        sizes, strides, rates: `[1, rows, cols, 1]` each (the patch size, the step between
            patches and the step between a patch's samples).
        padding: 'VALID' or 'SAME'.
    """
    from deepfit.ops.patches import extract_patches as _extract

    x = _t(images)
    if x.dim() != 4:
        raise ValueError(f"tf.image.extract_patches: images must be 4-D (n, h, w, depth), "
                         f"received shape {tuple(x.shape)}")
    for arg, value in (("sizes", sizes), ("strides", strides), ("rates", rates)):
        value = [int(v) for v in value]
        if len(value) != 4 or value[0] != 1 or value[3] != 1:
            raise ValueError(f"tf.image.extract_patches: {arg} must be [1, rows, cols, 1], "
                             f"received {value}")
    return _extract(x, tuple(sizes[1:3]), tuple(strides[1:3]), tuple(rates[1:3]),
                    str(padding).lower(), "channels_last")


for_user_functions(globals())
_namespace.install(globals(), _namespace.Lookup("tf.image"))
