"""Embedding: lookups equal rows of the matrix, integer inputs are not cast, mask_zero puts the
mask on the output for later layers, and shapes/params/outputs equal real Keras's."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch

from deepfit.layers.embedding import Embedding
from tests.layer_test_utils import run_layer_test


@pytest.mark.parametrize("kwargs, shape, out_shape", [
    ({"input_dim": 10, "output_dim": 3}, (4, 5), (4, 5, 3)),
    ({"input_dim": 11, "output_dim": 2, "mask_zero": True}, (2, 3), (2, 3, 2)),
    ({"input_dim": 12, "output_dim": 4}, (2, 3, 5), (2, 3, 5, 4)),
])
@pytest.mark.parametrize("dtype", [torch.int32, torch.int64])
def test_embedding_layer_contract(kwargs, shape, out_shape, dtype):
    params = kwargs["input_dim"] * kwargs["output_dim"]
    run_layer_test(Embedding, kwargs, shape, out_shape, input_dtype=dtype,
                   expected_params=params, expected_trainable_weights=1)


def test_lookup_equals_matrix_rows_and_gradient_is_scattered():
    layer = Embedding(6, 3)
    ids = torch.tensor([[1, 4, 4], [0, 5, 1]])
    out = layer(ids)
    matrix = layer.embeddings.detach().numpy()
    np.testing.assert_array_equal(out.detach().numpy(), matrix[ids.numpy()])
    out.sum().backward()
    counts = np.bincount(ids.numpy().ravel(), minlength=6)[:, None] * np.ones((1, 3))
    np.testing.assert_array_equal(layer.embeddings.grad.numpy(), counts)


def test_default_initializer_is_uniform_005_and_float_ids_work():
    layer = Embedding(1000, 8)
    layer.build(None)
    values = layer.embeddings.detach()
    assert values.abs().max() <= 0.05 and values.std() > 0.02
    assert Embedding.autocast_inputs is False
    out = layer(torch.tensor([[1.0, 2.0]]))  # float ids are truncated to integers
    np.testing.assert_array_equal(out.detach().numpy()[0], values.numpy()[[1, 2]])


def test_mask_zero_sets_the_output_mask():
    plain = Embedding(5, 2)
    ids = torch.tensor([[3, 1, 0, 0], [0, 2, 4, 0]])
    assert getattr(plain(ids), "_keras_mask", None) is None
    assert plain.compute_mask(ids) is None
    masked = Embedding(5, 2, mask_zero=True)
    expected = np.array([[1, 1, 0, 0], [0, 1, 1, 0]], bool)
    np.testing.assert_array_equal(masked(ids)._keras_mask.numpy(), expected)
    np.testing.assert_array_equal(masked.compute_mask(ids).numpy(), expected)


def test_initial_weights_input_length_and_config():
    matrix = np.arange(12, dtype="float32").reshape(4, 3)
    layer = Embedding(4, 3, weights=[matrix], input_length=7, mask_zero=True)
    np.testing.assert_array_equal(layer(torch.tensor([[2]])).detach().numpy()[0, 0], matrix[2])
    config = layer.get_config()
    assert config["input_dim"] == 4 and config["output_dim"] == 3 and config["mask_zero"]
    assert "input_length" not in config
    assert Embedding.from_config(config).get_config() == config


@pytest.mark.parametrize("kwargs, message", [
    ({"input_dim": 0, "output_dim": 3}, "input_dim must be a positive int"),
    ({"input_dim": 5, "output_dim": 2.5}, "output_dim must be a positive int"),
    ({"input_dim": True, "output_dim": 3}, "input_dim must be a positive int"),
    ({"input_dim": 5, "output_dim": 3, "lora_rank": 2}, "lora_rank is not supported"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Embedding(**kwargs)


def test_regularizer_adds_a_loss():
    layer = Embedding(3, 2, embeddings_initializer="ones", embeddings_regularizer="l2")
    layer(torch.tensor([[0]]))
    assert len(layer.losses) == 1
    np.testing.assert_allclose(float(layer.losses[0].detach()), 0.01 * 6, rtol=1e-6)


@pytest.fixture(scope="module")
def keras():
    os.environ["KERAS_BACKEND"] = "torch"
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip("keras uses another backend")
    return keras


@pytest.mark.parametrize("input_dim, output_dim, shape, mask_zero", [
    (10, 3, (4, 5), False), (50, 8, (2, 7), True), (5, 2, (3, 2, 4), True),
])
def test_matches_keras(keras, input_dim, output_dim, shape, mask_zero):
    ids = np.random.default_rng(0).integers(0, input_dim, size=shape).astype("int32")
    ours = Embedding(input_dim, output_dim, mask_zero=mask_zero)
    ref = keras.layers.Embedding(input_dim, output_dim, mask_zero=mask_zero)
    ours(torch.tensor(ids))
    ref(ids)
    assert ours.count_params() == ref.count_params()
    ref.set_weights(ours.get_weights())
    out = ours(torch.tensor(ids))
    expected = ref(ids)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().cpu().numpy(), atol=1e-6)
    if mask_zero:
        np.testing.assert_array_equal(out._keras_mask.numpy(),
                                      ref.compute_mask(ids).cpu().numpy())
