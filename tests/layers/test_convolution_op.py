"""`Conv.convolution_op`: callable from a subclass's `call` and overridable, as in the Keras
example "Customizing the convolution operation of a Conv2D layer" (weight standardization)."""

from __future__ import annotations

import numpy as np
import pytest

import deepfit
from deepfit import layers
from tests.trainer.keras_process import run_keras

_LAYERS = """
class WithCall(keras.layers.Conv2D):
    def call(self, inputs):
        mean = keras.ops.mean(self.kernel, axis=[0, 1, 2], keepdims=True)
        var = keras.ops.var(self.kernel, axis=[0, 1, 2], keepdims=True)
        result = self.convolution_op(inputs, (self.kernel - mean) / keras.ops.sqrt(var + 1e-10))
        if self.use_bias:
            result = result + self.bias
        return result


class WithOverride(keras.layers.Conv2D):
    def convolution_op(self, inputs, kernel):
        mean = keras.ops.mean(kernel, axis=[0, 1, 2], keepdims=True)
        var = keras.ops.var(kernel, axis=[0, 1, 2], keepdims=True)
        return super().convolution_op(inputs, (kernel - mean) / keras.ops.sqrt(var + 1e-10))


def outputs(inputs):
    found = {}
    for cls in (WithCall, WithOverride):
        for padding, strides in (("valid", 1), ("same", 2)):
            layer = cls(4, 3, padding=padding, strides=strides, activation="relu",
                        bias_initializer="ones")
            layer.build(inputs["x"].shape)
            layer.set_weights([inputs["kernel"], inputs["bias"]])
            found[f"{cls.__name__}_{padding}"] = keras.ops.convert_to_numpy(layer(inputs["x"]))
    return found
"""


def test_convolution_op_matches_keras():
    rng = np.random.default_rng(1)
    data = {"x": rng.normal(size=(2, 7, 7, 3)).astype("float32"),
            "kernel": rng.normal(size=(3, 3, 3, 4)).astype("float32"),
            "bias": rng.normal(size=(4,)).astype("float32")}
    expected = run_keras(_LAYERS + "result.update(outputs(inputs))\n", **data)
    scope = {"keras": deepfit, "np": np}
    exec(_LAYERS, scope)  # noqa: S102 - the shared layer code above
    ours = scope["outputs"](data)
    assert sorted(ours) == sorted(expected)
    for key, value in expected.items():
        np.testing.assert_allclose(ours[key], value, rtol=1e-5, atol=1e-5, err_msg=key)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_plain_convolution_op_is_the_layer_without_bias(data_format):
    layer = layers.Conv1D(3, 2, padding="causal", data_format=data_format, activation="tanh")
    x = np.random.default_rng(0).normal(size=(2, 5, 5)).astype("float32")
    full = deepfit.ops.convert_to_numpy(layer(x))
    raw = layer.convolution_op(deepfit.ops.convert_to_tensor(x), layer.kernel)
    bias_shape = (1, 1, -1) if data_format == "channels_last" else (1, -1, 1)
    with_bias = deepfit.ops.convert_to_numpy(raw) + layer.bias.detach().numpy().reshape(
        bias_shape)
    np.testing.assert_allclose(full, np.tanh(with_bias), rtol=1e-5, atol=1e-6)
