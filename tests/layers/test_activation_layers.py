"""Activation layers (Softmax with a mask, ReLU, LeakyReLU with the legacy `alpha`, PReLU, ELU):
the shared layer checks, Keras's errors, and outputs and configs equal to real Keras's (run in a
separate process)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

import deepfit
from deepfit.layers import ELU, LeakyReLU, PReLU, ReLU, Softmax
from tests.layer_test_utils import run_layer_test

X = np.array([[[-2.0, -0.5, 0.0], [0.25, 1.5, 7.0]], [[3.0, -4.0, 0.75], [-0.1, 0.6, 2.0]]],
             dtype=np.float32)
MASK = np.array([[[True, False, True], [True, True, True]],
                 [[False, True, True], [True, True, False]]])
ALPHA = np.array([[0.1, 0.2, 0.3]], dtype=np.float32)

CASES = {
    "softmax": ("Softmax", {"axis": -1}),
    "softmax_axis1": ("Softmax", {"axis": 1}),
    "softmax_axes": ("Softmax", {"axis": [1, 2]}),
    "relu": ("ReLU", {}),
    "relu_all": ("ReLU", {"max_value": 1.0, "negative_slope": 0.1, "threshold": 0.5}),
    "leaky": ("LeakyReLU", {"negative_slope": 0.2}),
    "leaky_default": ("LeakyReLU", {}),
    "elu": ("ELU", {"alpha": 0.5}),
    "prelu": ("PReLU", {"shared_axes": [1]}),
}

KERAS_SCRIPT = """
import json, sys
import numpy as np
import keras
x = np.array(json.loads(sys.argv[1]), dtype="float32")
mask = np.array(json.loads(sys.argv[2]))
alpha = np.array(json.loads(sys.argv[3]), dtype="float32")
cases = json.loads(sys.argv[4])
out = {}
for key, (cls, kwargs) in cases.items():
    layer = getattr(keras.layers, cls)(**kwargs)
    y = layer(x)
    if cls == "PReLU":
        layer.set_weights([alpha])
        y = layer(x)
    config = layer.get_config()
    for k in ("name", "trainable", "dtype"):
        config.pop(k, None)
    out[key] = {"y": keras.ops.convert_to_numpy(y).tolist(), "config": config}
layer = keras.layers.Softmax()
out["softmax_mask"] = {"y": keras.ops.convert_to_numpy(layer(x, mask=mask)).tolist()}
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def keras_outputs():
    if importlib.util.find_spec("keras") is None:
        pytest.skip("real Keras is not installed")
    env = {**os.environ, "KERAS_BACKEND": "torch", "CUDA_VISIBLE_DEVICES": ""}
    env.pop("PYTHONPATH", None)
    done = subprocess.run(
        [sys.executable, "-c", KERAS_SCRIPT, json.dumps(X.tolist()), json.dumps(MASK.tolist()),
         json.dumps(ALPHA.tolist()), json.dumps(CASES)],
        env=env, capture_output=True, text=True, timeout=300, cwd="/")
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("key", sorted(CASES))
def test_outputs_and_configs_equal_keras(keras_outputs, key):
    cls, kwargs = CASES[key]
    layer = getattr(deepfit.layers, cls)(**kwargs)
    y = layer(torch.as_tensor(X))
    if cls == "PReLU":
        layer.set_weights([ALPHA])
        y = layer(torch.as_tensor(X))
    np.testing.assert_allclose(y.detach().numpy(), keras_outputs[key]["y"], rtol=1e-6,
                               atol=1e-7)
    config = layer.get_config()
    for name in ("name", "trainable", "dtype"):
        config.pop(name, None)
    expected = keras_outputs[key]["config"]
    if cls == "PReLU":
        assert config["alpha_initializer"]["class_name"] == "Zeros"
        config.pop("alpha_initializer")
        expected.pop("alpha_initializer")
    assert config == expected
    rebuilt = type(layer).from_config(layer.get_config())
    assert rebuilt.get_config() == layer.get_config()


def test_softmax_mask_equals_keras(keras_outputs):
    y = Softmax()(torch.as_tensor(X), mask=torch.as_tensor(MASK))
    np.testing.assert_allclose(y.numpy(), keras_outputs["softmax_mask"]["y"], rtol=1e-6,
                               atol=1e-7)
    assert (y.numpy()[~MASK] == 0).all()


@pytest.mark.parametrize("cls, kwargs, trainable", [
    (Softmax, {"axis": -1}, 0), (ReLU, {"max_value": 6.0}, 0), (LeakyReLU, {}, 0),
    (ELU, {}, 0), (PReLU, {"shared_axes": [1, 2], "alpha_initializer": "ones"}, 1),
])
def test_shared_layer_checks(cls, kwargs, trainable):
    run_layer_test(cls, kwargs, (4, 5, 6, 3), (4, 5, 6, 3),
                   expected_trainable_weights=trainable, run_training_check=trainable > 0)


def test_prelu_weight_shape_and_count():
    layer = PReLU(shared_axes=[1, 2])
    layer(torch.zeros(2, 8, 8, 3))
    assert tuple(layer.alpha.shape) == (1, 1, 3) and layer.count_params() == 3


def test_legacy_alpha_and_bad_arguments():
    with pytest.warns(UserWarning, match="`alpha` is deprecated"):
        assert LeakyReLU(alpha=0.1).negative_slope == 0.1
    with pytest.raises(ValueError, match="max_value of a ReLU layer cannot be a negative"):
        ReLU(max_value=-1)
    with pytest.raises(ValueError, match="negative_slope of a ReLU layer cannot be None"):
        ReLU(negative_slope=None)
    with pytest.raises(ValueError, match="threshold of a ReLU layer"):
        ReLU(threshold=-1)
    with pytest.raises(ValueError, match="Leaky ReLU layer cannot be None or negative"):
        LeakyReLU(negative_slope=-1)


def test_activation_layers_train_in_a_model():
    deepfit.utils.set_random_seed(0)
    model = deepfit.Sequential([deepfit.Input((4,)), deepfit.layers.Dense(16), PReLU(),
                                deepfit.layers.Dense(3), Softmax()])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    x = np.random.default_rng(0).normal(size=(120, 4)).astype("float32")
    y = np.argmax(x[:, :3], axis=1)
    history = model.fit(x, y, epochs=40, batch_size=16, verbose=0, learning_rate=0.02)
    assert history.history["accuracy"][-1] > 0.9
