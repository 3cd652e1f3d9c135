"""`keras.ops.image.gaussian_blur`, `sobel_edges` and `ssim`: fixed-kernel depthwise filters
over images, with Keras's kernels, padding and output layouts.

Example:
    >>> from deepfit import ops
    >>> ops.image.gaussian_blur(torch.ones(1, 8, 8, 3)).shape
    torch.Size([1, 8, 8, 3])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F

from deepfit.ops.core import convert_to_tensor as _t
from deepfit.ops.image_color import channel_axis, check_images, to_batch
from deepfit.ops.symbolic import op

__all__ = ["gaussian_blur", "gaussian_kernel_1d", "sobel_edges", "ssim"]


def gaussian_kernel_1d(size: int, sigma: Any, dtype: torch.dtype,
                       device: torch.device | None = None) -> torch.Tensor:
    """The normalized 1-D Gaussian of `size` taps centered on (size - 1) / 2."""
    x = torch.arange(size, dtype=dtype, device=device) - (size - 1) / 2
    kernel = torch.exp(-0.5 * (x / sigma) ** 2)
    return kernel / kernel.sum()


def _pair(name: str, value: Any) -> tuple[Any, Any]:
    if isinstance(value, torch.Tensor):
        value = value.tolist()
    if isinstance(value, (int, float)):
        return value, value
    if not isinstance(value, Sequence) or len(value) != 2:
        raise ValueError(f"gaussian_blur: {name} must be a number or a pair, received {value!r}")
    return value[0], value[1]


@op
def gaussian_blur(images: Any, kernel_size: Any = (3, 3), sigma: Any = (1.0, 1.0),
                  data_format: str | None = None) -> torch.Tensor:
    """Images smoothed by a Gaussian kernel, per channel, zero-padded to keep their size.

    The kernel is the outer product of a vertical Gaussian (`kernel_size[1]`, `sigma[1]`) and
    a horizontal one (`kernel_size[0]`, `sigma[0]`), as Keras's torch backend builds it.

    Args:
        images: a (h, w, c) image or (n, h, w, c) batch (channels first with
            `data_format='channels_first'`).
        kernel_size: the kernel's size, a pair (or one int for both).
        sigma: the Gaussian's standard deviation, a pair (or one number for both).
        data_format: 'channels_last' (default) or 'channels_first'.

    Returns:
        The blurred images, the same shape.

    Example:
        >>> gaussian_blur(torch.ones(8, 8, 1), kernel_size=3, sigma=1.0)[4, 4]
        tensor([1.])
    """
    t = _t(images)
    check_images("gaussian_blur", t)
    size_x, size_y = (int(s) for s in _pair("kernel_size", kernel_size))
    sigma_x, sigma_y = _pair("sigma", sigma)
    batch, restore = to_batch(t, data_format, channels_first=True)
    dtype = batch.dtype if batch.is_floating_point() else torch.float32
    kernel = torch.outer(gaussian_kernel_1d(size_y, sigma_y, dtype, batch.device),
                         gaussian_kernel_1d(size_x, sigma_x, dtype, batch.device))
    channels = batch.shape[1]
    # Keras lays the (size_y, size_x) product out as (size_x, size_y) and pads by size_x // 2
    # on both axes; for square kernels that is the usual centered blur.
    kernel = kernel.reshape(1, 1, size_x, size_y).expand(channels, 1, size_x, size_y)
    out = F.conv2d(batch.to(dtype), kernel, padding=size_x // 2, groups=channels)
    return restore(out)


@op
def sobel_edges(images: Any, data_format: str | None = None) -> torch.Tensor:
    """The Sobel derivatives of each channel: a new last axis holds (d/dy, d/dx).

    Args:
        images: a (n, h, w, c) batch (or (n, c, h, w) with 'channels_first').
        data_format: 'channels_last' (default) or 'channels_first'.

    Returns:
        (n, h, w, c, 2) (or (n, c, h, w, 2)); zero padding at the borders.

    Example:
        >>> sobel_edges(torch.zeros(1, 4, 4, 1)).shape
        torch.Size([1, 4, 4, 1, 2])
    """
    t = _t(images)
    if t.dim() != 4:
        raise ValueError(f"sobel_edges: images must be a rank-4 batch, received shape "
                         f"{tuple(t.shape)}")
    last = channel_axis(data_format) == -1
    batch = t.permute(0, 3, 1, 2) if last else t
    channels = batch.shape[1]
    gx = torch.tensor([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=t.dtype, device=t.device)
    kernels = torch.stack((gx.T, gx)).repeat(channels, 1, 1)[:, None]  # (2c, 1, 3, 3)
    edges = F.conv2d(batch, kernels, padding=1, groups=channels)
    edges = edges.unflatten(1, (channels, 2)).permute(0, 1, 3, 4, 2)  # (n, c, h, w, 2)
    return edges.permute(0, 2, 3, 1, 4) if last else edges


@op
def ssim(image1: Any, image2: Any, max_val: float = 1.0, filter_size: int = 11,
         filter_sigma: float = 1.5, k1: float = 0.01, k2: float = 0.03,
         data_format: str | None = None) -> torch.Tensor:
    """The structural similarity of two images (or two batches, image by image).

    Local means, variances and covariance come from a `filter_size` Gaussian window ('valid'
    positions only); the SSIM map is averaged over positions, then over channels.

    Args:
        image1, image2: (h, w, c) images or (n, h, w, c) batches of the same shape.
        max_val: the dynamic range of the pixel values (1.0 for [0, 1], 255 for bytes).
        filter_size: the Gaussian window's size.
        filter_sigma: its standard deviation.
        k1, k2: the stabilizing constants' factors.
        data_format: 'channels_last' (default) or 'channels_first'.

    Returns:
        A scalar for one image pair, else one value per image, in the input's dtype.

    Example:
        >>> x = torch.rand(1, 16, 16, 3)
        >>> float(ssim(x, x))
        1.0
    """
    a, b = _t(image1), _t(image2)
    check_images("ssim", a, "image1")
    check_images("ssim", b, "image2")
    original = a.dtype
    dtype = a.dtype if a.is_floating_point() else torch.float32
    single = a.dim() == 3
    a, _ = to_batch(a.to(dtype), data_format, channels_first=True)
    b, _ = to_batch(b.to(dtype), data_format, channels_first=True)
    batch, channels, height, width = a.shape
    g = gaussian_kernel_1d(filter_size, filter_sigma, dtype, a.device)
    window = torch.outer(g, g)[None, None]
    a, b = a.reshape(-1, 1, height, width), b.reshape(-1, 1, height, width)

    def local_mean(x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, window)

    mu1, mu2 = local_mean(a), local_mean(b)
    var1 = local_mean(a * a) - mu1 * mu1
    var2 = local_mean(b * b) - mu2 * mu2
    cov = local_mean(a * b) - mu1 * mu2
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    index = ((2.0 * mu1 * mu2 + c1) * (2.0 * cov + c2)
             / ((mu1 * mu1 + mu2 * mu2 + c1) * (var1 + var2 + c2)))
    result = index.mean(dim=(1, 2, 3)).reshape(batch, channels).mean(dim=-1)
    result = result[0] if single else result
    return result.to(original)
