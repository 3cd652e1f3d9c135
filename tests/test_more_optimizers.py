"""Adafactor, Ftrl, Lamb, Muon, ScheduleFreeAdamW and LossScaleOptimizer against real Keras
(torch backend, in its own process): several update steps on variables of rank 1, 2 and 3
from the same gradients; `fit` on a small model from the same initial weights (History and
final weights); configs; dynamic loss scaling (growth, halving on non-finite gradients);
clear errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import deepfit
from deepfit import optimizers
from tests.trainer.keras_process import run_keras

RNG = np.random.default_rng(11)
SHAPES = [(3, 4), (4,), (2, 3, 2), (1,)]
INIT = [RNG.normal(size=s).astype("float32") for s in SHAPES]
GRADS = [[RNG.normal(size=s).astype("float32") for s in SHAPES] for _ in range(5)]
GRADS[2][0][1, 1] = 0.0

CASES = {
    "adafactor": ("Adafactor", {"learning_rate": 0.1}),
    "adafactor_opts": ("Adafactor", {"learning_rate": 0.01, "beta_2_decay": -0.5,
                                     "clip_threshold": 0.5, "epsilon_2": 0.01,
                                     "weight_decay": 0.1}),
    "ftrl": ("Ftrl", {"learning_rate": 0.1}),
    "ftrl_reg": ("Ftrl", {"learning_rate": 0.2, "learning_rate_power": -0.7,
                          "initial_accumulator_value": 0.5, "l1_regularization_strength": 0.05,
                          "l2_regularization_strength": 0.1,
                          "l2_shrinkage_regularization_strength": 0.02, "beta": 0.3}),
    "lamb": ("Lamb", {"learning_rate": 0.01}),
    "lamb_opts": ("Lamb", {"learning_rate": 0.05, "beta_1": 0.8, "beta_2": 0.99,
                           "epsilon": 1e-5, "global_clipnorm": 1.0}),
    "schedule_free": ("ScheduleFreeAdamW", {"learning_rate": 0.01}),
    "schedule_free_warm": ("ScheduleFreeAdamW", {"learning_rate": 0.05, "warmup_steps": 3,
                                                 "beta_1": 0.8, "weight_decay": 0.01}),
    "muon": ("Muon", {"learning_rate": 0.02}),
    "muon_opts": ("Muon", {"learning_rate": 0.01, "nesterov": False, "rms_rate": None,
                           "adam_lr_ratio": 0.5, "weight_decay": 0.1, "momentum": 0.9,
                           "ns_steps": 3}),
}
FIT_CASES = {
    "adafactor": ("Adafactor", {"learning_rate": 0.05}),
    "ftrl": ("Ftrl", {"learning_rate": 0.2, "l1_regularization_strength": 0.001}),
    "lamb": ("Lamb", {"learning_rate": 0.02}),
    "schedule_free": ("ScheduleFreeAdamW", {"learning_rate": 0.01, "warmup_steps": 2}),
    "muon": ("Muon", {"learning_rate": 0.01}),
    "lso_adam": ("LossScaleOptimizer", {"initial_scale": 1024.0, "dynamic_growth_steps": 3}),
    "sgd_scaled": ("SGD", {"learning_rate": 0.05, "loss_scale_factor": 8.0}),
}
X = RNG.normal(size=(48, 5)).astype("float32")
Y = (X @ RNG.normal(size=(5, 1)) + 0.1 * RNG.normal(size=(48, 1))).astype("float32")
W0 = [RNG.normal(size=(5, 8)).astype("float32") * 0.5, np.zeros(8, "float32"),
      RNG.normal(size=(8, 1)).astype("float32") * 0.5, np.zeros(1, "float32")]

_KERAS = f"""
cases, fit_cases = {CASES!r}, {FIT_CASES!r}
shapes = {SHAPES!r}
init = [inputs[f"init{{i}}"] for i in range(len(shapes))]
for name, (cls, kwargs) in cases.items():
    opt = getattr(keras.optimizers, cls)(**kwargs)
    variables = [keras.Variable(v) for v in init]
    for step in range(5):
        grads = [keras.ops.convert_to_tensor(inputs[f"g{{step}}_{{i}}"])
                 for i in range(len(shapes))]
        opt.apply_gradients(zip(grads, variables))
    result[name] = [keras.ops.convert_to_numpy(v) for v in variables]
    config = opt.get_config()
    config.pop("name")
    result[name + "_config"] = json.dumps(config)

