"""ReversibleEmbedding against real Keras: with the same tables, the same embeddings and masks,
reverse logits (tied and untied weights, logit_soft_cap), a tied language model's History over
a few fit steps, weights' order and config keys; errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import deepfit
from deepfit import layers
from tests.layers.keras_parity import assert_results_match, run_both

# Runs as is on both sides: `keras` is real Keras there and deepfit here.
_PROGRAM = """
L = keras.layers


def run(found, key, seed, **kwargs):
    layer = L.ReversibleEmbedding(7, 4, name="emb", **kwargs)
    layer.build((None, 5))
    layer.set_weights(seeded_weights(layer, seed))
    hidden = layer(inputs_ids)
    found[key + "_hidden"] = keras.ops.convert_to_numpy(hidden)
    found[key + "_logits"] = keras.ops.convert_to_numpy(layer(hidden, reverse=True))
    mask = getattr(hidden, "_keras_mask", None)
    if mask is not None:
        found[key + "_mask"] = keras.ops.convert_to_numpy(mask)
    found[key + "_paths_keys"] = np.array([w.path for w in layer.weights])
    found[key + "_keys"] = np.array(sorted(layer.get_config()))


def cases(inputs):
    global inputs_ids
    inputs_ids = inputs["ids"]
    found = {}
    run(found, "tied", 1)
    run(found, "untied", 2, tie_weights=False, mask_zero=True)
    run(found, "capped", 3, logit_soft_cap=2.0)
    return found


def train(inputs):
    ids = keras.Input((5,), dtype="int32")
    embedding = L.ReversibleEmbedding(7, 4, name="shared")
    hidden = L.Dense(4, activation="tanh", name="mix")(embedding(ids))
    logits = embedding(hidden, reverse=True)
    model = keras.Model(ids, L.GlobalAveragePooling1D()(logits))
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    model.set_weights(seeded_weights(model, 5))
    history = model.fit(inputs["ids"], inputs["targets"], batch_size=2, epochs=3,
                        shuffle=False, verbose=0).history
    return {"train_loss": np.asarray(history["loss"]),
            **{f"trained_{i}": w for i, w in enumerate(model.get_weights())}}
"""


def _data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 7, size=(4, 5)).astype("int32")
    ids[0, 3:] = 0
    return {"ids": ids, "targets": rng.normal(size=(4, 7)).astype("float32")}


def test_reversible_embedding_matches_keras():
    ours, expected = run_both(_PROGRAM, _data())
    assert_results_match(ours, expected, rtol=1e-5, atol=1e-6)


def test_symbolic_reverse_call_and_config_round_trip():
    layer = layers.ReversibleEmbedding(9, 3, tie_weights=False, logit_soft_cap=5.0)
    ids = deepfit.Input((4,), dtype="int32")
    logits = layer(layer(ids), reverse=True)
    assert tuple(logits.shape) == (None, 4, 9)
    assert layer.compute_output_shape((None, 4, 3), reverse=True) == (None, 4, 9)
    clone = layers.ReversibleEmbedding.from_config(layer.get_config())
    clone.build()
    clone.set_weights(layer.get_weights())
    hidden = torch.randn(2, 4, 3)
    torch.testing.assert_close(clone(hidden, reverse=True), layer(hidden, reverse=True))
    assert float(layer(hidden * 100, reverse=True).abs().max()) <= 5.0


def test_reverse_call_of_the_wrong_width_names_the_layer():
    layer = layers.ReversibleEmbedding(9, 3, name="tokens")
    layer.build()
    with pytest.raises(ValueError, match="tokens.*output_dim=3"):
        layer(torch.randn(2, 4, 5), reverse=True)
