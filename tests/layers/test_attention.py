"""Attention and AdditiveAttention against real Keras: the same weights give the same outputs and
attention scores — dot and concat scores, with and without scale, a separate key, explicit masks,
masks from Embedding(mask_zero=True), the causal mask, a fully masked row — the same output mask,
training, config and errors; a saved model loads in Keras."""

from __future__ import annotations

import numpy as np
import pytest

import deepfit
from deepfit import layers
from tests.layer_test_utils import run_layer_test
from tests.layers.keras_parity import assert_keras_loads_same, assert_results_match, run_both

# Runs as is on both sides: `keras` is real Keras there and deepfit here.
_PROGRAM = """
def numpy(value):
    return keras.ops.convert_to_numpy(value)


def cases(inputs):
    found = {}
    q, v, k = inputs["q"], inputs["v"], inputs["k"]
    masks = [inputs["q_mask"], inputs["v_mask"]]
    layers = {
        "dot": keras.layers.Attention(),
        "scaled": keras.layers.Attention(use_scale=True),
        "concat": keras.layers.Attention(score_mode="concat"),
        "concat_scaled": keras.layers.Attention(use_scale=True, score_mode="concat"),
        "additive": keras.layers.AdditiveAttention(),
        "additive_plain": keras.layers.AdditiveAttention(use_scale=False),
    }
    for key, layer in layers.items():
        layer.build([q.shape, v.shape, k.shape])
        layer.set_weights([inputs[f"{key}_{i}"] for i in range(len(layer.weights))])
        found[key], found[key + "_scores"] = layer([q, v, k], return_attention_scores=True)
        found[key + "_masked"], found[key + "_masked_scores"] = layer(
            [q, v, k], mask=masks, return_attention_scores=True)
        found[key + "_causal"], found[key + "_causal_scores"] = layer(
            [q, v], mask=masks, use_causal_mask=True, return_attention_scores=True)
        found[key + "_self_causal"] = layer([q, q], use_causal_mask=True)
        found[key + "_keys"] = np.array(sorted(layer.get_config()))
    dot = layers["scaled"]
    found["no_value_allowed"], found["no_value_allowed_scores"] = dot(
        [q, v], mask=[None, np.zeros(v.shape[:2], bool)], return_attention_scores=True)
    embedding = keras.layers.Embedding(7, 3, mask_zero=True)
    embedding.build((None, None))
    embedding.set_weights([inputs["embeddings"]])
    query_tokens, value_tokens = embedding(inputs["q_tokens"]), embedding(inputs["v_tokens"])
    attended = dot([query_tokens, value_tokens])
    found["embedded"] = attended
    found["embedded_mask"] = attended._keras_mask
    found["embedded_additive"] = layers["additive"]([query_tokens, value_tokens])
    return {key: numpy(value) for key, value in found.items()}


def train(inputs):
    keras.utils.set_random_seed(0)
    query, value = keras.Input((4, 3)), keras.Input((5, 3))
    h = keras.layers.Attention(use_scale=True, score_mode="concat")([query, value])
    h2 = keras.layers.AdditiveAttention()([query, value], use_causal_mask=True)
    h = keras.layers.Concatenate()([h, h2])
    model = keras.Model([query, value], keras.layers.Dense(1)(keras.layers.Flatten()(h)))
    return fit_and_collect(model, inputs, [inputs["train_q"], inputs["train_v"]], 0.05)
"""


