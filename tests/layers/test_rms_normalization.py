"""RMSNormalization and ActivityRegularization against real Keras: the same weights give the same
outputs, losses, training and config keys; layer contracts; a saved model loads in Keras."""

from __future__ import annotations

import numpy as np
import pytest

import deepfit
from deepfit import layers
from tests.layer_test_utils import run_layer_test
from tests.layers.keras_parity import assert_keras_loads_same, assert_results_match, run_both

# Runs as is on both sides: `keras` is real Keras there and deepfit here.
_PROGRAM = """
def cases(inputs):
    found = {}
    x = inputs["x"]
    for key, kwargs in [("last", {}), ("two", {"axis": [2, 3], "epsilon": 1e-3}),
                        ("reversed", {"axis": (3, 2)})]:
        layer = keras.layers.RMSNormalization(**kwargs)
        layer.build(x.shape)
        layer.set_weights(seeded_weights(layer, len(key)))
        found[key] = keras.ops.convert_to_numpy(layer(x))
        config = layer.get_config()
        found[key + "_axis"] = np.array(config["axis"])
        found[key + "_keys"] = np.array(sorted(config))
    regularized = keras.layers.ActivityRegularization(l1=0.01, l2=0.1)
    found["identity"] = keras.ops.convert_to_numpy(regularized(x))
    found["penalty"] = keras.ops.convert_to_numpy(regularized.losses[0])
    found["activity_keys"] = np.array(sorted(regularized.get_config()))
    return found


def train(inputs):
    x = keras.Input((6,))
    h = keras.layers.RMSNormalization()(keras.layers.Dense(4)(x))
    h = keras.layers.ActivityRegularization(l2=0.05)(h)
    model = keras.Model(x, keras.layers.Dense(1)(h))
    return fit_and_collect(model, inputs, inputs["train_x"], 0.05, seeded_weights(model, 3))
"""


def _data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(17)
    return {"x": (rng.normal(size=(2, 3, 4, 5)) * 2).astype("float32"),
            "train_x": rng.normal(size=(16, 6)).astype("float32"),
            "train_y": rng.normal(size=(16, 1)).astype("float32")}


def test_outputs_losses_and_training_match_keras():
    assert_results_match(*run_both(_PROGRAM, _data()), atol=1e-5)


@pytest.mark.parametrize("cls, kwargs, params", [
    (layers.RMSNormalization, {}, 4),
    (layers.RMSNormalization, {"axis": [1, 2]}, 12),
    (layers.ActivityRegularization, {"l1": 0.1}, 0),
])
def test_layer_contract(cls, kwargs, params):
    run_layer_test(cls, kwargs, (2, 3, 4), (2, 3, 4), expected_params=params)


def test_middle_axis_normalizes_that_axis():
    x = np.random.default_rng(0).normal(size=(2, 3, 4)).astype("float32")
    out = deepfit.ops.convert_to_numpy(layers.RMSNormalization(axis=1, epsilon=0)(x))
    np.testing.assert_allclose((out ** 2).mean(axis=1), 1, rtol=1e-5)
    with pytest.raises(ValueError, match="axis 3 is out of bounds"):
        layers.RMSNormalization(axis=3)(x)
    with pytest.raises(TypeError, match="axis must be an int"):
        layers.RMSNormalization(axis="last")


def test_saved_model_loads_in_keras(tmp_path):
    inp = deepfit.Input((3, 4))
    hidden = layers.RMSNormalization(axis=[1, 2])(layers.ActivityRegularization(l1=0.1)(inp))
    model = deepfit.Model(inp, layers.Dense(2)(hidden))
    model.layers[2].set_weights([np.linspace(0.5, 2, 12, dtype="float32").reshape(3, 4)])
    x = np.random.default_rng(1).normal(size=(2, 3, 4)).astype("float32")
    assert_keras_loads_same(model, x, tmp_path / "rms.keras")
