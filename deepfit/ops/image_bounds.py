"""`keras.ops.image.crop_images` and `pad_images`: cut or zero-pad images to a box given by
two of (start, end, target size) per axis, with Keras's argument rules and errors.

Example:
    >>> from deepfit import ops
    >>> ops.image.pad_images(torch.ones(15, 25, 3), 2, 3, target_height=20,
    ...                      target_width=30).shape
    torch.Size([20, 30, 3])
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from deepfit.ops.core import convert_to_tensor as _t
from deepfit.ops.image_color import channel_axis, check_images
from deepfit.ops.symbolic import op

__all__ = ["crop_images", "pad_images"]


def _check_two_of(first: str, last: str, target: str, values: tuple) -> None:
    if list(values).count(None) != 1:
        raise ValueError(f"Must specify exactly two of {first}, {last}, {target}. Received: "
                         f"{first}={values[0]}, {last}={values[1]}, {target}={values[2]}")


def _check_non_negative(**values: Any) -> None:
    for name, value in values.items():
        if value is not None and value < 0:
            raise ValueError(f"{name} must be >= 0. Received: {name}={value}")


def _check_box(kind: str, top: int | None, left: int | None, bottom: int | None,
               right: int | None, target_height: int | None, target_width: int | None) -> None:
    """Keras's checks of the box arguments (`kind` is 'padding' or 'cropping')."""
    names = [f"top_{kind}", f"bottom_{kind}", "target_height"]
    _check_two_of(*names, (top, bottom, target_height))
    _check_two_of(f"left_{kind}", f"right_{kind}", "target_width", (left, right, target_width))
    _check_non_negative(**{names[0]: top, names[1]: bottom, "target_height": target_height,
                           f"left_{kind}": left, f"right_{kind}": right,
                           "target_width": target_width})


def _spatial(images: torch.Tensor, data_format: str | None) -> tuple[int, int, int]:
    """The height axis, height and width."""
    first = channel_axis(data_format) == -3
    axis = images.dim() - 2 if first else images.dim() - 3
    return axis, images.shape[axis], images.shape[axis + 1]


@op
def pad_images(images: Any, top_padding: int | None = None, left_padding: int | None = None,
               bottom_padding: int | None = None, right_padding: int | None = None,
               target_height: int | None = None, target_width: int | None = None,
               data_format: str | None = None) -> torch.Tensor:
    """Images padded with zeros; per axis give exactly two of the two paddings and the target.

    Args:
        images: a (h, w, c) image or (n, h, w, c) batch.
        top_padding, bottom_padding: rows of zeros added above and below.
        left_padding, right_padding: columns of zeros added left and right.
        target_height, target_width: the output's size.
        data_format: 'channels_last' (default) or 'channels_first'.

    Returns:
        The padded images.

    Example:
        >>> pad_images(torch.ones(1, 2, 2, 1), 1, 1, 1, 1).shape
        torch.Size([1, 4, 4, 1])
    """
    t = _t(images)
    check_images("pad_images", t)
    _check_box("padding", top_padding, left_padding, bottom_padding, right_padding,
               target_height, target_width)
    axis, height, width = _spatial(t, data_format)
    if top_padding is None:
        top_padding = target_height - bottom_padding - height
    if bottom_padding is None:
        bottom_padding = target_height - top_padding - height
    if left_padding is None:
        left_padding = target_width - right_padding - width
    if right_padding is None:
        right_padding = target_width - left_padding - width
    _check_non_negative(top_padding=top_padding, left_padding=left_padding,
                        right_padding=right_padding, bottom_padding=bottom_padding)
    pads = [0, 0] * (t.dim() - axis - 2) + [left_padding, right_padding,
                                             top_padding, bottom_padding]
    return F.pad(t, pads)


@op
def crop_images(images: Any, top_cropping: int | None = None, left_cropping: int | None = None,
                bottom_cropping: int | None = None, right_cropping: int | None = None,
                target_height: int | None = None, target_width: int | None = None,
                data_format: str | None = None) -> torch.Tensor:
    """Images cropped to a box; per axis give exactly two of the two croppings and the target.

    Args:
        images: a (h, w, c) image or (n, h, w, c) batch.
        top_cropping, bottom_cropping: rows removed above and below.
        left_cropping, right_cropping: columns removed left and right.
        target_height, target_width: the output's size.
        data_format: 'channels_last' (default) or 'channels_first'.

    Returns:
        The cropped images (a view).

    Example:
        >>> crop_images(torch.ones(3, 3, 1), 0, 0, target_height=2, target_width=2).shape
        torch.Size([2, 2, 1])
    """
    t = _t(images)
    check_images("crop_images", t)
    _check_box("cropping", top_cropping, left_cropping, bottom_cropping, right_cropping,
               target_height, target_width)
    axis, height, width = _spatial(t, data_format)
    if top_cropping is None:
        top_cropping = height - target_height - bottom_cropping
    if target_height is None:
        target_height = height - bottom_cropping - top_cropping
    if left_cropping is None:
        left_cropping = width - target_width - right_cropping
    if target_width is None:
        target_width = width - right_cropping - left_cropping
    _check_non_negative(top_cropping=top_cropping, target_height=target_height,
                        left_cropping=left_cropping, target_width=target_width)
    if top_cropping + target_height > height or left_cropping + target_width > width:
        raise ValueError(f"crop_images: the box (top {top_cropping}, left {left_cropping}, "
                         f"{target_height}x{target_width}) does not fit in images of size "
                         f"{height}x{width}")
    return (t.narrow(axis, top_cropping, target_height)
            .narrow(axis + 1, left_cropping, target_width))
