"""SpectralNormalization and Wrapper against real Keras: with the same kernel, bias and `u`, a
training call gives the same output, normalized kernel and new `u` (Dense, Conv2D, Embedding,
several power iterations), an inference call leaves them alone, a few fit steps give the same
History; weights' order and paths, config round trip, errors."""

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


def run(found, key, layer, x, seed, outputs=True):
    layer.build(x.shape)
    layer.set_weights(seeded_weights(layer, seed))
    for name, training in (("_infer", False), ("_train", True), ("_again", True)):
        y = keras.ops.convert_to_numpy(layer(x, training=training))
        if outputs:
            found[key + name] = y
    for i, w in enumerate(layer.weights):
        found[f"{key}_w{i}"] = keras.ops.convert_to_numpy(w)
    found[key + "_paths_keys"] = np.array([w.path for w in layer.weights])
    found[key + "_trainable_keys"] = np.array([w.path for w in layer.trainable_weights])
    found[key + "_keys"] = np.array(sorted(layer.get_config()))


def cases(inputs):
    found = {}
    run(found, "dense", L.SpectralNormalization(L.Dense(3, name="d"), name="sn1"),
        inputs["x"], 1)
    run(found, "conv", L.SpectralNormalization(L.Conv2D(2, 3, name="c"), power_iterations=3,
                                               name="sn2"), inputs["image"], 2)
    # Keras casts the output to the input's dtype: an Embedding's vectors become int32 zeros
    # there (a Keras bug); the normalized table and `u` are compared.
    run(found, "embed", L.SpectralNormalization(L.Embedding(6, 4, name="e"), name="sn3"),
        inputs["ids"], 3, outputs=False)
    return found


def train(inputs):
    x = keras.Input((4,))
    h = L.SpectralNormalization(L.Dense(5, activation="tanh", name="d1"), name="s1")(x)
    h = L.SpectralNormalization(L.Dense(1, name="d2"), power_iterations=2, name="s2")(h)
    model = keras.Model(x, h)
    found = fit_and_collect(model, inputs, inputs["train_x"], 0.1, seeded_weights(model, 9))
    found["predict"] = keras.ops.convert_to_numpy(model.predict(inputs["train_x"], verbose=0))
    return found
"""


def _data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {"x": rng.normal(size=(5, 4)).astype("float32"),
            "image": rng.normal(size=(2, 6, 6, 2)).astype("float32"),
            "ids": rng.integers(0, 6, size=(3, 5)).astype("int32"),
            "train_x": rng.normal(size=(16, 4)).astype("float32"),
            "train_y": rng.normal(size=(16, 1)).astype("float32")}


def test_spectral_normalization_matches_keras():
    ours, expected = run_both(_PROGRAM, _data())
    assert_results_match(ours, expected, rtol=1e-4, atol=1e-5)


def test_normalized_kernel_has_unit_spectral_norm():
    torch.manual_seed(0)
    layer = layers.SpectralNormalization(layers.Dense(6), power_iterations=1)
    x = torch.randn(4, 5)
    layer(x)
    for _ in range(30):
        layer(x, training=True)
    sigma = torch.linalg.matrix_norm(layer.layer.kernel.detach(), ord=2)
    assert abs(float(sigma) - 1.0) < 1e-3
    before = layer.layer.kernel.detach().clone()
    layer(x, training=False)
    torch.testing.assert_close(layer.layer.kernel.detach(), before)


def test_config_round_trip_and_errors():
    layer = layers.SpectralNormalization(layers.Dense(3), power_iterations=2)
    layer(torch.zeros(2, 4))
    clone = layers.SpectralNormalization.from_config(layer.get_config())
    assert clone.power_iterations == 2 and isinstance(clone.layer, layers.Dense)
    with pytest.raises(ValueError, match="power_iterations"):
        layers.SpectralNormalization(layers.Dense(3), power_iterations=0)
    with pytest.raises(ValueError, match="Flatten object has no attribute 'kernel'"):
        layers.SpectralNormalization(layers.Flatten())(torch.zeros(2, 3))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 4"):
        layer(torch.zeros(2, 5))
    embedded = layers.SpectralNormalization(layers.Embedding(6, 4))(np.array([[1, 2]]))
    assert embedded.dtype == torch.float32 and bool(embedded.abs().sum() > 0)
    with pytest.raises(ValueError, match="isn't a supported layer type"):
        layers.Wrapper("dense")
    assert issubclass(layers.SpectralNormalization, deepfit.layers.Wrapper)
