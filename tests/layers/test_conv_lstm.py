"""ConvLSTM1D/2D/3D against real Keras: the same weights give the same outputs and states
(padding, strides, dilation, channels_first, go_backwards, masks, initial states, no bias, other
activations), the same initial bias, config, training; run_layer_test contracts; errors; a saved
model loads in Keras."""

from __future__ import annotations

import numpy as np
import pytest

import deepfit
from deepfit import layers
from tests.layer_test_utils import run_layer_test
from tests.layers.keras_parity import assert_keras_loads_same, assert_results_match, run_both

# Runs as is on both sides: `keras` is real Keras there and deepfit here.
_PROGRAM = """
def run(found, key, cls, x, seed, call=None, **kwargs):
    layer = cls(**kwargs)
    layer.build(x.shape)
    layer.set_weights(seeded_weights(layer, seed))
    result = layer(x, **(call or {}))
    parts = result if isinstance(result, (list, tuple)) else [result]
    for i, part in enumerate(parts):
        found[f"{key}_{i}"] = keras.ops.convert_to_numpy(part)
    found[key + "_keys"] = np.array(sorted(layer.get_config()))


def cases(inputs):
    found = {}
    video, frames = inputs["video"], inputs["frames"]
    run(found, "same", keras.layers.ConvLSTM2D, video, 1, filters=3, kernel_size=3,
        padding="same", return_sequences=True)
    run(found, "strided", keras.layers.ConvLSTM2D, video, 2, filters=2, kernel_size=(3, 2),
        strides=2, return_state=True)
    run(found, "first", keras.layers.ConvLSTM2D, inputs["video_first"], 3, filters=2,
        kernel_size=2, data_format="channels_first", return_sequences=True, return_state=True)
    run(found, "dilated", keras.layers.ConvLSTM2D, video, 4, filters=2, kernel_size=2,
        dilation_rate=2, padding="same", go_backwards=True, use_bias=False,
        recurrent_activation="hard_sigmoid", activation="relu")
    run(found, "masked", keras.layers.ConvLSTM2D, video, 5, filters=2, kernel_size=3,
        return_sequences=True, call={"mask": inputs["mask"]})
    state = [inputs["h0"], inputs["c0"]]
    run(found, "initial", keras.layers.ConvLSTM2D, video, 6, filters=2, kernel_size=3,
        padding="same", call={"initial_state": state})
    run(found, "one_d", keras.layers.ConvLSTM1D, frames, 7, filters=3, kernel_size=3,
        padding="same", return_sequences=True)
    run(found, "three_d", keras.layers.ConvLSTM3D, inputs["volumes"], 8, filters=2,
        kernel_size=2, return_state=True)
    fresh = keras.layers.ConvLSTM2D(filters=3, kernel_size=2)
    fresh.build(video.shape)
    found["initial_bias"] = keras.ops.convert_to_numpy(fresh.weights[2])
    return found


def train(inputs):
    x = keras.Input((4, 5, 5, 2))
    h = keras.layers.ConvLSTM2D(3, 3, padding="same")(x)
    model = keras.Model(x, keras.layers.Dense(1)(keras.layers.Flatten()(h)))
    return fit_and_collect(model, inputs, inputs["train_x"], 0.05, seeded_weights(model, 9))
"""


def _data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(13)
    video = rng.normal(size=(2, 4, 6, 5, 2)).astype("float32")
    return {"video": video,
            "video_first": np.ascontiguousarray(video.transpose(0, 1, 4, 2, 3)),
            "frames": rng.normal(size=(2, 5, 7, 3)).astype("float32"),
            "volumes": rng.normal(size=(1, 3, 3, 4, 3, 2)).astype("float32"),
            "mask": np.array([[1, 1, 0, 1], [1, 0, 0, 0]], bool),
            "h0": rng.normal(size=(2, 6, 5, 2)).astype("float32"),
            "c0": rng.normal(size=(2, 6, 5, 2)).astype("float32"),
            "train_x": rng.normal(size=(16, 4, 5, 5, 2)).astype("float32"),
            "train_y": rng.normal(size=(16, 1)).astype("float32")}


def test_outputs_states_and_training_match_keras():
    ours, expected = run_both(_PROGRAM, _data())
    assert_results_match(ours, expected, rtol=1e-5, atol=1e-5)
    assert expected["strided_0"].shape == (2, 2, 2, 2)
    assert len([key for key in expected if key.startswith("first_")]) == 4  # output, h, c, keys


@pytest.mark.parametrize("cls, kwargs, shape, out_shape, params", [
    (layers.ConvLSTM1D, {"filters": 2, "kernel_size": 3}, (2, 3, 6, 2), (2, 4, 2),
     4 * 2 * (3 * 2 + 3 * 2 + 1)),
    (layers.ConvLSTM2D, {"filters": 2, "kernel_size": 2, "padding": "same",
                         "return_sequences": True}, (2, 3, 4, 4, 1), (2, 3, 4, 4, 2),
     4 * 2 * (4 * 1 + 4 * 2 + 1)),
    (layers.ConvLSTM3D, {"filters": 1, "kernel_size": 2, "use_bias": False},
     (1, 2, 3, 3, 3, 1), (1, 2, 2, 2, 1), 4 * (8 + 8)),
])
def test_layer_contract(cls, kwargs, shape, out_shape, params):
    run_layer_test(cls, kwargs, shape, out_shape, expected_params=params)


def test_dropout_and_errors():
    layer = layers.ConvLSTM2D(2, 3, dropout=0.5, recurrent_dropout=0.5, padding="same")
    x = np.random.default_rng(0).normal(size=(2, 3, 4, 4, 1)).astype("float32")
    inference = deepfit.ops.convert_to_numpy(layer(x))
    np.testing.assert_allclose(deepfit.ops.convert_to_numpy(layer(x, training=False)), inference)
    assert not np.allclose(deepfit.ops.convert_to_numpy(layer(x, training=True)), inference)
    with pytest.raises(ValueError, match="`strides > 1` is not compatible with `dilation_rate"):
        layers.ConvLSTM2D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="padding"):
        layers.ConvLSTM2D(2, 3, padding="full")
    with pytest.raises(ValueError, match="filters must be a positive int"):
        layers.ConvLSTM2D(0, 3)
    with pytest.raises(ValueError, match="expected ndim=5 with 1 channels"):
        layer(np.zeros((2, 3, 4, 4, 2), "float32"))
    # Keras: "Input 0 of layer "conv_lstm2d" is incompatible with the layer: expected ndim=5,
    # found ndim=4. Full shape received: (2, 4, 5, 1)"
    fresh = layers.ConvLSTM2D(2, 3, name="conv_lstm2d_rank")
    with pytest.raises(ValueError, match=r"layer 'conv_lstm2d_rank' is incompatible with the "
                                         r"layer: expected ndim=5, found ndim=4\. Full shape "
                                         r"received: \((2|None), 4, 5, 1\)"):
        fresh(np.zeros((2, 4, 5, 1), "float32"))


def test_saved_model_loads_in_keras(tmp_path):
    inp = deepfit.Input((3, 5, 5, 2))
    hidden = layers.ConvLSTM2D(2, 3, padding="same", return_sequences=True)(inp)
    model = deepfit.Model(inp, layers.Dense(1)(layers.Flatten()(hidden)))
    x = np.random.default_rng(2).normal(size=(2, 3, 5, 5, 2)).astype("float32")
    assert_keras_loads_same(model, x, tmp_path / "conv_lstm.keras")
