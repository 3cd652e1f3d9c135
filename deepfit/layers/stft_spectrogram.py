"""`STFTSpectrogram`: the short-time Fourier transform of 1-D signals as a strided convolution
with (trainable) windowed cosine and sine kernels (`initializers.STFT`), giving Keras's
spectrogram modes: log magnitude, magnitude, power spectral density, real, imaginary, angle, or
real and imaginary stacked.

Example:
    >>> layer = deepfit.layers.STFTSpectrogram(mode="log", frame_length=64, frame_step=32)
    >>> layer(torch.randn(2, 1024, 1)).shape       # 31 frames, 33 frequency bins
    torch.Size([2, 31, 33])
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import torch
import torch.nn.functional as F

from deepfit import initializers
from deepfit.layers.conv.utils import conv_output_length, pad_same
from deepfit.layers.input_spec import InputSpec
from deepfit.layers.layer import Layer
from deepfit.signal_windows import get_window

_MODES = ("log", "magnitude", "psd", "real", "imag", "angle", "stft")
_EPSILON = 1e-7  # Keras's backend epsilon, the floor of the magnitude and its log


class STFTSpectrogram(Layer):
    """Spectrograms of `(batch, time, channels)` signals (channels_last), each channel alone.

    Args:
        mode: 'log' (log magnitude), 'magnitude', 'psd', 'real', 'imag', 'angle' or 'stft'
            (real and imaginary parts stacked on the frequency axis).
        frame_length: the window length in samples.
        frame_step: the hop between frames (default `frame_length // 2`).
        fft_length: the FFT size (default: the next power of two of `frame_length`).
        window: a window name ('hann', 'hamming', ...), `frame_length` values, or None.
        periodic: use the periodic form of a named window.
        scaling: 'density', 'spectrum' or None (see `initializers.STFT`).
        padding: 'valid' or 'same'.
        expand_dims: keep channels apart: `(batch, frames, bins, channels)` instead of
            `(batch, frames, channels * bins)`.
        data_format: 'channels_last' or 'channels_first'.
    """

    def __init__(self, mode: str = "log", frame_length: int = 256,
                 frame_step: int | None = None, fft_length: int | None = None,
                 window: Any = "hann", periodic: bool = False, scaling: str | None = "density",
                 padding: str = "valid", expand_dims: bool = False,
                 data_format: str | None = None, **kwargs: Any) -> None:
        _check_arguments(mode, frame_length, frame_step, fft_length, scaling, padding)
        if isinstance(window, str):
            get_window(window, 1)  # an unknown name fails now
        super().__init__(**kwargs)
        self.mode, self.frame_length, self.frame_step = mode, frame_length, frame_step
        self._frame_step = frame_step or frame_length // 2
        self.fft_length = fft_length
        self._fft_length = fft_length or 2 ** int(math.ceil(math.log2(frame_length)))
        self.window, self.periodic, self.scaling = window, periodic, scaling
        self.padding, self.expand_dims = padding, expand_dims
        from deepfit import backend

        self.data_format = data_format or backend.image_data_format()
        if self.data_format not in ("channels_last", "channels_first"):
            raise ValueError(f"STFTSpectrogram: data_format must be 'channels_last' or "
                             f"'channels_first', received {data_format!r}")
        self.input_spec = InputSpec(ndim=3)

    def build(self, input_shape: Any) -> None:
        shape = (self.frame_length, 1, self._fft_length // 2 + 1)
        for side in ("real", "imag"):
            if self.mode != ("imag" if side == "real" else "real"):
                self.add_weight(f"{side}_kernel", shape, initializers.STFT(
                    side, self.window, self.scaling, self.periodic))

    def call(self, inputs: torch.Tensor) -> torch.Tensor:
        real = self._convolve(inputs, self.real_kernel) if self.mode != "imag" else None
        imag = self._convolve(inputs, self.imag_kernel) if self.mode != "real" else None
        if self.mode in ("real", "imag"):
            return self._arrange(real if self.mode == "real" else imag)
        if self.mode == "angle":
            return self._arrange(torch.atan2(imag, real))
        if self.mode == "stft":
            return self._arrange(torch.cat([real, imag], dim=2))
        power = real.square() + imag.square()
        if self.mode == "psd":  # the inner bins count twice: they stand for their mirror too
            return self._arrange(power + F.pad(power[:, :, 1:-1], (0, 0, 1, 1)))
        magnitude = self._arrange(torch.sqrt(torch.clamp(power, min=_EPSILON)))
        if self.mode == "magnitude":
            return magnitude
        return torch.log(torch.clamp(magnitude, min=_EPSILON))

    def _convolve(self, inputs: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
        """Every channel's frames against `kernel` → `(batch, channels, bins, frames)`."""
        signals = inputs.transpose(1, 2) if self.data_format == "channels_last" else inputs
        batch, channels, length = signals.shape
        flat = signals.reshape(batch * channels, 1, length)
        weight = kernel.permute(2, 1, 0).to(flat.dtype)  # (bins, 1, frame_length)
        padding: Any = 0
        if self.padding == "same":
            flat, padding = pad_same(flat, (self.frame_length,), (self._frame_step,))
        out = F.conv1d(flat, weight, stride=self._frame_step, padding=padding)
        return out.reshape(batch, channels, *out.shape[1:])

    def _arrange(self, outputs: torch.Tensor) -> torch.Tensor:
        """`(batch, channels, bins, frames)` in the layer's output layout."""
        batch, channels, bins, frames = outputs.shape
        if self.expand_dims:
            order = (0, 3, 2, 1) if self.data_format == "channels_last" else (0, 1, 3, 2)
            return outputs.permute(*order)
        flat = outputs.reshape(batch, channels * bins, frames)
        return flat.transpose(1, 2) if self.data_format == "channels_last" else flat

    def compute_output_shape(self, input_shape: Any) -> tuple:
        last = self.data_format == "channels_last"
        channels = input_shape[-1] if last else input_shape[1]
        length = input_shape[1] if last else input_shape[-1]
        bins = (self._fft_length // 2 + 1) * (2 if self.mode == "stft" else 1)
        frames = conv_output_length(length, self.frame_length, self._frame_step, self.padding)
        if self.expand_dims:
            return ((input_shape[0], frames, bins, channels) if last
                    else (input_shape[0], channels, frames, bins))
        width = None if channels is None else channels * bins
        return (input_shape[0], frames, width) if last else (input_shape[0], width, frames)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "mode": self.mode, "frame_length": self.frame_length,
                "frame_step": self.frame_step, "fft_length": self.fft_length,
                "window": self.window, "periodic": self.periodic, "scaling": self.scaling,
                "padding": self.padding, "data_format": self.data_format,
                "expand_dims": self.expand_dims}


