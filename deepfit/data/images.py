"""Decoding image files to float32 arrays and resizing them like Keras's PyTorch backend.

Images are decoded by Pillow (full decode, first frame of a GIF), converted to 1, 3 or 4
channels, and resized with `torch.nn.functional.interpolate` (bilinear and bicubic with
half-pixel centers, nearest as 'nearest-exact', area as adaptive average pooling): the same
operations as `keras.ops.image.resize` on the torch backend. Bilinear and nearest also equal
`tf.image.resize`. A batch is decoded on a shared thread pool (Pillow and torch release the GIL).

Example:
    >>> image = load_image("cat.png", (64, 64), num_channels=3)  # doctest: +SKIP
    >>> image.shape, image.dtype  # doctest: +SKIP
    ((64, 64, 3), dtype('float32'))
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from deepfit.data.background import default_workers

INTERPOLATIONS = {
    "bilinear": "bilinear",
    "nearest": "nearest-exact",
    "bicubic": "bicubic",
    "area": "area",
}
# Accepted by Keras with TensorFlow, but PyTorch has no equivalent resampling kernel.
UNSUPPORTED_INTERPOLATIONS = ("lanczos3", "lanczos5", "gaussian", "mitchellcubic")
_SIXTEEN_BIT_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I")

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def pil_image_module() -> Any:
    """`PIL.Image`, or an ImportError saying how to install Pillow."""
    try:
        from PIL import Image
    except ImportError as err:
        raise ImportError("Loading image files needs Pillow: pip install pillow") from err
    return Image


def check_interpolation(interpolation: str) -> str:
    """The lower-cased name if it is supported, else a ValueError listing the choices."""
    name = str(interpolation).lower()
    if name in UNSUPPORTED_INTERPOLATIONS:
        raise ValueError(
            f"interpolation={interpolation!r} is not supported by deepfit (PyTorch has no such "
            f"resampling); use one of {sorted(INTERPOLATIONS)}"
        )
    if name not in INTERPOLATIONS:
        raise ValueError(
            f"interpolation must be one of {sorted(INTERPOLATIONS)}, received {interpolation!r}"
        )
    return name


def decode_image(path: str | os.PathLike, num_channels: int) -> np.ndarray:
    """Decode a file to a float32 (height, width, num_channels) array with values 0..255.

    Args:
        path: a .png, .jpg/.jpeg, .bmp or .gif file (first frame).
        num_channels: 1 (grayscale), 3 (RGB) or 4 (RGBA).

    Returns:
        The image array.

    Raises:
        ValueError: the file cannot be decoded; the message names it.
    """
    image_module = pil_image_module()
    try:
        with image_module.open(path) as image:
            array = _channels(image, num_channels)
    except (OSError, ValueError, SyntaxError, image_module.DecompressionBombError) as err:
        raise ValueError(f"Could not decode the image file {os.fspath(path)}: {err}") from err
    return array if array.ndim == 3 else array[:, :, None]


def _channels(image: Any, num_channels: int) -> np.ndarray:
    if num_channels == 1:
        if image.mode in _SIXTEEN_BIT_MODES:
            # 16-bit grayscale: scale to 0..255 like TensorFlow's uint8 decoding.
            return np.asarray(image, dtype=np.float32) * np.float32(255.0 / 65535.0)
        mode = "L"
    elif num_channels == 3:
        mode = "RGB"
    elif num_channels == 4:
        mode = "RGBA"
    else:
        raise ValueError(f"num_channels must be 1, 3 or 4, received {num_channels!r}")
    converted = image if image.mode == mode else image.convert(mode)
    return np.asarray(converted, dtype=np.float32)


def resize_image(
    image: np.ndarray,
    size: Sequence[int],
    interpolation: str = "bilinear",
    crop_to_aspect_ratio: bool = False,
    pad_to_aspect_ratio: bool = False,
) -> np.ndarray:
    """Resize a (height, width, channels) array like `keras.ops.image.resize` on torch.

    Args:
        image: the array.
        size: (height, width).
        interpolation: 'bilinear', 'nearest', 'bicubic' or 'area'.
        crop_to_aspect_ratio: first take the largest centered crop with the target's aspect.
        pad_to_aspect_ratio: first pad (with zeros) to the target's aspect, centered.

    Returns:
        A float32 (size[0], size[1], channels) array.
    """
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("Only one of crop_to_aspect_ratio and pad_to_aspect_ratio can be True")
    if crop_to_aspect_ratio:
        image = _crop_to_aspect(image, size)
    elif pad_to_aspect_ratio:
        image = _pad_to_aspect(image, size)
    if image.shape[:2] == tuple(size):
        return image.astype(np.float32, copy=False)
    mode = INTERPOLATIONS[check_interpolation(interpolation)]
    pixels = torch.from_numpy(np.ascontiguousarray(image, dtype=np.float32))
    pixels = pixels.permute(2, 0, 1).unsqueeze(0)
    corners = False if mode in ("bilinear", "bicubic") else None
    resized = F.interpolate(pixels, size=tuple(size), mode=mode, align_corners=corners)
    return resized[0].permute(1, 2, 0).numpy()


def _crop_to_aspect(image: np.ndarray, size: Sequence[int]) -> np.ndarray:
    height, width = image.shape[:2]
    target_height, target_width = size
    crop_height = max(min(height, int(float(width * target_height) / target_width)), 1)
    crop_width = max(min(width, int(float(height * target_width) / target_height)), 1)
    top = int(float(height - crop_height) / 2)
    left = int(float(width - crop_width) / 2)
    return image[top : top + crop_height, left : left + crop_width]


def _pad_to_aspect(image: np.ndarray, size: Sequence[int]) -> np.ndarray:
    height, width = image.shape[:2]
    target_height, target_width = size
    pad_height = max(height, int(float(width * target_height) / target_width))
    pad_width = max(width, int(float(height * target_width) / target_height))
    top = int(float(pad_height - height) / 2)
    left = int(float(pad_width - width) / 2)
    # Keras pads the same amount on both sides, so an odd difference loses one row or column.
    return np.pad(image, ((top, top), (left, left), (0, 0)))


def load_image(
    path: str | os.PathLike,
    image_size: Sequence[int],
    num_channels: int = 3,
    interpolation: str = "bilinear",
    crop_to_aspect_ratio: bool = False,
    pad_to_aspect_ratio: bool = False,
) -> np.ndarray:
    """Decode and resize one file to a float32 (height, width, channels) array (0..255)."""
    image = decode_image(path, num_channels)
    return resize_image(image, image_size, interpolation, crop_to_aspect_ratio,
                        pad_to_aspect_ratio)


def shared_pool() -> ThreadPoolExecutor:
    """The process-wide thread pool that decodes images."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(default_workers(), thread_name_prefix="deepfit-images")
        return _pool


