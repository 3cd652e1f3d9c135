"""clone_model of a compiled model returns a compiled clone, as Keras 3 does (a fresh optimizer
of the same class and settings, the same loss and metrics); `get_compile_config` and
`compile_from_config` are public Model methods. Checked against real Keras."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepfit
from deepfit import layers
from tests.keras_process import keras_available, run_keras

pytestmark = pytest.mark.skipif(not keras_available(), reason="needs Keras")

KERAS_CODE = """
import keras
seq = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
seq.compile(keras.optimizers.Adam(0.01, beta_1=0.8), "mse", metrics=["mae"])
i = keras.Input((3,))
fn = keras.Model(i, layers.Dense(2)(i))
fn.compile("sgd", "mae")
plain = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
for name, model in (("seq", seq), ("fn", fn), ("plain", plain)):
    clone = keras.models.clone_model(model)
    results[name + "_compiled"] = np.array(clone.compiled)
    if clone.compiled:
        results[name + "_fresh"] = np.array(clone.optimizer is not model.optimizer)
        config = clone.optimizer.get_config()
        results[name + "_opt"] = np.array([type(clone.optimizer).__name__, str(clone.loss)])
        results[name + "_lr"] = np.array(float(config["learning_rate"]))
        h = clone.fit(inputs["x"], inputs["y"], epochs=1, verbose=0)
        results[name + "_logs"] = np.array(sorted(h.history))
"""


def _models():
    seq = deepfit.Sequential([deepfit.Input((3,)), layers.Dense(2)])
    seq.compile(deepfit.optimizers.Adam(0.01, beta_1=0.8), "mse", metrics=["mae"])
    i = deepfit.Input((3,))
    fn = deepfit.Model(i, layers.Dense(2)(i))
    fn.compile("sgd", "mae")
    plain = deepfit.Sequential([deepfit.Input((3,)), layers.Dense(2)])
    return {"seq": seq, "fn": fn, "plain": plain}


def test_clones_of_compiled_models_are_compiled_as_in_keras():
    rng = np.random.default_rng(0)
    x, y = rng.random((8, 3)).astype("float32"), rng.random((8, 2)).astype("float32")
    keras_found = run_keras(KERAS_CODE, x=x, y=y)
    for name, model in _models().items():
        clone = deepfit.models.clone_model(model)
        assert clone.compiled == bool(keras_found[name + "_compiled"]), name
        if not clone.compiled:
            continue
        assert clone.optimizer is not model.optimizer
        config = clone.optimizer.get_config()
        assert [type(clone.optimizer).__name__, str(clone.loss)] == \
            keras_found[name + "_opt"].tolist()
        np.testing.assert_allclose(config["learning_rate"], keras_found[name + "_lr"],
                                   rtol=1e-6)
        if name == "seq":
            assert config["beta_1"] == 0.8
        history = clone.fit(x, y, epochs=1, verbose=0)
        assert sorted(history.history) == keras_found[name + "_logs"].tolist()


def test_compile_config_round_trip_and_custom_compile_warning():
    model = _models()["seq"]
    config = model.get_compile_config()
    assert config["optimizer"]["class_name"] == "Adam" and config["loss"] == "mse"
    assert deepfit.Sequential([layers.Dense(1)]).get_compile_config() == {}

    class OwnCompile(deepfit.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = layers.Dense(2)

        def call(self, x):
            return self.dense(x)

        def compile(self, **kwargs):  # a custom compile: Keras skips compile_from_config
            super().compile(optimizer="adam", loss="mse")

    own = OwnCompile()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        own.compile_from_config(config)
    assert not own.compiled
    assert any("overrides compile()" in str(w.message) for w in caught)
