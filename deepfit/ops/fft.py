"""Keras's Fourier transforms (`keras.ops.fft`, `fft2`, `ifft2`, `rfft`, `irfft`): complex
values travel as a `(real, imaginary)` pair of float tensors, as in Keras.

Example:
    >>> from deepfit import ops
    >>> real, imag = ops.fft2((ops.ones((2, 4, 4)), ops.zeros((2, 4, 4))))
    >>> float(real[0, 0, 0])
    16.0
"""

from __future__ import annotations

from typing import Any

import torch

from deepfit.ops.core import convert_to_tensor as _t
from deepfit.ops.symbolic import op

__all__ = ["fft", "fft2", "ifft2", "irfft", "rfft"]


def _complex(x: Any) -> torch.Tensor:
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError("Input `x` should be a tuple of two tensors - real and imaginary."
                         f"Received: x={x}")
    real, imag = _t(x[0]), _t(x[1])
    if real.shape != imag.shape:
        raise ValueError("Input `x` should be a tuple of two tensors - real and imaginary."
                         "Both the real and imaginary parts should have the same shape. "
                         f"Received: x[0].shape = {tuple(real.shape)}, "
                         f"x[1].shape = {tuple(imag.shape)}")
    if not (real.is_floating_point() and imag.is_floating_point()):
        raise ValueError(f"At least one tensor in input `x` is not of type float.Received: "
                         f"x={x}.")
    return torch.complex(real, imag.to(real.dtype))


def _pair(z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    return z.real, z.imag


@op
def fft(x: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """The discrete Fourier transform along the last axis.

    Args:
        x: `(real, imag)`, two float tensors of one shape.

    Returns:
        `(real, imag)` of the transform.
    """
    return _pair(torch.fft.fft(_complex(x)))


@op
def fft2(x: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """The 2D discrete Fourier transform over the last two axes (`x` = `(real, imag)`)."""
    return _pair(torch.fft.fft2(_complex(x)))


@op
def ifft2(x: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """The inverse 2D discrete Fourier transform over the last two axes."""
    return _pair(torch.fft.ifft2(_complex(x)))


@op
def rfft(x: Any, fft_length: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """The Fourier transform of a real signal along the last axis: `fft_length // 2 + 1`
    frequencies (`fft_length` defaults to the axis length; shorter signals are zero-padded).

    Returns:
        `(real, imag)`.
    """
    return _pair(torch.fft.rfft(_t(x), n=fft_length, dim=-1))


@op
def irfft(x: Any, fft_length: int | None = None) -> torch.Tensor:
    """The inverse of `rfft`: a real signal of `fft_length` samples (default
    `2 * (n - 1)`) from `(real, imag)` frequencies along the last axis."""
    return torch.fft.irfft(_complex(x), n=fft_length, dim=-1)
