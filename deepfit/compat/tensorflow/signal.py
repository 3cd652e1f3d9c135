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

__all__ = ["fft", "fft2d", "hamming_window", "hann_window", "ifft", "ifft2d", "irfft",
           "irfft2d", "rfft", "rfft2d"]


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
    """`tf.signal.hann_window`: a (periodic by default) Hann window."""
    return torch.hann_window(int(window_length), periodic=periodic, dtype=as_dtype(dtype))


def hamming_window(window_length: int, periodic: bool = True, dtype: Any = torch.float32,
                   name: str | None = None) -> torch.Tensor:
    """`tf.signal.hamming_window`: a (periodic by default) Hamming window."""
    return torch.hamming_window(int(window_length), periodic=periodic, dtype=as_dtype(dtype))


for_user_functions(globals())
_namespace.install(globals(), _namespace.Lookup("tf.signal"))
