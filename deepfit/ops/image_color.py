"""`keras.ops.image.rgb_to_hsv` and `hsv_to_rgb`: colour-space conversion of float images with
every channel in [0, 1] (hue as a fraction of a full turn), with Keras's formulas (those of
dm_pix), so a round trip gives the input back.

Example:
    >>> from deepfit import ops
    >>> ops.image.rgb_to_hsv(torch.tensor([[[1.0, 0.0, 0.0]]]))
    tensor([[[0., 1., 1.]]])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from deepfit.ops.core import convert_to_tensor as _t
from deepfit.ops.symbolic import op

__all__ = ["hsv_to_rgb", "rgb_to_hsv"]


def check_images(name: str, images: torch.Tensor, argument: str = "images") -> None:
    """Keras's rank check of the image ops: rank 3 (one image) or 4 (a batch)."""
    if images.dim() not in (3, 4):
        raise ValueError(f"{name}: invalid {argument} rank: expected rank 3 (single image) or "
                         f"rank 4 (batch of images). Received input with shape: "
                         f"{argument}.shape={tuple(images.shape)}")


def channel_axis(data_format: str | None) -> int:
    """-3 for 'channels_first', -1 for 'channels_last' (or None)."""
    if data_format not in (None, "channels_last", "channels_first"):
        raise ValueError(f"data_format must be 'channels_last' or 'channels_first', "
                         f"received {data_format!r}")
    return -3 if data_format == "channels_first" else -1


def to_batch(images: torch.Tensor, data_format: str | None, channels_first: bool
             ) -> tuple[torch.Tensor, Callable[[torch.Tensor], torch.Tensor]]:
    """A rank-4 batch in the wanted layout, and the function that puts a result of that
    layout (same rank) back into the caller's layout and rank."""
    single = images.dim() == 3
    batch = images[None] if single else images
    swap = (channel_axis(data_format) == -3) != channels_first
    order = (0, 2, 3, 1) if not channels_first else (0, 3, 1, 2)
    back = (0, 3, 1, 2) if not channels_first else (0, 2, 3, 1)

    def restore(result: torch.Tensor) -> torch.Tensor:
        result = result.permute(back) if swap else result
        return result[0] if single else result

    return (batch.permute(order) if swap else batch), restore


def _float_images(name: str, images: Any) -> torch.Tensor:
    t = _t(images)
    check_images(name, t)
    if not t.is_floating_point():
        raise ValueError(f"{name}: invalid images dtype: expected float dtype. "
                         f"Received: images.dtype={str(t.dtype).replace('torch.', '')}")
    return t


@op
def rgb_to_hsv(images: Any, data_format: str | None = None) -> torch.Tensor:
    """RGB images (values in [0, 1]) as HSV: hue, saturation and value, each in [0, 1].

    Args:
        images: a float (h, w, 3) image or (n, h, w, 3) batch (channels before h, w with
            `data_format='channels_first'`).
        data_format: 'channels_last' (default) or 'channels_first'.

    Returns:
        The HSV images, the same shape and dtype.

    Example:
        >>> rgb_to_hsv(torch.tensor([[[0.0, 0.5, 0.0]]]))[..., 0]  # green: a third of a turn
        tensor([[0.3333]])
    """
    t = _float_images("rgb_to_hsv", images)
    axis = channel_axis(data_format)
    eps = torch.finfo(t.dtype).eps
    # Values within eps of zero count as zero, so near-black pixels get saturation 0.
    t = torch.where(t.abs() < eps, torch.zeros((), dtype=t.dtype, device=t.device), t)
    red, green, blue = t.unbind(dim=axis)
    value = torch.maximum(torch.maximum(red, green), blue)
    spread = value - torch.minimum(torch.minimum(red, green), blue)
    one = torch.ones((), dtype=t.dtype, device=t.device)
    saturation = torch.where(value > 0, spread / torch.where(value > 0, value, one), 0.0)
    norm = 1.0 / (6.0 * torch.where(spread > 0, spread, one))
    hue = torch.where(value == green, norm * (blue - red) + 2.0 / 6.0,
                      norm * (red - green) + 4.0 / 6.0)
    hue = torch.where(value == red, norm * (green - blue), hue)
    hue = torch.where(spread > 0, hue, 0.0) + (hue < 0.0).to(hue.dtype)
    return torch.stack((hue, saturation, value), dim=axis)


@op
def hsv_to_rgb(images: Any, data_format: str | None = None) -> torch.Tensor:
    """HSV images (each channel in [0, 1]) as RGB; the inverse of `rgb_to_hsv`.

    Args:
        images: a float (h, w, 3) image or (n, h, w, 3) batch.
        data_format: 'channels_last' (default) or 'channels_first'.

    Returns:
        The RGB images, the same shape and dtype.

    Example:
        >>> hsv_to_rgb(torch.tensor([[[0.0, 1.0, 1.0]]]))
        tensor([[[1., 0., 0.]]])
    """
    t = _float_images("hsv_to_rgb", images)
    axis = channel_axis(data_format)
    hue, saturation, value = t.unbind(dim=axis)
    sector = torch.remainder(hue, 1.0) * 6.0
    weights = (
        torch.clip((sector - 3.0).abs() - 1.0, 0.0, 1.0),
        torch.clip(2.0 - (sector - 2.0).abs(), 0.0, 1.0),
        torch.clip(2.0 - (sector - 4.0).abs(), 0.0, 1.0),
    )
    gray = 1.0 - saturation
    return torch.stack([value * (gray + saturation * w) for w in weights], dim=axis)
