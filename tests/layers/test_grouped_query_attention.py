"""GroupQueryAttention against real Keras: with the same weights, the same outputs and scores
(self and cross attention, one to all key/value heads, masks from Embedding, attention_mask,
causal, sliding window, the gate, no bias), a few fit steps' History, weights' order and paths,
config keys; errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from deepfit import layers
from tests.layers.keras_parity import assert_results_match, run_both

# Runs as is on both sides: `keras` is real Keras there and deepfit here.
_PROGRAM = """
L = keras.layers


def run(found, key, args, seed, call=None, **kwargs):
    layer = L.GroupQueryAttention(name="gqa", **kwargs)
    result = layer(*args, **(call or {}))
    layer.set_weights(seeded_weights(layer, seed))
    result = layer(*args, **(call or {}))
    parts = result if isinstance(result, (list, tuple)) else [result]
    for i, part in enumerate(parts):
        found[f"{key}_{i}"] = keras.ops.convert_to_numpy(part)
    found[key + "_paths_keys"] = np.array([w.path for w in layer.weights])
    found[key + "_keys"] = np.array(sorted(layer.get_config()))


def cases(inputs):
    found = {}
    q, v = inputs["q"], inputs["v"]
    run(found, "self", (q, q), 1, head_dim=3, num_query_heads=4, num_key_value_heads=2)
    run(found, "cross", (q, v), 2, head_dim=2, num_query_heads=6, num_key_value_heads=1,
        call={"return_attention_scores": True})
    run(found, "key", (q, v, inputs["k"]), 3, head_dim=2, num_query_heads=2,
        num_key_value_heads=2, use_bias=False, call={"attention_mask": inputs["mask"]})
    run(found, "causal", (q, q), 4, head_dim=2, num_query_heads=4, num_key_value_heads=2,
        call={"use_causal_mask": True})
    run(found, "causal_scores", (q, q), 5, head_dim=2, num_query_heads=4,
        num_key_value_heads=4, sliding_window=2,
        call={"use_causal_mask": True, "return_attention_scores": True})
    run(found, "gate", (q, v), 6, head_dim=3, num_query_heads=2, num_key_value_heads=1,
        use_gate=True, call={"attention_mask": inputs["mask"]})
    embedding = L.Embedding(7, 6, mask_zero=True)
    embedding.build((None, 5))
    embedding.set_weights([inputs["table"]])
    embedded = embedding(inputs["ids"])
    run(found, "masked", (embedded, embedded), 7, head_dim=2, num_query_heads=2,
        num_key_value_heads=1)
    return found


def train(inputs):
    x = keras.Input((5, 6))
    h = L.GroupQueryAttention(head_dim=2, num_query_heads=4, num_key_value_heads=2,
                              name="g")(x, x, use_causal_mask=True)
    model = keras.Model(x, L.Dense(1)(L.GlobalAveragePooling1D()(h)))
    return fit_and_collect(model, inputs, inputs["train_x"], 0.05, seeded_weights(model, 8))
"""


def _data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    ids = rng.integers(1, 7, size=(2, 5))
    ids[0, 3:] = 0
    return {"q": rng.normal(size=(2, 5, 6)).astype("float32"),
            "v": rng.normal(size=(2, 4, 6)).astype("float32"),
            "k": rng.normal(size=(2, 4, 5)).astype("float32"),
            "mask": rng.random((2, 5, 4)) > 0.3, "ids": ids.astype("int32"),
            "table": rng.normal(size=(7, 6)).astype("float32"),
            "train_x": rng.normal(size=(16, 5, 6)).astype("float32"),
            "train_y": rng.normal(size=(16, 1)).astype("float32")}


def test_grouped_query_attention_matches_keras():
    ours, expected = run_both(_PROGRAM, _data())
    assert_results_match(ours, expected, rtol=1e-4, atol=1e-5)


def test_dropout_only_in_training_and_config_round_trip():
    layer = layers.GroupedQueryAttention(2, 4, 2, dropout=0.5)
    x = torch.randn(2, 5, 6)
    torch.testing.assert_close(layer(x, x), layer(x, x))
    assert not torch.allclose(layer(x, x, training=True), layer(x, x))
    clone = layers.GroupedQueryAttention.from_config(layer.get_config())
    clone(x, x)
    clone.set_weights(layer.get_weights())
    torch.testing.assert_close(clone(x, x), layer(x, x))
    assert layer.compute_output_shape((None, 5, 6), (None, 3, 6)) == (None, 5, 6)


@pytest.mark.parametrize("kwargs, message", [
    ({"head_dim": 2, "num_query_heads": 3, "num_key_value_heads": 2}, "divisible"),
    ({"head_dim": 0, "num_query_heads": 2, "num_key_value_heads": 2}, "head_dim"),
    ({"head_dim": 2, "num_query_heads": 2, "num_key_value_heads": 1, "sliding_window": 0},
     "sliding_window"),
    ({"head_dim": 2, "num_query_heads": 2, "num_key_value_heads": 1, "dropout": 0.1,
      "flash_attention": True}, "flash attention"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        layers.GroupedQueryAttention(**kwargs)


def test_output_shape_errors():
    layer = layers.GroupedQueryAttention(2, 2, 1)
    with pytest.raises(ValueError, match="last dimension of `query_shape`"):
        layer.compute_output_shape((None, 5, 6), (None, 3, 4))
