"""MultiHeadAttention's `attention_axes`, `use_gate` and `sliding_window` against real Keras: the
same weights give the same outputs and attention scores (Keras's scores layout), with attention
masks, causal masks and input masks; the resolved axes in the config; training."""

from __future__ import annotations

import numpy as np
import pytest

import deepfit
from deepfit import layers
from tests.layers.keras_parity import assert_results_match, run_both

# Runs as is on both sides: `keras` is real Keras there and deepfit here.
_PROGRAM = """
def attend(found, key, inputs_list, seed, call=None, **kwargs):
    # a function gives fresh inputs per call: Keras's call removes the inputs' masks
    make = inputs_list if callable(inputs_list) else lambda: inputs_list
    layer = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3, **kwargs)
    layer.build(*[x.shape for x in make()])
    layer.set_weights(seeded_weights(layer, seed))
    out, scores = layer(*make(), return_attention_scores=True, **(call or {}))
    found[key], found[key + "_scores"] = out, scores
    found[key + "_fused"] = layer(*make(), **(call or {}))
    config = layer.get_config()
    found[key + "_axes"] = np.array(config["attention_axes"])
    found[key + "_keys"] = np.array(sorted(config))
    return layer


def cases(inputs):
    found = {}
    image, other, volume, volume_value = (inputs["image"], inputs["other"], inputs["volume"],
                                          inputs["volume_value"])
    attend(found, "rows", [image, image], 1, attention_axes=(2,))
    attend(found, "columns", [image, other], 2, attention_axes=1,
           call={"attention_mask": inputs["columns_mask"]})
    attend(found, "negative", [image, image], 3, attention_axes=(-2,))
    attend(found, "reversed", [image, image], 4, attention_axes=(2, 1))
    attend(found, "both", [image, other], 5, attention_axes=[1, 2])
    attend(found, "volume", [volume, volume_value], 6, attention_axes=(2, 3))
    attend(found, "rows_causal", [image, image], 7, attention_axes=(1,),
           call={"use_causal_mask": True})
    q, v = inputs["q"], inputs["v"]
    attend(found, "gate", [q, v], 8, use_gate=True, call={"attention_mask": inputs["mask"]})
    attend(found, "window", [q, q], 9, sliding_window=2)
    attend(found, "window_causal", [q, q], 10, sliding_window=2, use_gate=True,
           call={"use_causal_mask": True})
    embedding = keras.layers.Embedding(7, 6, mask_zero=True)
    embedding.build((None, None))
    embedding.set_weights([inputs["embeddings"]])
    attend(found, "masked_gate", lambda: [embedding(inputs["tokens"])] * 2, 11, use_gate=True,
           output_shape=4)
    return {key: keras.ops.convert_to_numpy(value) for key, value in found.items()}


def train(inputs):
    keras.utils.set_random_seed(0)
    x = keras.Input((3, 4, 5))
    h = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3, attention_axes=(2,),
                                        use_gate=True)(x, x)
    model = keras.Model(x, keras.layers.Dense(1)(keras.layers.Flatten()(h)))
    return fit_and_collect(model, inputs, inputs["train_x"], 0.02, seeded_weights(model, 12))
"""


def _data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(21)
    return {"image": rng.normal(size=(2, 3, 4, 5)).astype("float32"),
            "other": rng.normal(size=(2, 3, 4, 6)).astype("float32"),
            "columns_mask": rng.random((2, 3, 3)) > 0.3,
            "volume": rng.normal(size=(2, 2, 3, 4, 5)).astype("float32"),
            "volume_value": rng.normal(size=(2, 2, 2, 3, 5)).astype("float32"),
            "q": rng.normal(size=(2, 5, 6)).astype("float32"),
            "v": rng.normal(size=(2, 4, 6)).astype("float32"),
            "mask": rng.random((2, 5, 4)) > 0.3,
            "tokens": np.array([[1, 2, 3, 0, 0], [4, 5, 6, 1, 0]]),
            "embeddings": rng.normal(size=(7, 6)).astype("float32"),
            "train_x": rng.normal(size=(16, 3, 4, 5)).astype("float32"),
            "train_y": rng.normal(size=(16, 1)).astype("float32")}


def test_axes_gate_and_window_match_keras():
    ours, expected = run_both(_PROGRAM, _data())
    assert_results_match(ours, expected, rtol=1e-5, atol=1e-5)
    assert expected["rows_scores"].shape == (2, 3, 2, 4, 4)  # (B, other axes, heads, T, S)
    assert expected["volume_scores"].shape == (2, 2, 2, 3, 4, 2, 3)


def test_axes_gate_window_config_round_trip_and_errors():
    inp = deepfit.Input((3, 4, 5))
    attention = layers.MultiHeadAttention(2, 3, attention_axes=(1,), use_gate=True,
                                          sliding_window=2)
    model = deepfit.Model(inp, attention(inp, inp))
    assert attention.get_config()["attention_axes"] == (1,)
    assert [w.shape[-1] for w in attention.weights][:6] == [3, 3, 3, 3, 3, 3]
    clone = deepfit.Model.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    x = np.random.default_rng(0).normal(size=(2, 3, 4, 5)).astype("float32")
    np.testing.assert_allclose(clone.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)
    rows = layers.MultiHeadAttention(2, 3, attention_axes=(2,), sliding_window=2)
    with pytest.raises(ValueError, match="needs axis 1 among the attention_axes"):
        rows(x, x)