class ImageBatchLoader:
    """`Dataset.map` function turning a batch of paths (and labels) into a batch of images.

    Args:
        image_size: (height, width).
        num_channels: 1, 3 or 4.
        interpolation: see `resize_image`.
        crop_to_aspect_ratio: see `resize_image`.
        pad_to_aspect_ratio: see `resize_image`.
        channels_first: return (batch, channels, height, width) instead of channels-last.
    """

    def __init__(
        self,
        image_size: Sequence[int],
        num_channels: int,
        interpolation: str = "bilinear",
        crop_to_aspect_ratio: bool = False,
        pad_to_aspect_ratio: bool = False,
        channels_first: bool = False,
    ):
        self.image_size = tuple(int(v) for v in image_size)
        self.num_channels = num_channels
        self.interpolation = check_interpolation(interpolation)
        self.crop = crop_to_aspect_ratio
        self.pad = pad_to_aspect_ratio
        self.channels_first = channels_first

    def load(self, path: str) -> np.ndarray:
        image = load_image(path, self.image_size, self.num_channels, self.interpolation,
                           self.crop, self.pad)
        return np.ascontiguousarray(image.transpose(2, 0, 1)) if self.channels_first else image

    def __call__(self, paths: np.ndarray, labels: np.ndarray | None = None) -> Any:
        if np.ndim(paths) == 0:  # an unbatched element
            image = self.load(str(paths))
            return image if labels is None else (image, labels)
        shape = (len(paths), *self.image_size, self.num_channels)
        batch = np.empty(shape, dtype=np.float32)

        def fill(i: int) -> None:
            batch[i] = load_image(paths[i], self.image_size, self.num_channels,
                                  self.interpolation, self.crop, self.pad)

        for _ in shared_pool().map(fill, range(len(paths))):
            pass
        if self.channels_first:
            batch = np.ascontiguousarray(batch.transpose(0, 3, 1, 2))
        return batch if labels is None else (batch, labels)
