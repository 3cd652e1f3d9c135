"""`MelSpectrogram`: audio signals `(batch, samples)` to mel-scale spectrograms
`(batch, num_mel_bins, frames)`: a centred short-time Fourier transform (torch's, reflect padding,
a periodic window), its magnitude to the power `mag_exp`, HTK mel filter banks, and optionally
decibels clipped `top_db` below the batch's peak (Keras's layer).

Example:
    >>> layer = deepfit.layers.MelSpectrogram(num_mel_bins=80, sampling_rate=8000,
    ...                                       sequence_stride=256, fft_length=2048)
    >>> layer(torch.rand(2, 16000)).shape
    torch.Size([2, 80, 63])
"""

from __future__ import annotations

from typing import Any

import torch

from deepfit.layers.layer import Layer

_MEL_BREAK_FREQUENCY_HERTZ = 700.0
_MEL_HIGH_FREQUENCY_Q = 1127.0


def hertz_to_mel(frequencies: torch.Tensor) -> torch.Tensor:
    """HTK's mel scale: `1127 * ln(1 + f / 700)`."""
    return _MEL_HIGH_FREQUENCY_Q * torch.log(1.0 + frequencies / _MEL_BREAK_FREQUENCY_HERTZ)


def linear_to_mel_weight_matrix(num_mel_bins: int, num_spectrogram_bins: int,
                                sampling_rate: float, lower_edge_hertz: float,
                                upper_edge_hertz: float,
                                dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """`(num_spectrogram_bins, num_mel_bins)` triangular filters (peak 1) that map linear
    frequency bins over `[0, sampling_rate / 2]` to mel bands over the given edges; the DC bin
    maps to nothing.

    Example:
        >>> linear_to_mel_weight_matrix(20, 129, 8000, 125.0, 3800.0).shape
        torch.Size([129, 20])
    """
    nyquist = torch.tensor(sampling_rate, dtype=dtype) / 2.0
    linear = torch.linspace(0.0, float(nyquist), num_spectrogram_bins, dtype=dtype)[1:]
    bins_mel = hertz_to_mel(linear).unsqueeze(1)
    edges = torch.linspace(float(hertz_to_mel(torch.tensor(lower_edge_hertz, dtype=dtype))),
                           float(hertz_to_mel(torch.tensor(upper_edge_hertz, dtype=dtype))),
                           num_mel_bins + 2, dtype=dtype)
    lower, center, upper = (edges[i:i + num_mel_bins].reshape(1, num_mel_bins)
                            for i in range(3))
    lower_slopes = (bins_mel - lower) / (center - lower)
    upper_slopes = (upper - bins_mel) / (upper - center)
    weights = torch.clamp(torch.minimum(lower_slopes, upper_slopes), min=0.0)
    return torch.nn.functional.pad(weights, (0, 0, 1, 0))


class MelSpectrogram(Layer):
    """Mel spectrograms of raw audio.

    Args:
        fft_length: the FFT size (frequency bins `fft_length // 2 + 1`).
        sequence_stride: the hop between frames in samples.
        sequence_length: the window length (default `fft_length`).
        window: 'hann', 'hamming' (periodic) or None.
        sampling_rate: the signal's samples per second.
        num_mel_bins: the number of mel bands.
        min_freq, max_freq: the lowest and highest band edges in hertz (default max: half the
            sampling rate).
        power_to_db: convert to decibels `10 log10(max(x, min_power) / ref_power)`, clipped at
            `top_db` below the batch's maximum.
        top_db, min_power, ref_power: see `power_to_db`.
        mag_exp: the exponent of the magnitude (2: power).

    Call arguments:
        inputs: `(samples,)` or `(batch, samples)`.
    """

    autocast_inputs = True

    def __init__(self, fft_length: int = 2048, sequence_stride: int = 512,
                 sequence_length: int | None = None, window: str | None = "hann",
                 sampling_rate: int = 16000, num_mel_bins: int = 128, min_freq: float = 20.0,
                 max_freq: float | None = None, power_to_db: bool = True, top_db: float = 80.0,
                 mag_exp: float = 2.0, min_power: float = 1e-10, ref_power: float = 1.0,
                 **kwargs: Any) -> None:
        self.fft_length = fft_length
        self.sequence_stride = sequence_stride
        self.sequence_length = sequence_length or fft_length
        if self.fft_length < self.sequence_length:
            raise ValueError(f"`fft_length` must be greater than or equal to  `sequence_length`."
                             f" Received: `sequence_length`={self.sequence_length}, "
                             f"`fft_length`={self.fft_length}.")
        if window is not None and window not in ("hann", "hamming"):
            raise ValueError(f'If a string is passed to `window`, it must be one of `"hann"`, '
                             f'`"hamming"`. Received: window={window}')
        self.window, self.sampling_rate, self.num_mel_bins = window, sampling_rate, num_mel_bins
        self.min_freq = min_freq
        self.max_freq = max_freq or int(sampling_rate / 2)
        self.power_to_db, self.top_db, self.mag_exp = power_to_db, top_db, mag_exp
        self.min_power, self.ref_power = min_power, ref_power
        super().__init__(**kwargs)

    def call(self, inputs: torch.Tensor) -> torch.Tensor:
        x = inputs if inputs.dtype in (torch.float32, torch.float64) else inputs.float()
        spectrum = self._spectrogram(x)  # (..., frames, bins)
        matrix = linear_to_mel_weight_matrix(
            self.num_mel_bins, spectrum.shape[-1], self.sampling_rate, self.min_freq,
            self.max_freq, dtype=spectrum.dtype).to(spectrum.device)
        outputs = spectrum @ matrix
        if self.power_to_db:
            outputs = self._decibels(outputs)
        return outputs.transpose(-1, -2).to(torch.float32)

    def _spectrogram(self, x: torch.Tensor) -> torch.Tensor:
        window_fn = {"hann": torch.hann_window, "hamming": torch.hamming_window}.get(
            self.window, None)
        length = self.sequence_length
        window = (window_fn(length, periodic=True, dtype=x.dtype, device=x.device)
                  if window_fn is not None else torch.ones(length, dtype=x.dtype,
                                                           device=x.device))
        batch_shape, samples = x.shape[:-1], x.shape[-1]
        flat = x.reshape(-1, samples)
        stft = torch.stft(flat, n_fft=self.fft_length, hop_length=self.sequence_stride,
                          win_length=length, window=window, center=True, return_complex=True)
        stft = stft.reshape(*batch_shape, *stft.shape[-2:]).transpose(-2, -1)
        magnitude = torch.sqrt(stft.real.square() + stft.imag.square())
        return torch.pow(magnitude, self.mag_exp)

    def linear_to_mel_weight_matrix(self, num_mel_bins: int = 20,
                                    num_spectrogram_bins: int = 129, sampling_rate: float = 8000,
                                    lower_edge_hertz: float = 125.0,
                                    upper_edge_hertz: float = 3800.0,
                                    dtype: Any = "float32") -> torch.Tensor:
        """Keras's method: the module's `linear_to_mel_weight_matrix`."""
        dtype = getattr(torch, dtype) if isinstance(dtype, str) else dtype
        return linear_to_mel_weight_matrix(num_mel_bins, num_spectrogram_bins, sampling_rate,
                                           lower_edge_hertz, upper_edge_hertz, dtype)

    def _decibels(self, power: torch.Tensor) -> torch.Tensor:
        log_spec = 10.0 * torch.log10(torch.clamp(power, min=self.min_power))
        reference = torch.tensor(abs(self.ref_power), dtype=power.dtype)
        log_spec = log_spec - 10.0 * torch.log10(torch.clamp(reference, min=self.min_power))
        return torch.maximum(log_spec, log_spec.max() - self.top_db)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        samples = input_shape[-1]
        frames = None if samples is None else (samples + self.sequence_stride + 1) // (
            self.sequence_stride)
        if len(input_shape) == 1:
            return (self.num_mel_bins, frames)
        return (input_shape[0], self.num_mel_bins, frames)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "fft_length": self.fft_length,
                "sequence_stride": self.sequence_stride,
                "sequence_length": self.sequence_length, "window": self.window,
                "sampling_rate": self.sampling_rate, "num_mel_bins": self.num_mel_bins,
                "min_freq": self.min_freq, "max_freq": self.max_freq,
                "power_to_db": self.power_to_db, "top_db": self.top_db,
                "mag_exp": self.mag_exp, "min_power": self.min_power,
                "ref_power": self.ref_power}
