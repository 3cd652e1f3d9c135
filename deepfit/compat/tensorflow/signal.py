"""`tf.signal`: Fourier transforms over the innermost axes and the usual windows, on torch
tensors (`torch.fft`).

As in TensorFlow, `rfft` of float32 values gives complex64 and of float64 values complex128;
`fft_length` (a one- or two-element list or tensor) crops or zero-pads the transformed axes.

Example:
    >>> from deepfit.compat.tensorflow import signal
    >>> signal.rfft([1.0, 0.0, 0.0, 0.0]).numpy()
    array([1.+0.j, 1.+0.j, 1.+0.j], dtype=complex64)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from deepfit.compat import namespace as _namespace
from deepfit.compat.tensorflow.dtypes import as_dtype
from deepfit.compat.tensorflow.eager import for_user_functions
from deepfit.compat.tensorflow.ops import _t
from deepfit.layers.mel_spectrogram import linear_to_mel_weight_matrix as mel_filters

__all__ = ["fft", "fft2d", "frame", "hamming_window", "hann_window", "ifft", "ifft2d", "irfft",
           "irfft2d", "linear_to_mel_weight_matrix", "mfccs_from_log_mel_spectrograms", "rfft",
           "rfft2d", "stft"]


def _values(x: Any) -> torch.Tensor:
    # Array-likes (a pandas Series, a NumPy array) keep their dtype, as TensorFlow keeps it.
    return _t(x) if isinstance(x, torch.Tensor) else _t(np.asarray(x))


def _real(x: Any, name: str) -> torch.Tensor:
    tensor = _values(x)
    if tensor.is_complex():
        raise TypeError(f"tf.signal.{name} expects real values, received {tensor.dtype}")
    return tensor if tensor.dtype in (torch.float32, torch.float64) else tensor.float()


def _complex(x: Any) -> torch.Tensor:
    tensor = _values(x)
    if tensor.is_complex():
        return tensor
    return tensor.to(torch.complex128 if tensor.dtype == torch.float64 else torch.complex64)


def _lengths(fft_length: Any, count: int, name: str) -> list[int] | None:
    if fft_length is None:
        return None
    lengths = [int(n) for n in np.asarray(
        fft_length.cpu() if isinstance(fft_length, torch.Tensor) else fft_length).reshape(-1)]
    if len(lengths) != count or any(n < 0 for n in lengths):
        raise ValueError(f"tf.signal.{name}: fft_length must hold {count} non-negative "
                         f"length(s), received {fft_length!r}")
    return lengths


def rfft(input_tensor: Any, fft_length: Any = None, name: str | None = None) -> torch.Tensor:
    """`tf.signal.rfft`: the FFT of real values over the innermost axis (`n // 2 + 1` terms)."""
    lengths = _lengths(fft_length, 1, "rfft")
    return torch.fft.rfft(_real(input_tensor, "rfft"), n=lengths[0] if lengths else None)


def irfft(input_tensor: Any, fft_length: Any = None, name: str | None = None) -> torch.Tensor:
    """`tf.signal.irfft`: the inverse of `rfft` (real values of length `fft_length`, by
    default `2 * (n - 1)`)."""
    lengths = _lengths(fft_length, 1, "irfft")
    return torch.fft.irfft(_complex(input_tensor), n=lengths[0] if lengths else None)


def fft(input: Any, name: str | None = None) -> torch.Tensor:  # noqa: A002 - TF's name
    """`tf.signal.fft`: the complex FFT over the innermost axis."""
    return torch.fft.fft(_complex(input))


def ifft(input: Any, name: str | None = None) -> torch.Tensor:  # noqa: A002 - TF's name
    """`tf.signal.ifft`: the inverse complex FFT over the innermost axis."""
    return torch.fft.ifft(_complex(input))


def fft2d(input: Any, name: str | None = None) -> torch.Tensor:  # noqa: A002 - TF's name
    """`tf.signal.fft2d`: the complex FFT over the two innermost axes."""
    return torch.fft.fft2(_complex(input))


def ifft2d(input: Any, name: str | None = None) -> torch.Tensor:  # noqa: A002 - TF's name
    """`tf.signal.ifft2d`: the inverse complex FFT over the two innermost axes."""
    return torch.fft.ifft2(_complex(input))


def rfft2d(input_tensor: Any, fft_length: Any = None, name: str | None = None) -> torch.Tensor:
    """`tf.signal.rfft2d`: the FFT of real values over the two innermost axes."""
    lengths = _lengths(fft_length, 2, "rfft2d")
    return torch.fft.rfft2(_real(input_tensor, "rfft2d"), s=lengths)


def irfft2d(input_tensor: Any, fft_length: Any = None, name: str | None = None) -> torch.Tensor:
    """`tf.signal.irfft2d`: the inverse of `rfft2d`."""
    lengths = _lengths(fft_length, 2, "irfft2d")
    return torch.fft.irfft2(_complex(input_tensor), s=lengths)


def hann_window(window_length: int, periodic: bool = True, dtype: Any = torch.float32,
                name: str | None = None) -> torch.Tensor:
    """`tf.signal.hann_window`: a (periodic by default) Hann window. As in TensorFlow, an
    odd-length window is symmetric whatever `periodic` says."""
    length = int(window_length)
    return torch.hann_window(length, periodic=periodic and length % 2 == 0,
                             dtype=as_dtype(dtype))


def hamming_window(window_length: int, periodic: bool = True, dtype: Any = torch.float32,
                   name: str | None = None) -> torch.Tensor:
    """`tf.signal.hamming_window`: a (periodic by default) Hamming window (symmetric when
    the length is odd, as in TensorFlow)."""
    length = int(window_length)
    return torch.hamming_window(length, periodic=periodic and length % 2 == 0,
                                dtype=as_dtype(dtype))


def frame(signal: Any, frame_length: int, frame_step: int, pad_end: bool = False,
          pad_value: float = 0, axis: int = -1, name: str | None = None) -> torch.Tensor:
    """`tf.signal.frame`: overlapping frames of `frame_length` values every `frame_step`
    along `axis` (a new axis of frames, then the frame). With `pad_end`, the end is padded
    with `pad_value` so that every value starts or falls in a frame (ceil(n / step) frames).
    """
    values = _values(signal)
    axis = axis % values.dim()
    length, step = int(frame_length), int(frame_step)
    if length <= 0 or step <= 0:
        raise ValueError(f"tf.signal.frame: frame_length and frame_step must be positive, "
                         f"received {frame_length!r} and {frame_step!r}")
    count = values.shape[axis]
    if pad_end:
        frames = -(-count // step)
        padding = max(0, (frames - 1) * step + length - count)
        widths = [0, 0] * (values.dim() - 1 - axis) + [0, padding]
        values = torch.nn.functional.pad(values, widths, value=pad_value)
    elif count < length:
        shape = (*values.shape[:axis], 0, length, *values.shape[axis + 1:])
        return values.new_zeros(shape)
    return values.unfold(axis, length, step)


def stft(signals: Any, frame_length: int, frame_step: int, fft_length: int | None = None,
         window_fn: Any = hann_window, pad_end: bool = False, name: str | None = None
         ) -> torch.Tensor:
    """`tf.signal.stft`: the short-time Fourier transform of real signals over their last
    axis: frames (`frame`) times the window (a periodic Hann window by default), then `rfft`
    of `fft_length` (default: the next power of two ≥ `frame_length`).

    Returns:
        complex64 (complex128 for float64) of shape (..., frames, fft_length // 2 + 1).
    """
    values = _real(signals, "stft")
    length = int(frame_length)
    size = int(fft_length) if fft_length is not None else 1 << max(0, (length - 1).bit_length())
    frames = frame(values, length, int(frame_step), pad_end=pad_end)
    if window_fn is not None:
        window = _t(window_fn(length, dtype=values.dtype))
        frames = frames * window.to(values.dtype)
    return torch.fft.rfft(frames, n=size)


def linear_to_mel_weight_matrix(num_mel_bins: int = 20, num_spectrogram_bins: int = 129,
                                sample_rate: float = 8000, lower_edge_hertz: float = 125.0,
                                upper_edge_hertz: float = 3800.0, dtype: Any = torch.float32,
                                name: str | None = None) -> torch.Tensor:
    """`tf.signal.linear_to_mel_weight_matrix`: (num_spectrogram_bins, num_mel_bins)
    triangular filters on the HTK mel scale, to multiply a magnitude spectrogram with (the
    DC bin's row is zero); Keras's MelSpectrogram uses the same filters."""
    if not 0.0 <= lower_edge_hertz < upper_edge_hertz <= sample_rate / 2.0:
        raise ValueError(f"tf.signal.linear_to_mel_weight_matrix: need 0 <= lower_edge_hertz "
                         f"< upper_edge_hertz <= sample_rate / 2, received "
                         f"{lower_edge_hertz}, {upper_edge_hertz}, sample_rate={sample_rate}")
    return mel_filters(int(num_mel_bins), int(num_spectrogram_bins), sample_rate,
                       float(lower_edge_hertz), float(upper_edge_hertz), as_dtype(dtype))


def mfccs_from_log_mel_spectrograms(log_mel_spectrograms: Any, name: str | None = None
                                    ) -> torch.Tensor:
    """`tf.signal.mfccs_from_log_mel_spectrograms`: the orthonormal DCT-II over the last axis
    (mel bins) of log-mel spectrograms."""
    values = _real(log_mel_spectrograms, "mfccs_from_log_mel_spectrograms")
    bins = values.shape[-1]
    n = torch.arange(bins, dtype=values.dtype)
    basis = torch.cos(torch.pi * n.unsqueeze(1) * (2 * n.unsqueeze(0) + 1) / (2 * bins))
    return 2.0 * (values @ basis.T) * (2.0 * bins) ** -0.5


for_user_functions(globals())
_namespace.install(globals(), _namespace.Lookup("tf.signal"))
