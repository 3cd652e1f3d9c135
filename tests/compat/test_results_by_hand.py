"""Losses, metrics and `keras.ops` called by hand hand user code eager tensors (`.numpy()`,
NumPy functions with `axis`), and stay plain torch tensors inside layer calls and steps."""

import numpy as np
import torch

from deepfit import losses, metrics
from deepfit.backend import EagerTensor, context
from deepfit.compat import keras
from deepfit.compat import tensorflow as tf

RNG = np.random.default_rng(0)
A = RNG.random((4, 3)).astype(np.float32)
B = RNG.random((4, 3)).astype(np.float32)


def test_loss_functions_by_hand_give_eager_tensors_with_numpy_interop():
    mae = tf.keras.losses.mae(A, B)
    assert isinstance(mae, EagerTensor)
    np.testing.assert_allclose(np.mean(mae), np.mean(np.abs(A - B)), rtol=1e-6)
    np.testing.assert_allclose(mae.numpy(), np.abs(A - B).mean(axis=-1), rtol=1e-6)
    mse = keras.losses.mean_squared_error(A, B)
    np.testing.assert_allclose(np.max(mse, axis=0), ((A - B) ** 2).mean(-1).max(), rtol=1e-6)
    assert keras.losses.mse is losses.mean_squared_error  # one object on every path
    loss = keras.losses.MeanSquaredError()(A, B)
    assert isinstance(loss, EagerTensor)
    np.testing.assert_allclose(float(loss), ((A - B) ** 2).mean(), rtol=1e-6)


def test_metric_functions_and_results_by_hand_give_eager_tensors():
    acc = keras.metrics.binary_accuracy(np.array([[1.0], [0.0]]), np.array([[0.9], [0.8]]))
    assert isinstance(acc, EagerTensor) and acc.numpy().tolist() == [[1.0], [0.0]]
    metric = keras.metrics.MeanAbsoluteError()
    metric.update_state(A, B)
    result = metric.result()
    assert isinstance(result, EagerTensor)
    np.testing.assert_allclose(result.numpy(), np.abs(A - B).mean(), rtol=1e-6)
    assert isinstance(metrics.Mean()(np.array([1.0, 3.0])), EagerTensor)


def test_keras_ops_and_random_by_hand_give_eager_tensors():
    out = keras.ops.softmax(A)
    assert isinstance(out, EagerTensor)
    np.testing.assert_allclose(np.sum(out, axis=-1), np.ones(4), rtol=1e-6)
    assert isinstance(keras.ops.mean(A), EagerTensor) and isinstance(keras.ops.numpy, object)
    assert isinstance(keras.random.normal((2,)), EagerTensor)
    assert keras.ops.shape(A) == (4, 3)  # non-tensor results are untouched


def test_inside_layer_calls_and_steps_results_stay_plain_torch():
    with context.internal():
        assert type(keras.losses.mae(torch.tensor(A), torch.tensor(B))) is torch.Tensor
        assert type(keras.losses.MeanSquaredError()(A, B)) is torch.Tensor
        assert type(keras.ops.add(torch.tensor(A), 1.0)) is torch.Tensor
        metric = keras.metrics.Mean()
        metric.update_state(torch.tensor([1.0, 2.0]))
        assert type(metric.result()) is torch.Tensor
