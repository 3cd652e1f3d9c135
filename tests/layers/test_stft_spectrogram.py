"""STFTSpectrogram and initializers.STFT against real Keras: the same kernels (windows, scaling,
periodic) and the same spectrograms in every mode, padding, data format and expand_dims; a few
fit steps' History; config keys; errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from deepfit import initializers, layers
from tests.layers.keras_parity import assert_results_match, run_both

# Runs as is on both sides: `keras` is real Keras there and deepfit here.
_PROGRAM = """
L = keras.layers


def cases(inputs):
    found = {}
    for i, (side, window, scaling, periodic) in enumerate([
            ("real", "hann", "density", False), ("imag", "hamming", "spectrum", True),
            ("real", None, None, False), ("imag", "blackman", "density", False)]):
        init = keras.initializers.STFT(side, window, scaling, periodic)
        found[f"kernel_{i}"] = keras.ops.convert_to_numpy(init((16, 1, 9)))
    x, first = inputs["x"], inputs["x_first"]
    settings = [
        ("log", {}), ("magnitude", {"padding": "same"}), ("psd", {"fft_length": 32}),
        ("real", {"expand_dims": True}), ("imag", {"window": "hamming", "periodic": True}),
        ("angle", {"scaling": "spectrum"}), ("stft", {"frame_step": 5, "padding": "same"}),
    ]
    for mode, kwargs in settings:
        layer = L.STFTSpectrogram(mode=mode, frame_length=16, name=mode, **kwargs)
        found[mode] = keras.ops.convert_to_numpy(layer(x))
        found[mode + "_shape_keys"] = np.array(
            [str(tuple(layer.compute_output_shape((None, 64, 2))))])
        found[mode + "_keys"] = np.array(sorted(layer.get_config()))
    first_layer = L.STFTSpectrogram(mode="magnitude", frame_length=16, frame_step=8,
                                    data_format="channels_first", expand_dims=True)
    found["first"] = keras.ops.convert_to_numpy(first_layer(first))
    flat_first = L.STFTSpectrogram(mode="log", frame_length=8, data_format="channels_first")
    found["flat_first"] = keras.ops.convert_to_numpy(flat_first(first))
    return found


def train(inputs):
    x = keras.Input((64, 1))
    h = L.STFTSpectrogram(mode="log", frame_length=16, frame_step=8, name="stft")(x)
    model = keras.Model(x, L.Dense(1)(L.Flatten()(h)))
    return fit_and_collect(model, inputs, inputs["train_x"], 0.01, seeded_weights(model, 3))
"""


def _data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {"x": rng.normal(size=(2, 64, 2)).astype("float32"),
            "x_first": rng.normal(size=(2, 3, 48)).astype("float32"),
            "train_x": rng.normal(size=(16, 64, 1)).astype("float32"),
            "train_y": rng.normal(size=(16, 1)).astype("float32")}


def test_stft_matches_keras():
    ours, expected = run_both(_PROGRAM, _data())
    assert_results_match(ours, expected, rtol=1e-4, atol=1e-4)


def test_magnitude_matches_torch_stft():
    torch.manual_seed(0)
    signal = torch.randn(1, 256, 1)
    layer = layers.STFTSpectrogram(mode="magnitude", frame_length=64, frame_step=16,
                                   scaling=None, periodic=True)
    window = torch.hann_window(64, periodic=True)
    reference = torch.stft(signal[0, :, 0], 64, 16, window=window, center=False,
                           return_complex=True).abs().T
    torch.testing.assert_close(layer(signal)[0], reference, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("kwargs, message", [
    ({"frame_step": 0}, "frame_step"), ({"fft_length": 8}, "fft_length"),
    ({"mode": "power"}, "mode"), ({"scaling": "l2"}, "Scaling"), ({"padding": "causal"},
                                                                  "Padding"),
    ({"window": "nonsense"}, "window"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        layers.STFTSpectrogram(frame_length=16, **kwargs)


def test_input_rank_is_checked_and_initializer_config_round_trips():
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=2"):
        layers.STFTSpectrogram(frame_length=16)(torch.zeros(2, 64))
    init = initializers.STFT("imag", "hamming", "spectrum", True)
    again = initializers.get(initializers.serialize(init))
    torch.testing.assert_close(again((8, 1, 5)), init((8, 1, 5)))
    with pytest.raises(ValueError, match="side"):
        initializers.STFT("both")
