"""Keras's single-image helpers: `load_img`, `img_to_array`, `array_to_img`, `save_img`.

Used by `keras.utils` and `keras.preprocessing.image` until deepfit.utils has its own; images are
PIL images and channels-last float32 arrays, as in Keras.

Example:
    >>> img = load_img("flower.jpg", target_size=(180, 180))  # doctest: +SKIP
    >>> img_to_array(img).shape  # doctest: +SKIP
    (180, 180, 3)
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from deepfit.data.images import pil_image_module

_MODES = {"grayscale": "L", "rgb": "RGB", "rgba": "RGBA"}
_RESAMPLING = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")


def load_img(path: str | os.PathLike, color_mode: str = "rgb",
             target_size: Sequence[int] | None = None, interpolation: str = "nearest",
             keep_aspect_ratio: bool = False) -> Any:
    """Load an image file as a PIL image, optionally resized to `target_size`.

    Args:
        path: the image file.
        color_mode: 'rgb', 'rgba' or 'grayscale'.
        target_size: (height, width), or None to keep the file's size.
        interpolation: PIL's resampling: 'nearest' (Keras's default), 'bilinear', 'bicubic',
            'hamming', 'box' or 'lanczos'.
        keep_aspect_ratio: crop the centre to the target's aspect ratio before resizing.

    Returns:
        A `PIL.Image.Image`.
    """
    image_module = pil_image_module()
    if color_mode not in _MODES:
        raise ValueError(f"load_img: color_mode must be one of {sorted(_MODES)}, "
                         f"received {color_mode!r}")
    if interpolation not in _RESAMPLING:
        raise ValueError(f"load_img: interpolation must be one of {list(_RESAMPLING)}, "
                         f"received {interpolation!r}")
    with open(os.fspath(path), "rb") as handle:
        image = image_module.open(handle)
        image.load()
    if image.mode != _MODES[color_mode]:
        image = image.convert(_MODES[color_mode])
    if target_size is not None:
        height, width = int(target_size[0]), int(target_size[1])
        if keep_aspect_ratio:
            image = _center_crop(image, width / height)
        resample = getattr(image_module.Resampling, interpolation.upper())
        if image.size != (width, height):
            image = image.resize((width, height), resample)
    return image


def _center_crop(image: Any, aspect: float) -> Any:
    width, height = image.size
    crop_width, crop_height = min(width, round(height * aspect)), min(height, round(width / aspect))
    left, top = (width - crop_width) // 2, (height - crop_height) // 2
    return image.crop((left, top, left + crop_width, top + crop_height))


def img_to_array(img: Any, data_format: str | None = None, dtype: Any = None) -> np.ndarray:
    """A PIL image → a float32 array (height, width, channels); grayscale gets one channel.

    Args:
        img: a PIL image (or anything `np.asarray` takes).
        data_format: 'channels_last' (default) or 'channels_first'.
        dtype: the array's dtype (float32 by default).

    Returns:
        The array.
    """
    array = np.asarray(img, dtype=dtype or "float32")
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3:
        raise ValueError(f"img_to_array: expected an image of rank 2 or 3, received shape "
                         f"{array.shape}")
    return np.transpose(array, (2, 0, 1)) if data_format == "channels_first" else array


def array_to_img(x: Any, data_format: str | None = None, scale: bool = True,
                 dtype: Any = None) -> Any:
    """An array (height, width, channels) → a PIL image; `scale` maps its range to 0..255.

    Args:
        x: a 3-D array or tensor with 1, 3 or 4 channels.
        data_format: 'channels_last' (default) or 'channels_first'.
        scale: shift and stretch the values to 0..255 first.
        dtype: accepted for Keras compatibility.

    Returns:
        A `PIL.Image.Image`.
    """
    image_module = pil_image_module()
    array = np.asarray(x.detach().cpu() if hasattr(x, "detach") else x, dtype="float32")
    if array.ndim != 3:
        raise ValueError(f"array_to_img: expected a 3-D image array, received shape {array.shape}")
    if data_format == "channels_first":
        array = np.transpose(array, (1, 2, 0))
    if scale:
        array = array - array.min()
        top = array.max()
        array = array / top * 255.0 if top else array
    channels = array.shape[2]
    modes = {1: "L", 3: "RGB", 4: "RGBA"}
    if channels not in modes:
        raise ValueError(f"array_to_img: expected 1, 3 or 4 channels, received {channels}")
    pixels = np.clip(array, 0, 255).astype("uint8")
    return image_module.fromarray(pixels[:, :, 0] if channels == 1 else pixels, modes[channels])


def save_img(path: str | os.PathLike, x: Any, data_format: str | None = None,
             file_format: str | None = None, scale: bool = True, **kwargs: Any) -> None:
    """Save an image array to a file (the format from the extension unless given)."""
    image = array_to_img(x, data_format=data_format, scale=scale)
    if image.mode == "RGBA" and (file_format or os.fspath(path)).lower().endswith(("jpg", "jpeg")):
        image = image.convert("RGB")
    image.save(os.fspath(path), format=file_format, **kwargs)
