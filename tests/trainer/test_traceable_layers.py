"""`jit_compile=True` compiles the forward pass as one whole graph or not at all, so every
built-in layer family must trace without a graph break. Checked with dynamo's "eager" backend
(tracing only, no code generation: fast) and `fullgraph=True`, in training mode with grad on,
after a first eager step has created the optimizer's gradient buffers (the state the compiled
step meets)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import deepfit as keras
from deepfit import backend

L = keras.layers
RNG = np.random.default_rng(0)


def _tokens():
    return RNG.integers(0, 50, (8, 10))


MODELS = {
    "embedding-lstm": (lambda: [keras.Input((10,), dtype="int32"), L.Embedding(50, 8),
                                L.LSTM(6), L.Dense(1)], _tokens),
    "embedding-gru": (lambda: [keras.Input((10,), dtype="int32"), L.Embedding(50, 8),
                               L.GRU(6, return_sequences=True), L.GlobalAveragePooling1D(),
                               L.Dense(1)], _tokens),
    "masked-bidirectional-gru": (lambda: [keras.Input((10,), dtype="int32"),
                                          L.Embedding(50, 8, mask_zero=True),
                                          L.Bidirectional(L.GRU(6)), L.Dense(1)], _tokens),
    "convnet": (lambda: [keras.Input((8, 8, 3)), L.Conv2D(4, 3, activation="relu"),
                         L.BatchNormalization(), L.MaxPooling2D(), L.Dropout(0.3),
                         L.Flatten(), L.Dense(1)],
                lambda: RNG.random((8, 8, 8, 3)).astype("float32")),
    "spectral-normalization": (lambda: [keras.Input((6, 8)),
                                        L.SpectralNormalization(L.Conv1D(4, 3)),
                                        L.Flatten(), L.SpectralNormalization(L.Dense(1))],
                               lambda: RNG.random((8, 6, 8)).astype("float32")),
    "attention": (lambda: [keras.Input((6, 8)), L.LayerNormalization(),
                           L.Dense(8, activation="gelu"), L.GlobalAveragePooling1D(),
                           L.Dense(1)], lambda: RNG.random((8, 6, 8)).astype("float32")),
}


@pytest.mark.parametrize("name", list(MODELS))
def test_built_in_layers_trace_as_one_graph(name):
    build, data = MODELS[name]
    x = data()
    model = keras.Sequential(build())
    model.compile("adam", "mse")
    model.fit(x, np.zeros((len(x), 1), "float32"), epochs=1, verbose=0)  # gradient buffers
    torch._dynamo.reset()
    traced = torch.compile(lambda inputs: model(inputs, training=True), fullgraph=True,
                           backend="eager")
    inputs = torch.as_tensor(x)
    with backend.internal():  # as fit calls the model: plain tensors, not EagerTensors
        got = traced(inputs)
    assert got.shape == (len(x), 1) and torch.isfinite(got).all()