def _check_arguments(mode: str, frame_length: int, frame_step: int | None,
                     fft_length: int | None, scaling: str | None, padding: str) -> None:
    """Keras's argument errors (and its warning for an FFT size not a power of two)."""
    if frame_step is not None and (frame_step > frame_length or frame_step < 1):
        raise ValueError(f"`frame_step` should be a positive integer not greater than "
                         f"`frame_length`. Received frame_step={frame_step}, "
                         f"frame_length={frame_length}")
    if fft_length is not None and fft_length < frame_length:
        raise ValueError(f"`fft_length` should be not less than `frame_length`. Received "
                         f"fft_length={fft_length}, frame_length={frame_length}")
    if fft_length is not None and (fft_length & -fft_length) != fft_length:
        warnings.warn(f"`fft_length` is recommended to be a power of two. Received "
                      f"fft_length={fft_length}", stacklevel=3)
    if mode not in _MODES:
        raise ValueError(f"Output mode is invalid, it must be one of {', '.join(_MODES)}. "
                         f"Received: mode={mode}")
    if scaling is not None and scaling not in ("density", "spectrum"):
        raise ValueError(f"Scaling is invalid, it must be `None`, 'density' or 'spectrum'. "
                         f"Received scaling={scaling}")
    if padding not in ("valid", "same"):
        raise ValueError(f"Padding is invalid, it should be 'valid', 'same'. Received: "
                         f"padding={padding}")
