"""BatchNormalization and LayerNormalization: shapes, parameter counts, NumPy references for the
training/inference formulas and Keras's moving-statistics rule, and parity with real Keras."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch

from deepfit.layers.normalization import BatchNormalization, LayerNormalization
from tests.layer_test_utils import run_layer_test


def _x(shape, seed=0, scale=2.0, shift=1.0):
    return (np.random.default_rng(seed).normal(size=shape) * scale + shift).astype("float32")


def _random_weights(layer, seed=1):
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=w.shape).astype("float32") for w in layer.get_weights()]
    if isinstance(layer, BatchNormalization):
        weights[-1] = np.abs(weights[-1]) + 0.5  # a variance
    return weights


# --------------------------------------------------------------------------- BatchNormalization
@pytest.mark.parametrize("kwargs, shape, params, trainable", [
    ({}, (4, 3), 12, 2),
    ({}, (2, 5, 5, 3), 12, 2),
    ({"axis": 1}, (4, 3, 5), 12, 2),
    ({"center": False}, (4, 6), 18, 1),
    ({"scale": False, "center": False}, (4, 2, 6), 12, 0),
])
def test_batch_norm_layer_contract(kwargs, shape, params, trainable):
    run_layer_test(BatchNormalization, kwargs, shape, shape, expected_params=params,
                   expected_trainable_weights=trainable, expected_non_trainable_weights=2)


def _bn_reference(x, gamma, beta, mean, var, axis, eps=1e-3):
    shape = [1] * x.ndim
    shape[axis] = -1
    return (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps) * gamma.reshape(
        shape) + beta.reshape(shape)


@pytest.mark.parametrize("axis, shape", [(-1, (6, 4)), (-1, (3, 5, 4)), (1, (3, 4, 5)),
                                         (2, (2, 3, 4, 5))])
def test_batch_norm_training_matches_numpy_and_keras_moving_rule(axis, shape):
    x = _x(shape)
    layer = BatchNormalization(axis=axis, momentum=0.9)
    layer(torch.tensor(x))
    gamma, beta, mm, mv = _random_weights(layer)
    layer.set_weights([gamma, beta, mm, mv])
    dims = tuple(d for d in range(x.ndim) if d != axis % x.ndim)
    mean, var = x.mean(axis=dims), x.var(axis=dims)  # the biased variance, as Keras
    out = layer(torch.tensor(x), training=True).detach().numpy()
    np.testing.assert_allclose(out, _bn_reference(x, gamma, beta, mean, var, axis % x.ndim),
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(layer.moving_mean.detach().numpy(), mm * 0.9 + mean * 0.1,
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.moving_variance.detach().numpy(), mv * 0.9 + var * 0.1,
                               rtol=1e-5, atol=1e-6)


def test_batch_norm_inference_uses_moving_statistics_and_leaves_them():
    x = _x((5, 4))
    layer = BatchNormalization()
    layer(torch.tensor(x))
    gamma, beta, mm, mv = _random_weights(layer)
    layer.set_weights([gamma, beta, mm, mv])
    for training in (None, False):
        out = layer(torch.tensor(x), training=training).detach().numpy()
        np.testing.assert_allclose(out, _bn_reference(x, gamma, beta, mm, mv, 1), rtol=1e-5,
                                   atol=1e-5)
    np.testing.assert_array_equal(layer.moving_mean.detach().numpy(), mm)
    np.testing.assert_array_equal(layer.moving_variance.detach().numpy(), mv)


def test_frozen_batch_norm_runs_in_inference_mode_even_when_training():
    x = _x((8, 3))
    layer = BatchNormalization()
    layer(torch.tensor(x))
    gamma, beta, mm, mv = _random_weights(layer)
    layer.set_weights([gamma, beta, mm, mv])
    layer.trainable = False
    out = layer(torch.tensor(x), training=True).detach().numpy()
    np.testing.assert_allclose(out, _bn_reference(x, gamma, beta, mm, mv, 1), rtol=1e-5,
                               atol=1e-5)
    np.testing.assert_array_equal(layer.moving_mean.detach().numpy(), mm)
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 4


def test_batch_norm_masked_statistics_and_batch_of_one():
    x = _x((2, 4, 3))
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 0]], bool)
    layer = BatchNormalization(momentum=0.5)
    out = layer(torch.tensor(x), mask=torch.tensor(mask), training=True)
    picked = x[mask]  # (5, 3): the unmasked rows
    total = mask.sum() + 1e-7
    mean = picked.sum(0) / total
    var = ((picked - mean) ** 2).sum(0) / total
    np.testing.assert_allclose(out.detach().numpy(), _bn_reference(
        x, np.ones(3), np.zeros(3), mean, var, 2), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(layer.moving_mean.detach().numpy(), mean * 0.5, rtol=1e-5)
    assert out._keras_mask is not None

    single = BatchNormalization(momentum=0.5)
    row = _x((1, 3))
    out = single(torch.tensor(row), training=True).detach().numpy()
    np.testing.assert_allclose(out, np.zeros((1, 3)), atol=1e-5)  # variance 0, beta 0
    np.testing.assert_allclose(single.moving_variance.detach().numpy(), np.full(3, 0.5))


def test_batch_norm_gradients_flow_through_batch_statistics():
    x = torch.tensor(_x((6, 3)), requires_grad=True)
    layer = BatchNormalization()
    layer(x, training=True).sum().backward()
    # Normalized values sum to zero whatever x is, so d(sum)/dx vanishes only if the batch
    # mean and variance are part of the graph (as in Keras).
    np.testing.assert_allclose(x.grad.numpy(), np.zeros((6, 3)), atol=1e-5)
    assert layer.gamma.grad is not None and layer.moving_mean.grad is None


def test_batch_norm_errors():
    layer = BatchNormalization(name="bn")
    layer(torch.zeros(2, 4, 4, 3))
    with pytest.raises(ValueError, match=r"Input 0 of layer 'bn' is incompatible with the "
                                         r"layer: expected ndim=4, found ndim=2. Full shape "
                                         r"received: \(32, 784\)"):
        layer(torch.zeros(32, 784))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 3"):
        layer(torch.zeros(2, 4, 4, 5))
    with pytest.raises(ValueError, match="axis must be an int"):
        BatchNormalization(axis=[1, 2])
    with pytest.raises(ValueError, match="renorm"):
        BatchNormalization(renorm=True)
    with pytest.raises(ValueError, match="momentum must be a number"):
        BatchNormalization(momentum="fast")


# --------------------------------------------------------------------------- LayerNormalization
@pytest.mark.parametrize("kwargs, shape, params", [
    ({}, (4, 8), 16),
    ({}, (2, 5, 8), 16),
    ({"axis": [1, 2]}, (2, 5, 8), 80),
    ({"axis": 1}, (2, 5, 8), 10),
    ({"rms_scaling": True}, (2, 5, 8), 8),
    ({"center": False}, (2, 6), 6),
])
def test_layer_norm_layer_contract(kwargs, shape, params):
    run_layer_test(LayerNormalization, kwargs, shape, shape, expected_params=params)


@pytest.mark.parametrize("axis, rms", [(-1, False), ([1, 2], False), (1, False), (-1, True),
                                       ([1, 2], True)])
def test_layer_norm_matches_numpy(axis, rms):
    x = _x((3, 4, 5))
    layer = LayerNormalization(axis=axis, rms_scaling=rms)
    layer(torch.tensor(x))
    weights = _random_weights(layer)
    layer.set_weights(weights)
    axes = tuple(sorted(a % 3 for a in ([axis] if isinstance(axis, int) else axis)))
    shape = [x.shape[d] if d in axes else 1 for d in range(3)]
    mean, var = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
    gamma = weights[0].reshape(shape)
    if rms:
        expected = x / np.sqrt(var + 1e-3) * gamma
    else:
        expected = (x - mean) / np.sqrt(var + 1e-3) * gamma + weights[1].reshape(shape)
    np.testing.assert_allclose(layer(torch.tensor(x)).detach().numpy(), expected, rtol=1e-5,
                               atol=1e-5)
    assert layer.get_config()["axis"] == list(axes)


def test_layer_norm_passes_masks_and_rejects_bad_input():
    x = torch.tensor(_x((2, 3, 4)))
    x._keras_mask = torch.tensor([[True, True, False], [True, False, False]])
    layer = LayerNormalization(name="ln")
    assert layer(x)._keras_mask is x._keras_mask
    with pytest.raises(ValueError, match="Input 0 of layer 'ln' is incompatible"):
        layer(torch.zeros(2, 4))
    with pytest.raises(TypeError, match="axis must be an int or a list/tuple of ints"):
        LayerNormalization(axis="last")
    with pytest.raises(ValueError, match="duplicate axes"):
        LayerNormalization(axis=[1, -1])(torch.zeros(2, 3))


# --------------------------------------------------------------------------- parity with Keras
@pytest.fixture(scope="module")
def keras():
    os.environ["KERAS_BACKEND"] = "torch"
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip("keras uses another backend")
    return keras


@pytest.mark.parametrize("kwargs, shape", [
    ({}, (6, 4)), ({}, (2, 3, 3, 4)), ({"axis": 1}, (3, 4, 5)), ({"center": False}, (5, 3)),
    ({"scale": False, "momentum": 0.5, "epsilon": 0.1}, (4, 2, 3)),
])
def test_batch_norm_matches_keras(keras, kwargs, shape):
    x = _x(shape)
    ours, ref = BatchNormalization(**kwargs), keras.layers.BatchNormalization(**kwargs)
    ours(torch.tensor(x))
    ref(x)
    assert ours.count_params() == ref.count_params()
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in ref.weights]
    weights = _random_weights(ours)
    ours.set_weights(weights)
    ref.set_weights(weights)
    for training in (True, True, False):
        np.testing.assert_allclose(
            ours(torch.tensor(x), training=training).detach().numpy(),
            ref(x, training=training).detach().cpu().numpy(), rtol=1e-5, atol=1e-5)
    for mine, theirs in zip(ours.get_weights(), ref.get_weights()):
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-6)


@pytest.mark.filterwarnings("ignore:You passed `rms_scaling=True`")
@pytest.mark.parametrize("kwargs, shape", [
    ({}, (4, 8)), ({}, (2, 5, 8)), ({"axis": [1, 2]}, (2, 5, 8)),
    ({"rms_scaling": True}, (2, 5, 8)), ({"center": False, "epsilon": 0.1}, (3, 6)),
])
def test_layer_norm_matches_keras(keras, kwargs, shape):
    x = _x(shape)
    ours, ref = LayerNormalization(**kwargs), keras.layers.LayerNormalization(**kwargs)
    ours(torch.tensor(x))
    ref(x)
    assert ours.count_params() == ref.count_params()
    weights = _random_weights(ours)
    ours.set_weights(weights)
    ref.set_weights(weights)
    np.testing.assert_allclose(ours(torch.tensor(x)).detach().numpy(),
                               ref(x).detach().cpu().numpy(), rtol=1e-5, atol=1e-5)
