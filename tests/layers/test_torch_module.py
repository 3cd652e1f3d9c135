"""Torch modules inside deepfit models, without any change to torch itself."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

import deepfit
from deepfit import layers


def test_importing_deepfit_leaves_torch_module_call_alone():
    code = ("import torch; f = torch.nn.Module.__call__; import deepfit; "
            "import deepfit.compat.keras; assert torch.nn.Module.__call__ is f")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


@pytest.mark.parametrize("module", [torch.nn.Linear(4, 3), torch.nn.Tanh(),
                                    torch.nn.BatchNorm1d(4)])
def test_bare_torch_module_on_a_symbolic_input_says_to_wrap_it(module):
    inputs = deepfit.Input((4,))
    with pytest.raises((TypeError, AttributeError),
                       match=rf"{type(module).__name__} .*deepfit.layers.TorchModule"):
        module(inputs)
    assert "_deepfit_layer" not in module.__dict__


def test_torch_function_on_a_symbolic_input_names_lambda():
    with pytest.raises(TypeError, match="'relu'.*Lambda"):
        torch.relu(deepfit.Input((4,)))


def test_wrapped_module_is_one_shared_layer_and_plain_calls_still_work():
    linear = torch.nn.Linear(4, 4)
    wrapper = layers.TorchModule(linear)
    inputs = deepfit.Input((4,))
    model = deepfit.Model(inputs, wrapper(wrapper(inputs)))
    assert model.count_params() == 20
    x = torch.randn(3, 4)
    np.testing.assert_allclose(model(x).detach().numpy(), linear(linear(x)).detach().numpy(),
                               rtol=1e-6)


def test_torch_module_assigned_to_a_layer_attribute_trains():
    class Head(layers.Layer):
        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(3, 1)

        def call(self, inputs):
            return self.linear(inputs)

    model = deepfit.Sequential([deepfit.Input((3,)), Head()])
    assert model.count_params() == 4
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [0.5]], dtype="float32")
    model.compile(optimizer=deepfit.optimizers.SGD(0.1), loss="mse")
    history = model.fit(x, y, epochs=30, verbose=0)
    assert history.history["loss"][-1] < 1e-3


def test_layer_call_runs_torch_global_forward_hooks():
    seen = []
    handle = torch.nn.modules.module.register_module_forward_hook(
        lambda module, args, output: seen.append(type(module).__name__))
    try:
        layers.Dense(2)(torch.ones(1, 3))
    finally:
        handle.remove()
    assert seen == ["Dense"]


# TorchModuleWrapper: the same program with Keras's and deepfit's wrapper
_WRAPPER_PROGRAM = """
import torch


def cases(inputs):
    found = {}
    x = inputs["x"]
    dropout = keras.layers.TorchModuleWrapper(torch.nn.Dropout(0.5))
    found["default_is_training"] = np.array(
        float((keras.ops.convert_to_numpy(dropout(x)) == 0).any()))
    found["inference"] = keras.ops.convert_to_numpy(dropout(x, training=False))
    return found


def train(inputs):
    model = keras.Sequential([keras.Input((4,)),
                              keras.layers.TorchModuleWrapper(torch.nn.Linear(4, 3)),
                              keras.layers.Dense(1)])
    model(inputs["train_x"][:1])  # Keras's Sequential leaves Dense unbuilt after the wrapper
    return fit_and_collect(model, inputs, inputs["train_x"], 0.05, seeded_weights(model, 2))
"""


def test_torch_module_wrapper_matches_keras():
    from tests.layers.keras_parity import assert_results_match, run_both

    rng = np.random.default_rng(0)
    data = {"x": rng.normal(size=(8, 16)).astype("float32") + 3,
            "train_x": rng.normal(size=(16, 4)).astype("float32"),
            "train_y": rng.normal(size=(16, 1)).astype("float32")}
    ours, expected = run_both(_WRAPPER_PROGRAM, data)
    assert_results_match(ours, expected)
    assert expected["default_is_training"] == 1.0
    with pytest.raises(ValueError, match="LazyModules are not supported"):
        deepfit.layers.TorchModuleWrapper(torch.nn.LazyLinear(3))