def _data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(11)
    data = {"q": rng.normal(size=(2, 4, 3)).astype("float32"),
            "v": rng.normal(size=(2, 5, 3)).astype("float32"),
            "k": rng.normal(size=(2, 5, 3)).astype("float32"),
            "q_mask": np.array([[1, 1, 0, 1], [1, 0, 0, 0]], bool),
            "v_mask": np.array([[1, 1, 1, 0, 0], [0, 1, 0, 1, 1]], bool),
            "q_tokens": np.array([[1, 2, 0, 0], [3, 4, 5, 0]]),
            "v_tokens": np.array([[6, 1, 2, 0, 0], [2, 3, 0, 0, 0]]),
            "embeddings": rng.normal(size=(7, 3)).astype("float32"),
            "train_q": rng.normal(size=(24, 4, 3)).astype("float32"),
            "train_v": rng.normal(size=(24, 5, 3)).astype("float32"),
            "train_y": rng.normal(size=(24, 1)).astype("float32")}
    weights = {"scaled": [()], "concat": [()], "concat_scaled": [(), ()], "additive": [(3,)]}
    for key, shapes in weights.items():
        for i, shape in enumerate(shapes):
            data[f"{key}_{i}"] = rng.uniform(0.5, 1.5, size=shape).astype("float32")
    for i, shape in enumerate([(), (), (3,), (24, 1), (1,)]):
        data[f"train_{i}"] = rng.uniform(0.2, 1.0, size=shape).astype("float32")
    return data


def test_outputs_scores_masks_and_training_match_keras():
    assert_results_match(*run_both(_PROGRAM, _data()))


@pytest.mark.parametrize("cls, kwargs, params", [
    (layers.Attention, {}, 0),
    (layers.Attention, {"use_scale": True, "score_mode": "concat"}, 2),
    (layers.AdditiveAttention, {}, 4),
])
def test_layer_contract(cls, kwargs, params):
    run_layer_test(cls, kwargs, [(2, 3, 4), (2, 5, 4)], (2, 3, 4), expected_params=params)
    run_layer_test(cls, kwargs, [(2, 3, 4), (2, 5, 6), (2, 5, 4)], (2, 3, 6),
                   expected_params=params)


def test_symbolic_scores_and_dropout():
    query, value = deepfit.Input((4, 3)), deepfit.Input((6, 3))
    out, scores = layers.Attention()([query, value], return_attention_scores=True)
    assert (tuple(out.shape), tuple(scores.shape)) == ((None, 4, 3), (None, 4, 6))
    layer = layers.Attention(dropout=0.5)
    x = [np.ones((2, 4, 3), "float32"), np.ones((2, 6, 3), "float32")]
    inference = deepfit.ops.convert_to_numpy(layer(x, return_attention_scores=True)[1])
    np.testing.assert_allclose(inference, 1 / 6, rtol=1e-6)
    deepfit.utils.set_random_seed(0)
    dropped = deepfit.ops.convert_to_numpy(layer(x, training=True,
                                                 return_attention_scores=True)[1])
    np.testing.assert_allclose(np.unique(dropped.round(6)), [0.0, 2 / 6], rtol=1e-5)


def test_bad_calls_follow_keras_messages():
    with pytest.raises(ValueError, match="score_mode.*Received: score_mode='cosine'"):
        layers.Attention(score_mode="cosine")
    with pytest.raises(ValueError, match="rate"):
        layers.AdditiveAttention(dropout=2.0)
    x = np.zeros((1, 2, 3), "float32")
    with pytest.raises(ValueError, match="must be called on a list of inputs"):
        layers.Attention()(x)
    with pytest.raises(ValueError, match="inputs list of length 2 or 3.*Received length: 4"):
        layers.Attention()([x, x, x, x])
    with pytest.raises(ValueError, match="mask must be a list"):
        layers.Attention()([x, x], mask=np.ones((1, 2), bool))


def test_saved_model_loads_in_keras(tmp_path):
    query, value = deepfit.Input((4, 3)), deepfit.Input((5, 3))
    h = layers.Concatenate()([layers.Attention(use_scale=True)([query, value]),
                              layers.AdditiveAttention()([query, value])])
    model = deepfit.Model([query, value], layers.Dense(2)(h))
    rng = np.random.default_rng(1)
    q = rng.normal(size=(2, 4, 3)).astype("float32")
    v = rng.normal(size=(2, 5, 3)).astype("float32")
    assert_keras_loads_same(model, [q, v], tmp_path / "attention.keras")
