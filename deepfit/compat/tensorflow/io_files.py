"""`tf.io.read_file`, `tf.io.write_file` and the image decoders `tf.io.decode_png`,
`decode_jpeg`, `decode_bmp`, `decode_gif` and `decode_image`, as `tf.data` pipelines use them
(`dataset.map(lambda path: tf.io.decode_png(tf.io.read_file(path)))`).

A file's contents are a 0-d NumPy object array holding `bytes` (PyTorch has no string
tensors); decoded images are uint8 tensors of shape (height, width, channels), as TensorFlow's.

Example:
    >>> image = decode_png(read_file("digit.png"), channels=1)
    >>> image.shape, image.dtype
    (torch.Size([28, 28, 1]), torch.uint8)
"""

from __future__ import annotations

import io
import os
from typing import Any

import numpy as np
import torch

from deepfit.backend.tensor import returns_for_user
from deepfit.data.images import pil_image_module

__all__ = ["decode_bmp", "decode_gif", "decode_image", "decode_jpeg", "decode_png", "read_file",
           "write_file"]

_MODES = {1: "L", 3: "RGB", 4: "RGBA"}


def _text(value: Any, argument: str) -> str:
    if isinstance(value, torch.Tensor) or (isinstance(value, np.ndarray) and value.size != 1):
        raise TypeError(f"{argument}: expected one file name, received {value!r}")
    if isinstance(value, np.ndarray):
        value = value.reshape(()).item()
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{argument}: expected a file name, received {type(value).__name__}")
    return os.fspath(value)


def _bytes(contents: Any) -> bytes:
    if isinstance(contents, np.ndarray) and contents.size == 1:
        contents = contents.reshape(()).item()
    if isinstance(contents, str):
        contents = contents.encode("latin-1")
    if not isinstance(contents, (bytes, bytearray)):
        raise TypeError("contents: expected the bytes of a file (from tf.io.read_file), "
                        f"received {type(contents).__name__}")
    return bytes(contents)


def read_file(filename: Any, name: str | None = None) -> np.ndarray:
    """The whole content of a file.

    Args:
        filename: the file's name (a str, bytes or a 0-d string array).
        name: unused (TensorFlow's op name).

    Returns:
        A 0-d object array holding the file's bytes.
    """
    with open(_text(filename, "filename"), "rb") as handle:
        data = handle.read()
    contents = np.empty((), dtype=object)
    contents[()] = data
    return contents


def write_file(filename: Any, contents: Any, name: str | None = None) -> None:
    """Write `contents` (bytes or a string) to a file, replacing it."""
    with open(_text(filename, "filename"), "wb") as handle:
        handle.write(_bytes(contents))


@returns_for_user
def decode_image(contents: Any, channels: int = 0, dtype: Any = torch.uint8,
                 name: str | None = None, expand_animations: bool = True) -> torch.Tensor:
    """Decode a PNG, JPEG, BMP or GIF file's bytes.

    Args:
        contents: the file's bytes (from `read_file`).
        channels: 0 keeps the file's channels; 1 grayscale, 3 RGB, 4 RGBA.
        dtype: uint8 (default) or a float dtype (then scaled to [0, 1], as TensorFlow's
            `convert_image_dtype`).
        name: unused.
        expand_animations: unused (the first frame of a GIF is decoded, as a 3-D image).

    Returns:
        A tensor of shape (height, width, channels).

    Raises:
        ValueError: the bytes are no image, or `channels` is not 0, 1, 3 or 4.
    """
    return _decode(contents, channels, dtype)


def _decode(contents: Any, channels: int, dtype: Any, ratio: int = 1) -> torch.Tensor:
    if channels not in (0, 1, 3, 4):
        raise ValueError(f"channels: expected 0, 1, 3 or 4, received {channels!r}")
    image_module = pil_image_module()
    try:
        with image_module.open(io.BytesIO(_bytes(contents))) as image:
            if image.format == "JPEG" and (channels == 1 or ratio > 1):
                # libjpeg's own luma output and scaling, as TensorFlow's decoder
                image.draft("L" if channels == 1 else image.mode,
                            (image.size[0] // ratio, image.size[1] // ratio))
            image.seek(0)
            mode = _MODES.get(channels) or ("L" if image.mode in ("L", "I;16", "1")
                                            else "LA" if image.mode == "LA"
                                            else "RGBA" if "A" in image.mode
                                            or image.mode == "P" and "transparency" in image.info
                                            else "RGB")
            array = np.asarray(image.convert(mode), dtype=np.uint8)
    except (OSError, SyntaxError) as err:
        raise ValueError(f"contents: could not decode the image: {err}") from err
    tensor = torch.from_numpy(array.copy())
    if tensor.dim() == 2:
        tensor = tensor[:, :, None]
    from deepfit.ops.dtypes import to_torch

    target = to_torch(dtype)
    return tensor if target == torch.uint8 else (tensor.to(target) / 255.0).to(target)


@returns_for_user
def decode_jpeg(contents: Any, channels: int = 0, ratio: int = 1, fancy_upscaling: bool = True,
                try_recover_truncated: bool = False, acceptable_fraction: float = 1,
                dct_method: str = "", name: str | None = None) -> torch.Tensor:
    """Decode a JPEG file's bytes to uint8 (height, width, channels); `ratio` 1, 2, 4 or 8
    scales down while decoding. Pixel-equal to TensorFlow's `dct_method='INTEGER_ACCURATE'`
    (its default fast integer DCT differs by a few levels); `channels=1` is libjpeg's luma
    output, as TensorFlow's. The other arguments are accepted for compatibility."""
    if int(ratio) not in (1, 2, 4, 8):
        raise ValueError(f"ratio: expected 1, 2, 4 or 8, received {ratio!r}")
    if channels not in (0, 1, 3):
        raise ValueError(f"channels: expected 0, 1 or 3, received {channels!r}")
    return _decode(contents, channels, torch.uint8, int(ratio))


decode_png = decode_bmp = decode_gif = decode_image