def make(cls, kwargs):
    if cls == "LossScaleOptimizer":
        return keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam(0.01), **kwargs)
    return getattr(keras.optimizers, cls)(**kwargs)

for name, (cls, kwargs) in fit_cases.items():
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(8, activation="tanh"),
                              keras.layers.Dense(1)])
    model.set_weights([inputs[f"w{{i}}"] for i in range(4)])
    opt = make(cls, kwargs)
    model.compile(opt, "mse")
    history = model.fit(inputs["x"], inputs["y"], batch_size=8, epochs=3, shuffle=False,
                        verbose=0)
    result[f"fit_{{name}}_loss"] = np.array(history.history["loss"])
    result[f"fit_{{name}}_weights"] = model.get_weights()
    if cls == "LossScaleOptimizer":
        result[f"fit_{{name}}_scale"] = np.array(float(opt.dynamic_scale))
        result[f"fit_{{name}}_config"] = json.dumps(opt.get_config())

# Dynamic scaling: non-finite gradients skip the step and halve the scale.
opt = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(0.5), initial_scale=8.0,
                                          dynamic_growth_steps=2)
v = keras.Variable(np.ones(2, "float32"))
scales, values = [], []
for g in ([8.0, 16.0], [np.inf, 1.0], [4.0, 4.0], [2.0, 2.0], [np.nan, 0.0], [1.0, 1.0]):
    opt.apply([keras.ops.convert_to_tensor(np.array(g, "float32"))], [v])
    scales.append(float(opt.dynamic_scale))
    values.append(keras.ops.convert_to_numpy(v).copy())
