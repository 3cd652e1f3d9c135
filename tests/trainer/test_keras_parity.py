"""Parity with real Keras (torch backend, same torch): the same initial weights and unshuffled
data give the same per-epoch losses and metrics."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras", reason="the parity extra (keras) is not installed")
if keras.backend.backend() != "torch":  # pragma: no cover - another backend was preselected
    pytest.skip("keras is configured with a backend other than torch", allow_module_level=True)

import deepfit  # noqa: E402
from deepfit import layers  # noqa: E402

OPTIMIZERS = {
    "adam": (lambda: keras.optimizers.Adam(0.01), lambda: deepfit.optimizers.Adam(0.01)),
    "sgd_momentum": (lambda: keras.optimizers.SGD(0.05, momentum=0.9),
                     lambda: deepfit.optimizers.SGD(0.05, momentum=0.9)),
    "rmsprop": (lambda: keras.optimizers.RMSprop(0.005), lambda: deepfit.optimizers.RMSprop(0.005)),
}


def _data():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(200, 12)).astype("float32")
    y = (x[:, :3].sum(axis=1) > 0).astype("int64") + (x[:, 3] > 1).astype("int64")
    return x, y


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_per_epoch_losses_match_keras(name):
    make_keras_optimizer, make_our_optimizer = OPTIMIZERS[name]
    x, y = _data()
    reference = keras.Sequential([keras.Input((12,)), keras.layers.Dense(16, activation="relu"),
                                  keras.layers.Dense(3, activation="softmax")])
    reference.compile(optimizer=make_keras_optimizer(), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
    ours = deepfit.Sequential([deepfit.Input((12,)), layers.Dense(16, activation="relu"),
                               layers.Dense(3, activation="softmax")])
    ours.compile(optimizer=make_our_optimizer(), loss="sparse_categorical_crossentropy",
                 metrics=["accuracy"])
    ours.set_weights(reference.get_weights())

    expected = reference.fit(x, y, epochs=5, batch_size=16, shuffle=False, verbose=0,
                             validation_split=0.2).history
    actual = ours.fit(x, y, epochs=5, batch_size=16, shuffle=False, verbose=0,
                      validation_split=0.2).history
    assert list(actual) == list(expected)
    for key in expected:
        np.testing.assert_allclose(actual[key], expected[key], rtol=2e-4, atol=2e-5,
                                   err_msg=f"{name}: {key}")
    for ours_w, keras_w in zip(ours.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(ours_w, keras_w, rtol=1e-3, atol=1e-5)


def test_regression_with_mae_matches_keras():
    x, _ = _data()
    target = (x @ np.linspace(-1, 1, 12)).astype("float32")
    reference = keras.Sequential([keras.Input((12,)), keras.layers.Dense(8, activation="tanh"),
                                  keras.layers.Dense(1)])
    reference.compile(optimizer="adam", loss="mse", metrics=["mae"])
    ours = deepfit.Sequential([deepfit.Input((12,)), layers.Dense(8, activation="tanh"),
                               layers.Dense(1)])
    ours.compile(optimizer="adam", loss="mse", metrics=["mae"])
    ours.set_weights(reference.get_weights())
    expected = reference.fit(x, target, epochs=3, shuffle=False, verbose=0).history
    actual = ours.fit(x, target, epochs=3, shuffle=False, verbose=0).history
    for key in expected:
        np.testing.assert_allclose(actual[key], expected[key], rtol=2e-4, err_msg=key)
