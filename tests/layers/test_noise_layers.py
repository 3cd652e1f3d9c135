"""GaussianNoise and GaussianDropout: identity at inference; while training, noise with
Keras's moments (additive N(0, stddev^2); multiplicative N(1, rate / (1 - rate)))."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import deepfit
from deepfit import layers


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
