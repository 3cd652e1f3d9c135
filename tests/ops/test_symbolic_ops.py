"""Ops on symbolic KerasTensors become Functional graph nodes (as keras-io examples use
`keras.ops.*` between layers), computed when the model runs; the results equal the eager ops."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import deepfit as keras
from deepfit import ops


def _model_with_ops():
    inputs = keras.Input(shape=(4,))
    hidden = keras.layers.Dense(3)(inputs)
    scaled = ops.exp(hidden) * 2.0 + ops.mean(hidden, axis=-1, keepdims=True)
    outputs = keras.activations.relu(scaled)[:, :2]
    return keras.Model(inputs, outputs), hidden


def test_ops_between_layers_build_a_graph_that_computes_the_same_values():
    keras.utils.set_random_seed(0)
    model, _ = _model_with_ops()
    assert model.output_shape == (None, 2)
    x = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    dense = model.layers[1]
    h = dense(torch.as_tensor(x))
    expected = torch.relu(torch.exp(h) * 2.0 + h.mean(-1, keepdim=True))[:, :2]
    np.testing.assert_allclose(model.predict(x, verbose=0), expected.detach().numpy(),
                               rtol=1e-6)


def test_a_model_with_ops_trains():
    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(3,))
    logits = keras.layers.Dense(1)(inputs)
    outputs = ops.sigmoid(logits)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    x = np.random.default_rng(1).normal(size=(64, 3)).astype("float32")
    y = (x.sum(axis=1, keepdims=True) > 0).astype("float32")
    history = model.fit(x, y, epochs=30, batch_size=16, verbose=0, learning_rate=0.05)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]


def test_operators_and_op_functions_on_keras_tensors():
    x = keras.Input(shape=(2, 3))
    assert (x + 1).shape == (None, 2, 3)
    assert ops.transpose(x, (0, 2, 1)).shape == (None, 3, 2)
    assert ops.concatenate([x, x], axis=-1).shape == (None, 2, 6)
    assert ops.reshape(x, (-1, 6)).shape == (None, 6)
    assert ops.cast(x, "int32").dtype == torch.int32
    assert (x > 0).dtype == torch.bool
    assert ops.einsum("bij,bkj->bik", x, x).shape == (None, 2, 2)


def test_activations_accept_symbolic_tensors():
    x = keras.Input(shape=(4,))
    for name in ("relu", "sigmoid", "softmax", "gelu", "silu"):
        y = keras.activations.get(name)(x)
        assert y.shape == (None, 4), name
    model = keras.Model(x, keras.activations.relu(x))
    np.testing.assert_array_equal(model.predict(np.array([[-1.0, 2.0, -3.0, 4.0]]), verbose=0),
                                  [[0.0, 2.0, 0.0, 4.0]])


def test_keras_dtype_rules_from_issue_18():
    accuracy = ops.mean(ops.array([True, False, False, True, False]))
    assert accuracy.dtype == torch.float32 and accuracy.item() == pytest.approx(0.4)
    assert ops.cast(ops.array([1.7, -2.2]), "int").tolist() == [1, -2]
    assert ops.cast(ops.array([1.7, -2.2]), "int").dtype == torch.int32
    assert ops.array([1, 2]).dtype == torch.int32 and ops.array([1.0]).dtype == torch.float32
    assert ops.add(ops.array([1], "int8"), 1).dtype == torch.int8
    assert ops.add(ops.array([1], "int32"), 1.5).dtype == torch.float32


def test_missing_ops_name_themselves():
    with pytest.raises(NotImplementedError,
                       match="keras.ops.fancy_new_op is not provided by deepfit"):
        ops.fancy_new_op  # noqa: B018
    assert not hasattr(ops, "fancy_new_op")
