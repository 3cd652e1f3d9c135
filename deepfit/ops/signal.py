"""Short-time Fourier transforms and complex views of `keras.ops`: `stft`, `istft`,
`view_as_complex`, `view_as_real`, and pairwise distances `cdist`. As in Keras, `stft` gives
and `istft` takes complex values as a `(real, imaginary)` pair of float tensors.

Example:
    >>> from deepfit import ops
    >>> real, imag = ops.stft(ops.ones((2, 64)), 16, 8, 16)
    >>> tuple(real.shape)
    (2, 9, 9)
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from deepfit.ops.core import convert_to_tensor as _t
from deepfit.ops.dtypes import result_type, to_torch
from deepfit.ops.fft import _complex
from deepfit.ops.symbolic import op

__all__ = ["cdist", "istft", "stft", "view_as_complex", "view_as_real"]


def _window(window: Any, length: int, dtype: torch.dtype, device: torch.device
            ) -> torch.Tensor | None:
    if window is None:
        return None
    if isinstance(window, str):
        if window not in ("hann", "hamming"):
            raise ValueError(f'If a string is passed to `window`, it must be one of "hann", '
                             f'"hamming". Received: window={window}')
        make = torch.hann_window if window == "hann" else torch.hamming_window
        return make(length, periodic=True, dtype=dtype, device=device)
    win = _t(window).to(dtype).to(device)
    if win.dim() != 1 or win.shape[-1] != length:
        raise ValueError(f"The shape of `window` must be equal to [sequence_length]. "
                         f"Received: window shape={tuple(win.shape)}")
    return win


@op
def stft(x: Any, sequence_length: int, sequence_stride: int, fft_length: int,
         window: Any = "hann", center: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """The short-time Fourier transform along the last axis.

    Args:
        x: float32 or float64 signals `(..., samples)`.
        sequence_length: the frame (window) length.
        sequence_stride: the hop between frames.
        fft_length: the FFT size (at least `sequence_length`; the window is centred in it).
        window: 'hann', 'hamming' (periodic), a tensor of `sequence_length`, or None.
        center: pad the signal by `fft_length // 2` on both sides (reflected) so that frame
            `t` is centred at `t * sequence_stride`.

    Returns:
        `(real, imag)`, each `(..., frames, fft_length // 2 + 1)`.
    """
    t = _t(x)
    if t.dtype not in (torch.float32, torch.float64):
        raise TypeError(f"Invalid input type. Expected `float32` or `float64`. Received: "
                        f"input type={str(t.dtype).removeprefix('torch.')}")
    if fft_length < sequence_length:
        raise ValueError(f"`fft_length` must equal or larger than `sequence_length`. "
                         f"Received: sequence_length={sequence_length}, "
                         f"fft_length={fft_length}")
    win = _window(window, sequence_length, t.dtype, t.device)
    if win is None:
        win = torch.ones(sequence_length, dtype=t.dtype, device=t.device)
    batch, samples = t.shape[:-1], t.shape[-1]
    z = torch.stft(t.reshape(-1, samples), n_fft=fft_length, hop_length=sequence_stride,
                   win_length=sequence_length, window=win, center=center,
                   return_complex=True)
    z = z.reshape(*batch, *z.shape[-2:]).transpose(-2, -1)
    return z.real, z.imag


def _overlap_add(frames: torch.Tensor, stride: int) -> torch.Tensor:
    *batch, count, length = frames.shape
    flat = frames.reshape(-1, count, length).transpose(1, 2)
    size = length + stride * (count - 1)
    out = F.fold(flat, (1, size), (1, length), stride=(1, stride))
    return out.reshape(*batch, size)


@op
def istft(x: Any, sequence_length: int, sequence_stride: int, fft_length: int,
          length: int | None = None, window: Any = "hann", center: bool = True
          ) -> torch.Tensor:
    """The inverse of `stft`: signals from `(real, imag)` frames, by overlap-add with the
    window's squared sums divided out.

    Args:
        x: `(real, imag)`, each `(..., frames, fft_length // 2 + 1)`.
        sequence_length, sequence_stride, fft_length, window, center: as given to `stft`.
        length: cut (or pad) the signal to this many samples.

    Returns:
        The float signals `(..., samples)`.
    """
    z = _complex(x)
    dtype = z.real.dtype
    win = _window(window, sequence_length, dtype, z.device)
    if sequence_length == fft_length and center and win is not None:
        batch = z.shape[:-2]
        flat = z.reshape(-1, *z.shape[-2:]).transpose(-2, -1)
        out = torch.istft(flat, n_fft=fft_length, hop_length=sequence_stride,
                          win_length=sequence_length, window=win, center=True, length=length)
        return out.reshape(*batch, out.shape[-1])
    frames = torch.fft.irfft(z, n=fft_length, dim=-1)
    if win is not None:
        before = (fft_length - sequence_length) // 2
        win = F.pad(win, (before, fft_length - sequence_length - before))
        folds = -(-fft_length // sequence_stride)
        squares = F.pad(win ** 2, (0, folds * sequence_stride - fft_length))
        overlap = squares.reshape(folds, sequence_stride).sum(0).repeat(folds)
        frames = frames * (win / overlap[:fft_length])
    signal = _overlap_add(frames, sequence_stride)
    start = fft_length // 2 if center else 0
    if length is not None:
        end = start + length
    elif center:
        end = signal.shape[-1] - fft_length // 2
    else:
        end = signal.shape[-1]
    return signal[..., start:end]


@op
def view_as_complex(x: Any) -> torch.Tensor:
    """A complex64 tensor from a real one whose last axis (of size 2) holds the real and
    imaginary parts."""
    t = _t(x)
    if t.dim() < 1 or t.shape[-1] != 2:
        raise ValueError(f"Last dimension of input must be size 2 (real and imaginary). "
                         f"Received shape: {tuple(t.shape)}")
    return torch.complex(t[..., 0].to(torch.float32), t[..., 1].to(torch.float32))


@op
def view_as_real(x: Any) -> torch.Tensor:
    """A real tensor with a last axis of size 2 holding the real and imaginary parts of
    complex `x` (zeros for the imaginary part of real inputs)."""
    t = _t(x)
    if t.is_complex():
        return torch.stack((t.real, t.imag), dim=-1)
    return torch.stack((t, torch.zeros_like(t)), dim=-1)


@op
def cdist(x: Any, y: Any) -> torch.Tensor:
    """The Euclidean distances between every row of `x` and every row of `y`.

    Args:
        x: `(..., m, d)`.
        y: `(..., n, d)` (leading axes broadcast with `x`'s).

    Returns:
        `(..., m, n)`, of the inputs' float dtype (float32 for integer inputs).
    """
    a, b = _t(x), _t(y)
    if a.dim() < 2 or b.dim() < 2:
        raise ValueError("`cdist` inputs must have rank >= 2")
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"Last dimension of inputs to `cdist` must match; received "
                         f"{a.shape[-1]} and {b.shape[-1]}")
    dtype = torch.promote_types(a.dtype, b.dtype)  # Keras on torch keeps float64
    if not dtype.is_floating_point:
        dtype = to_torch(result_type(a.dtype, b.dtype, float))
    diff = a.to(dtype).unsqueeze(-2) - b.to(dtype).unsqueeze(-3)
    return torch.sqrt(torch.sum(diff * diff, dim=-1))
