"""MultiHeadAttention and EinsumDense against real Keras: the same weights give the same
outputs, attention scores (masks from the inputs, attention_mask, causal) and training."""

from __future__ import annotations

import numpy as np
import pytest

import deepfit
from deepfit import layers
from tests.layers.keras_parity import assert_keras_loads_same
from tests.trainer.keras_process import run_keras

# Runs as is on both sides: `keras` is real Keras there and deepfit here.
_PROGRAM = """
def cases(inputs):
    found = {}
    q, v, tokens = inputs["q"], inputs["v"], inputs["tokens"]
    mha = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=4)
    mha.build(q.shape, v.shape)
    mha.set_weights(inputs_weights(inputs, "cross"))
    out, scores = mha(q, v, attention_mask=inputs["mask"], return_attention_scores=True)
    found["cross"], found["cross_scores"] = out, scores
    self_mha = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3, output_shape=5)
    self_mha.build(q.shape, q.shape)
    self_mha.set_weights(inputs_weights(inputs, "self"))
    found["causal"] = self_mha(q, q, use_causal_mask=True)
    embedding = keras.layers.Embedding(7, 6, mask_zero=True)
    embedding.build(tokens.shape)
    embedding.set_weights([inputs["embeddings"]])
    embedded = embedding(tokens)
    found["masked"] = self_mha(embedded, embedded)
    image = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3)
    image.build(inputs["image"].shape, inputs["image"].shape)
    image.set_weights(inputs_weights(inputs, "image"))
    found["image"], found["image_scores"] = image(inputs["image"], inputs["image"],
                                                  return_attention_scores=True)
    dense = keras.layers.EinsumDense("abc,cd->abd", output_shape=(None, 3), bias_axes="d",
                                     activation="relu")
    dense.build(q.shape)
    dense.set_weights([inputs["einsum_kernel"], inputs["einsum_bias"]])
    found["einsum"] = dense(q)
    return {key: keras.ops.convert_to_numpy(value) for key, value in found.items()}


def inputs_weights(inputs, prefix):
    return [inputs[f"{prefix}_{i}"] for i in range(8)]


def train(inputs):
    keras.utils.set_random_seed(0)
    x = keras.Input((5, 6))
    h = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3)(x, x)
    h = keras.layers.GlobalAveragePooling1D()(keras.layers.Add()([x, h]))
    model = keras.Model(x, keras.layers.Dense(1)(h))
    model.set_weights([inputs[f"train_{i}"] for i in range(10)])
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    history = model.fit(inputs["train_x"], inputs["train_y"], batch_size=8, epochs=3,
                        shuffle=False, verbose=0).history
    return {"train_loss": np.asarray(history["loss"])}
"""


def _weights(rng, prefix, shapes):
    return {f"{prefix}_{i}": rng.normal(size=shape).astype("float32") * 0.5
            for i, shape in enumerate(shapes)}


def _data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    data = {"q": rng.normal(size=(2, 5, 6)).astype("float32"),
            "v": rng.normal(size=(2, 4, 7)).astype("float32"),
            "mask": rng.random((2, 5, 4)) > 0.3,
            "tokens": np.array([[1, 2, 3, 0, 0], [4, 5, 6, 1, 0]]),
            "embeddings": rng.normal(size=(7, 6)).astype("float32"),
            "image": rng.normal(size=(2, 3, 2, 4)).astype("float32"),
            "einsum_kernel": rng.normal(size=(6, 3)).astype("float32"),
            "einsum_bias": rng.normal(size=(3,)).astype("float32"),
            "train_x": rng.normal(size=(24, 5, 6)).astype("float32"),
            "train_y": rng.normal(size=(24, 1)).astype("float32")}
    data.update(_weights(rng, "cross", [(6, 2, 3), (2, 3), (7, 2, 3), (2, 3), (7, 2, 4), (2, 4),
                                        (2, 4, 6), (6,)]))
    data.update(_weights(rng, "self", [(6, 2, 3), (2, 3)] * 3 + [(2, 3, 5), (5,)]))
    data.update(_weights(rng, "image", [(4, 2, 3), (2, 3)] * 3 + [(2, 3, 4), (4,)]))
    data.update(_weights(rng, "train", [(6, 2, 3), (2, 3)] * 3 + [(2, 3, 6), (6,), (6, 1), (1,)]))
    return data


def _ours(data):
    scope = {"keras": deepfit, "np": np}
    exec(_PROGRAM, scope)  # noqa: S102 - the shared program text above
    return scope


def test_outputs_and_scores_match_keras():
    data = _data()
    expected = run_keras(_PROGRAM + "result.update(cases(inputs))\nresult.update(train(inputs))\n",
                         **data)
    scope = _ours(data)
    ours = {**scope["cases"](data), **scope["train"](data)}
    assert sorted(ours) == sorted(expected)
    for key, value in expected.items():
        np.testing.assert_allclose(ours[key], value, rtol=1e-4, atol=1e-5, err_msg=key)


def test_weights_names_and_shapes_follow_keras():
    mha = layers.MultiHeadAttention(num_heads=4, key_dim=8)
    mha(np.zeros((1, 3, 16), "float32"), np.zeros((1, 2, 16), "float32"))
    assert [tuple(w.shape) for w in mha.weights] == [(16, 4, 8), (4, 8)] * 3 + [(4, 8, 16), (16,)]
    assert mha.count_params() == 3 * (16 * 4 * 8 + 4 * 8) + 4 * 8 * 16 + 16
    config = mha.get_config()
    assert (config["num_heads"], config["key_dim"], config["value_dim"]) == (4, 8, 8)
    clone = layers.MultiHeadAttention.from_config(config)
    assert clone.key_dim == 8


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="num_heads"):
        layers.MultiHeadAttention(num_heads=0, key_dim=2)
    with pytest.raises(ValueError, match=r"attention_axes must name.*\[1, 2\].*\(3,\)"):
        layers.MultiHeadAttention(2, 2, attention_axes=(3,))(np.zeros((1, 3, 3, 4), "float32"),
                                                            np.zeros((1, 3, 3, 4), "float32"))
    with pytest.raises(ValueError, match="`attention_axes` must be an int, list, or tuple"):
        layers.MultiHeadAttention(2, 2, attention_axes="2")
    with pytest.raises(ValueError, match="`sliding_window` must be `None` or a positive"):
        layers.MultiHeadAttention(2, 2, sliding_window=0)
    with pytest.raises(ValueError, match="except the last one"):
        layers.MultiHeadAttention(2, 2)(np.zeros((1, 3, 4), "float32"),
                                        np.zeros((1, 3, 4), "float32"),
                                        np.zeros((1, 2, 4), "float32"))


def test_saved_model_loads_in_keras(tmp_path):
    inp = deepfit.Input((6, 4))
    hidden = layers.MultiHeadAttention(2, 3)(inp, inp)
    model = deepfit.Model(inp, layers.Dense(1)(layers.GlobalAveragePooling1D()(hidden)))
    x = np.random.default_rng(0).normal(size=(3, 6, 4)).astype("float32")
    assert_keras_loads_same(model, x, tmp_path / "attention.keras")

