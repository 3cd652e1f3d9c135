"""Embedding's backward adding the looked-up rows in place into the optimizer's flat gradient
buffer: the accumulated gradient equals the dense one exactly, training gives the same weights
as the dense path, the buffer keeps its identity, and a GradientTape, torch.distributed or a
`.grad` dropped before backward still get dense gradients."""

from __future__ import annotations

import numpy as np
import torch

import deepfit
import deepfit.compat.tensorflow as tf
from deepfit.layers import embedding as embedding_module
from deepfit.layers.embedding import Embedding


def test_backward_adds_the_dense_gradient_into_the_existing_grad():
    layer = Embedding(50, 4)
    layer(torch.zeros(1, 1, dtype=torch.long))
    ids = torch.tensor([[1, 4, 4, 7], [0, 49, 1, 4]])
    weights = torch.randn(2, 4, 4)
    layer.embeddings.grad = None
    (layer(ids) * weights).sum().backward()  # no .grad yet: the dense path
    dense = layer.embeddings.grad.clone()
    assert not layer.embeddings.grad.is_sparse

    buffer = torch.zeros(50 * 4)  # zeroed before each step, as the optimizer does
    layer.embeddings.grad = buffer.view(50, 4)
    assert embedding_module._adds_into_dense_grad(layer.embeddings, ids)
    (layer(ids) * weights).sum().backward()
    assert layer.embeddings.grad.data_ptr() == buffer.data_ptr()
    assert not layer.embeddings.grad.is_sparse
    torch.testing.assert_close(buffer.view(50, 4), dense, rtol=0, atol=0)

    outputs = layer(ids)  # the in-place path chosen, then .grad dropped before backward
    layer.embeddings.grad = None
    (outputs * weights).sum().backward()
    torch.testing.assert_close(layer.embeddings.grad, dense, rtol=0, atol=0)


def test_under_torch_distributed_the_gradient_stays_dense(monkeypatch):
    """DDP's reducer waits for every parameter's gradient from autograd."""
    layer = Embedding(10, 2)
    layer(torch.zeros(1, 1, dtype=torch.long))
    layer.embeddings.grad = torch.zeros(10, 2)
    ids = torch.tensor([[1, 2]])
    assert embedding_module._adds_into_dense_grad(layer.embeddings, ids)
    monkeypatch.setattr(torch.distributed, "is_initialized", lambda: True)
    assert not embedding_module._adds_into_dense_grad(layer.embeddings, ids)


def _trained_text_model(seed: int) -> list[np.ndarray]:
    deepfit.utils.set_random_seed(seed)
    model = deepfit.Sequential([deepfit.Input((12,), dtype="int32"),
                                deepfit.layers.Embedding(300, 8),
                                deepfit.layers.GlobalAveragePooling1D(),
                                deepfit.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 300, (96, 12))
    y = (x[:, :4] < 150).mean(axis=1).round().astype("float32")
    model.fit(x, y, batch_size=16, epochs=3, verbose=0, shuffle=False)
    return model.get_weights()


def test_fit_gives_the_same_weights_as_the_dense_gradient(monkeypatch):
    in_place = _trained_text_model(3)
    monkeypatch.setattr(embedding_module, "_adds_into_dense_grad", lambda weight, ids: False)
    dense = _trained_text_model(3)
    for ours, reference in zip(in_place, dense):
        np.testing.assert_array_equal(ours, reference)


def test_in_place_path_is_taken_during_fit(monkeypatch):
    calls = []
    original = embedding_module._adds_into_dense_grad

    def spy(weight, ids):
        calls.append(original(weight, ids))
        return calls[-1]

    monkeypatch.setattr(embedding_module, "_adds_into_dense_grad", spy)
    _trained_text_model(0)
    assert any(calls)  # from the second step on the flat buffer is there


def test_gradient_tape_after_fit_returns_a_dense_gradient():
    deepfit.utils.set_random_seed(1)
    model = deepfit.Sequential([deepfit.Input((5,), dtype="int32"),
                                deepfit.layers.Embedding(20, 3),
                                deepfit.layers.GlobalAveragePooling1D(),
                                deepfit.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.arange(20).reshape(4, 5) % 20
    model.fit(x, np.ones(4, "float32"), epochs=1, verbose=0)
    assert model.layers[0].embeddings.grad is not None
    with tf.GradientTape() as tape:
        loss = model(torch.tensor(x)).sum()
    grads = tape.gradient(loss, model.trainable_weights)
    assert not grads[0].is_sparse and grads[0].shape == (20, 3)
    rows = np.zeros((20, 3), "float32")
    kernel = model.layers[-1].kernel.detach().numpy()[:, 0]
    for i in x.ravel():
        rows[i] += kernel / 5
    np.testing.assert_allclose(grads[0].numpy(), rows, rtol=1e-6)
