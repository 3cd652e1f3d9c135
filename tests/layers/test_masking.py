"""Masks as Keras carries them: `Masking`, `Embedding(mask_zero=True)`, passed on by Dense,
Dropout, Activation and normalization, consumed by pooling and RNNs, handed to custom layers'
`call(mask=...)` — predictions compared with real Keras on the same weights."""

from __future__ import annotations

import numpy as np
import torch

import deepfit
from deepfit import layers
from tests.keras_process import run_keras

IDS = np.array([[3, 5, 2, 0, 0], [7, 1, 0, 0, 0], [4, 4, 4, 4, 9]], dtype="int64")


def _compare(ours, keras_layers, x):
    weights = ours.get_weights()
    expected = run_keras(f"""
model = keras.Sequential([keras.Input({tuple(x.shape[1:])}, dtype="{x.dtype}"), *{keras_layers}])
model.set_weights([inputs[f"w{{i}}"] for i in range({len(weights)})])
results["prediction"] = model.predict(inputs["x"], verbose=0)
""", x=x, **{f"w{i}": w for i, w in enumerate(weights)})
    np.testing.assert_allclose(ours.predict(x, verbose=0), expected["prediction"], atol=1e-5)


def test_embedding_then_global_average_pooling_excludes_padding():
    ours = deepfit.Sequential([deepfit.Input((5,), dtype="int64"),
                               layers.Embedding(10, 4, mask_zero=True),
                               layers.GlobalAveragePooling1D(), layers.Dense(1)])
    _compare(ours, "[layers.Embedding(10, 4, mask_zero=True), layers.GlobalAveragePooling1D(),"
                   " layers.Dense(1)]", IDS)


def test_mask_reaches_the_rnn_through_dense_and_activation():
    ours = deepfit.Sequential([deepfit.Input((5,), dtype="int64"),
                               layers.Embedding(10, 4, mask_zero=True), layers.Dense(6),
                               layers.Activation("tanh"), layers.Dropout(0.2),
                               layers.LSTM(3), layers.Dense(1)])
    _compare(ours, "[layers.Embedding(10, 4, mask_zero=True), layers.Dense(6),"
                   " layers.Activation('tanh'), layers.Dropout(0.2), layers.LSTM(3),"
                   " layers.Dense(1)]", IDS)


def test_masking_layer_matches_keras():
    x = np.random.default_rng(2).normal(size=(3, 6, 2)).astype("float32")
    x[0, 4:] = 0.0
    x[2, :2] = 0.0
    ours = deepfit.Sequential([deepfit.Input((6, 2)), layers.Masking(0.0),
                               layers.SimpleRNN(4, return_sequences=True),
                               layers.GlobalAveragePooling1D()])
    _compare(ours, "[layers.Masking(0.0), layers.SimpleRNN(4, return_sequences=True),"
                   " layers.GlobalAveragePooling1D()]", x)
    out = layers.Masking(0.0)(torch.tensor(x))
    assert out._keras_mask.tolist() == (np.abs(x).sum(-1) != 0).tolist()


def test_custom_layers_receive_the_mask_and_pass_it_on():
    seen = {}

    class Probe(layers.Layer):
        supports_masking = True

        def call(self, inputs, mask=None):
            seen["mask"] = mask
            return inputs

    inputs = deepfit.Input((5,), dtype="int64")
    hidden = Probe()(layers.Embedding(10, 2, mask_zero=True)(inputs))
    model = deepfit.Model(inputs, layers.LSTM(2, return_sequences=True)(hidden))
    out = model(torch.tensor(IDS))
    assert seen["mask"].tolist() == (IDS != 0).tolist()
    assert out._keras_mask.tolist() == (IDS != 0).tolist()


def test_embedding_mask_into_batch_normalization_trains():
    model = deepfit.Sequential([deepfit.Input((5,), dtype="int64"),
                                layers.Embedding(10, 4, mask_zero=True),
                                layers.BatchNormalization(), layers.GlobalAveragePooling1D(),
                                layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(IDS, np.ones((3, 1), "float32"), epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
