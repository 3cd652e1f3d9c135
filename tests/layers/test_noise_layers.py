"""GaussianNoise, GaussianDropout and AlphaDropout: identity at inference; while training, noise
with Keras's moments (additive N(0, stddev^2); multiplicative N(1, rate / (1 - rate)); alpha
dropout's values and self-normalizing affine map, against real Keras)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import deepfit
from deepfit import layers
from tests.layer_test_utils import run_layer_test
from tests.trainer.keras_process import run_keras


def test_inference_is_the_identity():
    x = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
    for layer in (layers.GaussianNoise(0.5), layers.GaussianDropout(0.4)):
        np.testing.assert_array_equal(deepfit.ops.convert_to_numpy(layer(x)), x)


def test_training_noise_has_keras_moments():
    deepfit.utils.set_random_seed(0)
    ones = torch.ones(200_000)
    added = layers.GaussianNoise(0.5)(ones, training=True) - 1
    scaled = layers.GaussianDropout(0.2)(ones, training=True)
    assert abs(float(added.mean())) < 0.01 and abs(float(added.std()) - 0.5) < 0.01
    assert abs(float(scaled.mean()) - 1) < 0.01
    assert abs(float(scaled.std()) - (0.2 / 0.8) ** 0.5) < 0.01


def test_models_train_with_noise_and_bad_arguments_are_named():
    model = deepfit.Sequential([deepfit.Input((3,)), layers.GaussianNoise(0.1),
                                layers.Dense(1), layers.GaussianDropout(0.1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(1).normal(size=(32, 3)).astype("float32")
    history = model.fit(x, x.sum(1, keepdims=True), epochs=5, verbose=0).history
    assert history["loss"][-1] < history["loss"][0]
    with pytest.raises(ValueError, match="stddev"):
        layers.GaussianNoise(-1.0)
    with pytest.raises(ValueError, match="rate"):
        layers.GaussianDropout(1.5)


# AlphaDropout: values either `a * x + b` (kept) or `a * (-alpha * scale) + b` (dropped), with
# Keras's constants, so zero inputs give exactly two values on both sides.
_ALPHA_PROGRAM = """
layer = keras.layers.AlphaDropout(0.3, noise_shape=(None, 1, 4), seed=1)
x = np.zeros((400, 5, 4), "float32")
out = keras.ops.convert_to_numpy(layer(x, training=True))
found = {"values": np.unique(out.round(6)), "inference": keras.ops.convert_to_numpy(layer(x + 1)),
         "same_over_axis_1": np.array(float((out == out[:, :1]).all())),
         "keys": np.array(sorted(layer.get_config())),
         "noise_shape": np.array(layer.get_config()["noise_shape"], dtype="float32"),
         "zero_rate": keras.ops.convert_to_numpy(keras.layers.AlphaDropout(0.0)(x + 2,
                                                                               training=True))}
normal = np.random.default_rng(0).normal(size=(200_000,)).astype("float32")
dropped = keras.ops.convert_to_numpy(keras.layers.AlphaDropout(0.2)(normal, training=True))
found["moments"] = np.array([dropped.mean(), dropped.std()])
"""


def test_alpha_dropout_matches_keras():
    expected = run_keras(_ALPHA_PROGRAM + "result.update(found)\n")
    deepfit.utils.set_random_seed(0)
    scope = {"keras": deepfit, "np": np}
    exec(_ALPHA_PROGRAM, scope)  # noqa: S102 - the shared program text above
    ours = scope["found"]
    assert sorted(ours) == sorted(expected)
    assert list(ours["keys"]) == list(expected["keys"])
    assert len(expected["values"]) == 2
    np.testing.assert_allclose(ours["values"], expected["values"], rtol=1e-6)
    for key in ("inference", "same_over_axis_1", "noise_shape", "zero_rate"):
        np.testing.assert_array_equal(ours[key], expected[key], err_msg=key)
    # both keep standardized inputs standardized (to sampling error)
    np.testing.assert_allclose(ours["moments"], [0, 1], atol=0.01)
    np.testing.assert_allclose(expected["moments"], [0, 1], atol=0.01)


def test_alpha_dropout_contract_and_errors():
    run_layer_test(layers.AlphaDropout, {"rate": 0.5}, (2, 3), (2, 3), expected_params=0)
    with pytest.raises(ValueError, match="rate.*Received: rate=1.5"):
        layers.AlphaDropout(1.5)
    with pytest.raises(ValueError, match="AlphaDropout.*rate=1"):
        layers.AlphaDropout(1.0)(np.ones((2, 2), "float32"), training=True)
    model = deepfit.Sequential([deepfit.Input((3,)), layers.Dense(8, activation="selu"),
                                layers.AlphaDropout(0.1), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(2).normal(size=(64, 3)).astype("float32")
    history = model.fit(x, x.sum(1, keepdims=True), epochs=5, verbose=0).history
    assert history["loss"][-1] < history["loss"][0]