result["lso_scales"] = np.array(scales)
result["lso_values"] = np.array(values)
result["lso_iterations"] = np.array(int(opt.iterations))
"""


@pytest.fixture(scope="module")
def theirs():
    arrays = {f"init{i}": v for i, v in enumerate(INIT)}
    arrays.update({f"g{s}_{i}": g for s, step in enumerate(GRADS) for i, g in enumerate(step)})
    arrays.update({f"w{i}": w for i, w in enumerate(W0)})
    return run_keras(_KERAS, x=X, y=Y, **arrays)


def _make(cls, kwargs):
    if cls == "LossScaleOptimizer":
        return optimizers.LossScaleOptimizer(optimizers.Adam(0.01), **kwargs)
    return getattr(optimizers, cls)(**kwargs)


def test_update_steps_equal_keras(theirs):
    for name, (cls, kwargs) in CASES.items():
        opt = getattr(optimizers, cls)(**kwargs)
        params = [torch.nn.Parameter(torch.tensor(v)) for v in INIT]
        for step in GRADS:
            opt.apply_gradients(zip([torch.tensor(g) for g in step], params))
        for i, p in enumerate(params):
            np.testing.assert_allclose(p.detach().numpy(), theirs[name][i], rtol=2e-5,
                                       atol=2e-6, err_msg=f"{name} variable {i}")
        config, expected = opt.get_config(), json.loads(theirs[name + "_config"])
        config.pop("name")
        # Keras stores the rate in a float32 variable: 0.1 comes back as 0.10000000149.
        assert config.pop("learning_rate") == pytest.approx(expected.pop("learning_rate"))
        assert config == expected, name
        rebuilt = getattr(optimizers, cls).from_config(opt.get_config())
        assert rebuilt.get_config() == opt.get_config()
        assert type(optimizers.deserialize(optimizers.serialize(opt))) is type(opt)
        assert type(optimizers.get(cls.lower())) is type(opt)


def test_fit_history_and_weights_equal_keras(theirs):
    for name, (cls, kwargs) in FIT_CASES.items():
        deepfit.utils.set_random_seed(0)
        model = deepfit.Sequential([deepfit.Input((5,)),
                                    deepfit.layers.Dense(8, activation="tanh"),
                                    deepfit.layers.Dense(1)])
        model.set_weights(W0)
        opt = _make(cls, kwargs)
        model.compile(opt, "mse")
        history = model.fit(X, Y, batch_size=8, epochs=3, shuffle=False, verbose=0)
        np.testing.assert_allclose(history.history["loss"], theirs[f"fit_{name}_loss"],
                                   rtol=2e-5, err_msg=name)
        for i, w in enumerate(model.get_weights()):
            np.testing.assert_allclose(w, theirs[f"fit_{name}_weights"][i], rtol=5e-5,
                                       atol=5e-6, err_msg=f"{name} weight {i}")
        if cls == "LossScaleOptimizer":
            assert float(opt.dynamic_scale) == float(theirs[f"fit_{name}_scale"])
            expected = json.loads(theirs[f"fit_{name}_config"])
            config = opt.get_config()
            for entry in (expected, config):
                entry.pop("name")
                inner = entry["inner_optimizer"]
                # Keras names its torch-backend Adam's module there; compare the rest.
                inner.pop("module"), inner.pop("registered_name"), inner["config"].pop("name")
                inner["config"]["learning_rate"] = pytest.approx(0.01)
            assert config == expected


def test_dynamic_loss_scaling_equals_keras(theirs):
    opt = optimizers.LossScaleOptimizer(optimizers.SGD(0.5), initial_scale=8.0,
                                        dynamic_growth_steps=2)
    v = torch.nn.Parameter(torch.ones(2))
    scales, values = [], []
    for g in ([8.0, 16.0], [np.inf, 1.0], [4.0, 4.0], [2.0, 2.0], [np.nan, 0.0], [1.0, 1.0]):
        opt.apply([torch.tensor(g)], [v])
        scales.append(float(opt.dynamic_scale))
        values.append(v.detach().numpy().copy())
    np.testing.assert_array_equal(scales, theirs["lso_scales"])
    np.testing.assert_allclose(values, theirs["lso_values"], rtol=1e-6)
    assert int(opt.iterations) == int(theirs["lso_iterations"])
    assert float(opt.scale_loss(torch.tensor(1.0))) == scales[-1]


def test_namespaces_and_state_round_trip():
    from deepfit.compat.keras import mixed_precision
    from deepfit.compat.keras import optimizers as keras_optimizers

    assert mixed_precision.LossScaleOptimizer is optimizers.LossScaleOptimizer
    for name in ("Adafactor", "Ftrl", "Lamb", "LossScaleOptimizer", "Muon",
                 "ScheduleFreeAdamW"):
        assert getattr(keras_optimizers, name) is getattr(optimizers, name)
    opt = optimizers.LossScaleOptimizer(optimizers.Adafactor(0.1), initial_scale=4.0)
    params = [torch.nn.Parameter(torch.tensor(v)) for v in INIT]
    opt.apply([torch.tensor(g) for g in GRADS[0]], params)
    state = opt.get_state()
    other = optimizers.LossScaleOptimizer(optimizers.Adafactor(0.1), initial_scale=4.0)
    other_params = [torch.nn.Parameter(p.detach().clone()) for p in params]
    other.build(other_params)
    other.set_state(state)
    for step in GRADS[1:3]:
        opt.apply([torch.tensor(g) for g in step], params)
        other.apply([torch.tensor(g) for g in step], other_params)
    for a, b in zip(params, other_params):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    rebuilt = optimizers.deserialize(optimizers.serialize(opt))
    assert isinstance(rebuilt.inner_optimizer, optimizers.Adafactor)
    assert rebuilt.initial_scale == 4.0


def test_bad_arguments():
    with pytest.raises(ValueError, match="`learning_rate_power` needs to be negative or zero"):
        optimizers.Ftrl(learning_rate_power=0.5)
    with pytest.raises(ValueError, match="`l1_regularization_strength` needs to be positive"):
        optimizers.Ftrl(l1_regularization_strength=-1.0)
    with pytest.raises(TypeError, match="beta_1: expected a number"):
        optimizers.Lamb(beta_1="0.9")
    with pytest.raises(ValueError, match="does not support `clipnorm`"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), clipnorm=1.0)
    with pytest.raises(ValueError, match="dynamic=False"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), dynamic=False)
    with pytest.raises(TypeError, match="inner_optimizer: expected an Optimizer"):
        optimizers.LossScaleOptimizer("adam")
