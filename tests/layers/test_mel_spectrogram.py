"""MelSpectrogram against real Keras: the same mel spectrograms (decibels or not, windows,
strides, frequency ranges, unbatched input), the same filter bank, output shapes, config keys;
errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from deepfit import layers
from deepfit.layers.mel_spectrogram import linear_to_mel_weight_matrix
from tests.layers.keras_parity import assert_results_match, run_both

# Runs as is on both sides: `keras` is real Keras there and deepfit here.
_PROGRAM = """
L = keras.layers


def cases(inputs):
    found = {}
    audio = inputs["audio"]
    settings = {
        "default": {},
        "linear": {"power_to_db": False, "mag_exp": 1.0, "window": "hamming"},
        "short": {"fft_length": 256, "sequence_length": 200, "sequence_stride": 64,
                  "num_mel_bins": 20, "min_freq": 100.0, "max_freq": 3000.0, "top_db": 40.0},
        "none": {"window": None, "fft_length": 512, "sequence_stride": 128, "ref_power": 2.0},
    }
    for key, kwargs in settings.items():
        layer = L.MelSpectrogram(sampling_rate=8000, **kwargs)
        found[key] = keras.ops.convert_to_numpy(layer(audio))
        found[key + "_shape_keys"] = np.array([str(tuple(layer.compute_output_shape(
            audio.shape)))])
        found[key + "_keys"] = np.array(sorted(layer.get_config()))
    single = L.MelSpectrogram(fft_length=256, sequence_stride=128, num_mel_bins=16,
                              power_to_db=False)
    found["single"] = keras.ops.convert_to_numpy(single(audio[0]))
    found["matrix"] = keras.ops.convert_to_numpy(single.linear_to_mel_weight_matrix(
        20, 129, 8000, 125.0, 3800.0))
    return found
"""


def _data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    t = np.arange(4000) / 8000.0
    tone = np.sin(2 * np.pi * 440.0 * t) + 0.1 * rng.normal(size=(2, 4000))
    return {"audio": tone.astype("float32")}


def test_mel_spectrogram_matches_keras():
    ours, expected = run_both(_PROGRAM, _data(), ("cases",))
    decibels = ("default", "short", "none")
    assert_results_match({k: v for k, v in ours.items() if k not in decibels},
                         {k: v for k, v in expected.items() if k not in decibels},
                         rtol=1e-4, atol=1e-5)
    for key in decibels:  # decibels: compared on their own scale
        np.testing.assert_allclose(ours[key], expected[key], rtol=0, atol=2e-3, err_msg=key)


@pytest.mark.parametrize("kwargs, message", [
    ({"fft_length": 256, "sequence_length": 512}, "fft_length"),
    ({"window": "blackman"}, "window"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        layers.MelSpectrogram(**kwargs)


def test_filter_bank_peaks_at_one_and_ignores_dc():
    matrix = linear_to_mel_weight_matrix(10, 65, 8000, 100.0, 3900.0)
    assert matrix.shape == (65, 10)
    assert float(matrix[0].abs().sum()) == 0.0
    assert torch.all(matrix.max(dim=0).values > 0.5)
