"""MultiOptimizer and OptimizerMap against real Keras (torch backend, own process): a model
whose layers train with different optimizers (routed by exact path and by regular
expression) gives Keras's History and weights; routing rules, config round trip, errors."""

from __future__ import annotations

import numpy as np
import pytest

import deepfit
from deepfit import optimizers
from tests.trainer.keras_process import run_keras

RNG = np.random.default_rng(21)
X = RNG.normal(size=(40, 4)).astype("float32")
Y = (X @ RNG.normal(size=(4, 1))).astype("float32")
W0 = [RNG.normal(size=(4, 6)).astype("float32") * 0.5, np.zeros(6, "float32"),
      RNG.normal(size=(6, 1)).astype("float32") * 0.5, np.zeros(1, "float32")]

_MODEL = """
model = K.Sequential([K.Input((4,)), K.layers.Dense(6, activation="tanh", name="first"),
                      K.layers.Dense(1, name="second")])
model.set_weights(W0)
mapping = K.optimizers.OptimizerMap(
    K.optimizers.Adam(0.01),
    {".*second/.*": K.optimizers.SGD(0.05, momentum=0.5),
     ".*first/bias": K.optimizers.Lamb(0.01)})
opt = K.optimizers.MultiOptimizer(mapping)
model.compile(opt, "mse")
history = model.fit(X, Y, batch_size=8, epochs=3, shuffle=False, verbose=0)
"""


def test_fit_equals_keras():
    theirs = run_keras("K = keras\nX, Y = inputs['x'], inputs['y']\n"
                       "W0 = [inputs[f'w{i}'] for i in range(4)]\n" + _MODEL + """
result["loss"] = np.array(history.history["loss"])
result["weights"] = model.get_weights()
result["iterations"] = np.array(int(opt.iterations))
""", x=X, y=Y, **{f"w{i}": w for i, w in enumerate(W0)})
    scope = {"K": deepfit, "X": X, "Y": Y, "W0": W0}
    exec(_MODEL, scope)  # noqa: S102 - the same program on deepfit
    np.testing.assert_allclose(scope["history"].history["loss"], theirs["loss"], rtol=2e-5)
    for ours, keras_weight in zip(scope["model"].get_weights(), theirs["weights"]):
        np.testing.assert_allclose(ours, keras_weight, rtol=5e-5, atol=5e-6)
    assert int(scope["opt"].iterations) == int(theirs["iterations"])
    inner = scope["opt"].optimizers
    assert [type(o).__name__ for o in inner] == ["SGD", "Lamb", "Adam"]


def test_routing_config_and_errors():
    adam, sgd = optimizers.Adam(), optimizers.SGD()
    mapping = optimizers.OptimizerMap(adam, {"a/.*": sgd})
    assert mapping["a/kernel"] is sgd and mapping["b/kernel"] is adam
    mapping["a/kernel"] = optimizers.Lion()
    assert isinstance(mapping["a/kernel"], optimizers.Lion)  # an exact key comes first
    opt = optimizers.MultiOptimizer(optimizers.OptimizerMap(adam, {"x.*": sgd}),
                                    loss_scale_factor=4.0)
    assert adam.loss_scale_factor == 4.0 and sgd.loss_scale_factor == 4.0
    rebuilt = optimizers.deserialize(optimizers.serialize(opt))
    assert isinstance(rebuilt, optimizers.MultiOptimizer)
    assert [type(o) for o in rebuilt.optimizers] == [optimizers.SGD, optimizers.Adam]
    with pytest.raises(AttributeError, match="Learning rate cannot be accessed"):
        _ = opt.learning_rate
    with pytest.raises(ValueError, match="Multiple optimizers"):
        optimizers.OptimizerMap(adam, {"a.*": sgd, ".*b": sgd})["ab"]
    with pytest.raises(ValueError, match="already exists"):
        mapping["a/.*"] = sgd
    with pytest.raises(ValueError, match="cannot be LossScaleOptimizer"):
        mapping["c"] = optimizers.LossScaleOptimizer(optimizers.SGD())
    with pytest.raises(TypeError, match="default_optimizer must be"):
        optimizers.OptimizerMap("adam")


@pytest.mark.parametrize("make", [
    lambda: optimizers.Adafactor(0.05), lambda: optimizers.Ftrl(0.1), lambda: optimizers.Lamb(),
    lambda: optimizers.Muon(0.01), lambda: optimizers.ScheduleFreeAdamW(),
    lambda: optimizers.LossScaleOptimizer(optimizers.Adam()),
    lambda: optimizers.MultiOptimizer(optimizers.OptimizerMap(
        optimizers.Adam(0.01), {".*bias": optimizers.SGD(0.1, momentum=0.9)})),
], ids=["adafactor", "ftrl", "lamb", "muon", "schedule_free", "loss_scale", "multi"])
def test_saved_and_loaded_models_resume_training_identically(tmp_path, make):
    deepfit.utils.set_random_seed(1)
    model = deepfit.Sequential([deepfit.Input((4,)), deepfit.layers.Dense(6, activation="tanh"),
                                deepfit.layers.Dense(1)])
    model.compile(make(), "mse")
    model.fit(X, Y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = deepfit.models.load_model(path)
    assert type(loaded.optimizer) is type(model.optimizer)
    for each in (model, loaded):
        each.fit(X, Y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
