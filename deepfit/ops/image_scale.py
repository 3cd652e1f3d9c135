"""`keras.ops.image.scale_and_translate`: separable resampling with a chosen kernel (JAX's
`scale_and_translate`, which Keras follows on every backend): output sample i along an axis
sits at input position (i + 0.5 - translation) / scale - 0.5 and is a normalized
kernel-weighted sum of the input there.

Example:
    >>> from deepfit import ops
    >>> x = torch.arange(4.0).reshape(1, 4, 1)
    >>> ops.image.scale_and_translate(x, (1, 2, 1), torch.tensor([0.5]), torch.tensor([0.0]),
    ...                               (1,), "linear", antialias=False)[0, :, 0]
    tensor([0.5000, 2.5000])
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from deepfit.ops.core import convert_to_tensor as _t
from deepfit.ops.symbolic import op

__all__ = ["scale_and_translate"]


def _triangle(x: torch.Tensor) -> torch.Tensor:
    return torch.clamp(1 - x.abs(), min=0)


def _keys_cubic(x: torch.Tensor) -> torch.Tensor:
    near = ((1.5 * x - 2.5) * x) * x + 1.0
    far = ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0
    return torch.where(x >= 2.0, 0.0, torch.where(x >= 1.0, far, near))


def _lanczos(radius: float) -> Callable[[torch.Tensor], torch.Tensor]:
    def kernel(x: torch.Tensor) -> torch.Tensor:
        y = radius * torch.sin(math.pi * x) * torch.sin(math.pi * x / radius)
        safe = torch.where(x != 0, math.pi ** 2 * x ** 2, 1.0)
        out = torch.where(x > 1e-3, y / safe, 1.0)
        return torch.where(x > radius, 0.0, out)

    return kernel


_KERNELS = {"linear": _triangle, "bilinear": _triangle, "trilinear": _triangle,
            "cubic": _keys_cubic, "bicubic": _keys_cubic, "tricubic": _keys_cubic,
            "lanczos3": _lanczos(3.0), "lanczos5": _lanczos(5.0)}


def _weights(in_size: int, out_size: int, scale: torch.Tensor, translation: torch.Tensor,
             kernel: Callable[[torch.Tensor], torch.Tensor], antialias: bool) -> torch.Tensor:
    """The (in_size, out_size) matrix of one axis: column j holds output j's input weights."""
    inv_scale = 1.0 / scale
    # Downsampling with antialias widens the kernel by 1 / scale, a low-pass filter.
    kernel_scale = torch.clamp(inv_scale, min=1.0) if antialias else 1.0
    dtype, device = inv_scale.dtype, inv_scale.device
    sample = ((torch.arange(out_size, dtype=dtype, device=device) + 0.5) * inv_scale
              - translation * inv_scale - 0.5)
    distance = (sample[None, :] - torch.arange(in_size, dtype=dtype, device=device)[:, None]).abs()
    weights = kernel(distance / kernel_scale)
    total = weights.sum(dim=0, keepdim=True)
    weights = torch.where(total.abs() > 1000.0 * float(np.finfo(np.float32).eps),
                          weights / torch.where(total != 0, total, 1.0), 0.0)
    inside = (sample >= -0.5) & (sample <= in_size - 0.5)
    return torch.where(inside[None, :], weights, 0.0)


@op
def scale_and_translate(images: Any, output_shape: Sequence[int], scale: Any, translation: Any,
                        spatial_dims: Sequence[int], method: str,
                        antialias: bool = True) -> torch.Tensor:
    """Resample `images` along `spatial_dims` to `output_shape`, scaling and shifting each.

    Args:
        images: any tensor.
        output_shape: the output's full shape (only the spatial dims' sizes are used).
        scale: one scale factor per spatial dim.
        translation: one shift (in output pixels) per spatial dim.
        spatial_dims: the axes to resample.
        method: 'linear'/'bilinear'/'trilinear', 'cubic'/'bicubic'/'tricubic', 'lanczos3'
            or 'lanczos5'.
        antialias: widen the kernel when downsampling.

    Returns:
        The resampled tensor; integer inputs are rounded and clipped to their own range.

    Example:
        >>> scale_and_translate(torch.ones(1, 4, 4, 1), (1, 8, 8, 1), torch.tensor([2.0, 2.0]),
        ...                     torch.tensor([0.0, 0.0]), (1, 2), "cubic").shape
        torch.Size([1, 8, 8, 1])
    """
    if method not in _KERNELS:
        raise ValueError(f"scale_and_translate: invalid value for argument `method`. Expected "
                         f"one of {sorted(_KERNELS)}. Received: method={method}")
    x = _t(images)
    scale, translation = _t(scale), _t(translation)
    dtype = torch.promote_types(scale.dtype, translation.dtype)
    dtype = dtype if dtype.is_floating_point else torch.float32
    scale, translation = scale.to(dtype), translation.to(dtype)
    if len(spatial_dims) == 0:
        return x
    integer = not x.is_floating_point()
    output = x.float() if integer else x.clone()
    for i, axis in enumerate(spatial_dims):
        axis = axis % x.dim()
        w = _weights(x.shape[axis], int(output_shape[axis]), scale[i], translation[i],
                     _KERNELS[method], antialias).to(output.dtype)
        output = torch.tensordot(output, w, dims=([axis], [0])).movedim(-1, axis)
    if integer:
        output = torch.clip(torch.round(output), x.min(), x.max()).to(x.dtype)
    return output
