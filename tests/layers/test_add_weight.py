"""`Layer.add_weight` with Keras 3's signature."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import deepfit
from deepfit import layers


class Linear(layers.Layer):
    """The Keras guide's custom layer, as Keras 3 code writes it."""

    def __init__(self, units=4):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                 initializer="random_normal", trainable=True)
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True,
                                 regularizer="l2")
        self.total = self.add_weight(initializer="zeros", trainable=False)

    def call(self, inputs):
        return inputs @ self.w + self.b


def test_keyword_only_calls_without_names():
    layer = Linear()
    layer(torch.ones(2, 3))
    assert [tuple(w.shape) for w in layer.weights] == [(3, 4), (4,), ()]
    assert list(dict(layer.named_parameters())) == ["w", "b", "total"]
    assert [tuple(w.shape) for w in layer.trainable_weights] == [(3, 4), (4,)]
    assert len(layer.losses) == 1
    assert layer.count_params() == 17


def test_positional_orders_and_dtypes():
    layer = layers.Layer()
    kernel = layer.add_weight("kernel", (2, 3), "ones")
    scale = layer.add_weight((5,), "zeros", "float64")
    steps = layer.add_weight(shape=(), dtype="int32")
    assert kernel.shape == (2, 3) and float(kernel.detach().sum()) == 6.0
    assert scale.dtype == torch.float64 and steps.dtype == torch.int32
    assert not steps.requires_grad
    assert np.asarray(layer.get_weights()[2]).shape == ()


def test_bad_arguments_are_named():
    layer = layers.Layer(name="mine")
    with pytest.raises(ValueError, match="mine.*dtype"):
        layer.add_weight(shape=(2,), dtype="complex_thing")
    with pytest.raises(ValueError, match="mine.*name"):
        layer.add_weight(shape=(2,), name="a.b")


def test_custom_layer_trains_in_a_model():
    model = deepfit.Sequential([deepfit.Input((3,)), Linear(1)])
    x = np.random.default_rng(0).normal(size=(64, 3)).astype("float32")
    y = x @ np.array([[1.0], [2.0], [-1.0]], dtype="float32")
    model.compile(optimizer=deepfit.optimizers.SGD(0.1), loss="mse")
    history = model.fit(x, y, epochs=40, verbose=0)
    assert history.history["loss"][-1] < 0.01


def test_dense_bias_initializer_none_falls_back_to_add_weights_default():
    # Keras 3: initializers.get(None) is None, and add_weight(initializer=None) on a float
    # weight uses glorot_uniform; for a (units,) bias its limit is sqrt(6 / (2 * units)).
    deepfit.utils.set_random_seed(0)
    dense = layers.Dense(400, bias_initializer=None)
    dense.build((None, 3))
    bias = dense.bias.detach().numpy()
    limit = np.sqrt(6 / (2 * 400))
    assert np.abs(bias).max() <= limit
    assert abs(bias.std() - limit / np.sqrt(3)) < 0.1 * limit  # uniform on [-limit, limit]
