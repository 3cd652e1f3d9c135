"""UnitNormalization against real Keras: the same outputs (one axis, several axes, a zero
vector), the same training and config; a saved model loads in Keras."""

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
    for key, axis in [("last", -1), ("inner", [1, 2]), ("first", 1)]:
        layer = keras.layers.UnitNormalization(axis=axis)
        found[key] = keras.ops.convert_to_numpy(layer(x))
        found[key + "_keys"] = np.array(sorted(layer.get_config()))
    found["zeros"] = keras.ops.convert_to_numpy(
        keras.layers.UnitNormalization()(np.zeros((2, 3), "float32")))
    return found


def train(inputs):
    x = keras.Input((4, 5))
    h = keras.layers.UnitNormalization(axis=[1, 2])(keras.layers.Dense(5)(x))
    model = keras.Model(x, keras.layers.Dense(1)(keras.layers.Flatten()(h)))
    return fit_and_collect(model, inputs, inputs["train_x"], 0.5)
"""


def _data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(5)
    data = {"x": rng.normal(size=(2, 3, 4)).astype("float32"),
            "train_x": rng.normal(size=(16, 4, 5)).astype("float32"),
            "train_y": rng.normal(size=(16, 1)).astype("float32")}
    for i, shape in enumerate([(5, 5), (5,), (20, 1), (1,)]):
        data[f"train_{i}"] = (rng.normal(size=shape) * 0.5).astype("float32")
    return data


def test_outputs_training_and_config_match_keras():
    assert_results_match(*run_both(_PROGRAM, _data()))


@pytest.mark.parametrize("axis", [-1, [1, 2]])
def test_layer_contract(axis):
    run_layer_test(layers.UnitNormalization, {"axis": axis}, (2, 3, 4), (2, 3, 4),
                   expected_params=0)


def test_unit_norm_and_bad_axes():
    out = layers.UnitNormalization(axis=(1, 2))(np.random.default_rng(0).normal(
        size=(3, 4, 5)).astype("float32"))
    np.testing.assert_allclose(deepfit.ops.convert_to_numpy(out ** 2).sum(axis=(1, 2)), 1,
                               rtol=1e-6)
    with pytest.raises(TypeError, match="axis.*Received: axis='x'"):
        layers.UnitNormalization(axis="x")
    with pytest.raises(ValueError, match="UnitNormalization.*axis 3 is out of bounds"):
        layers.UnitNormalization(axis=3)(np.zeros((2, 3), "float32"))


def test_saved_model_loads_in_keras(tmp_path):
    inp = deepfit.Input((3, 4))
    model = deepfit.Model(inp, layers.Dense(2)(layers.UnitNormalization(axis=[1, 2])(inp)))
    x = np.random.default_rng(1).normal(size=(2, 3, 4)).astype("float32")
    assert_keras_loads_same(model, x, tmp_path / "unit_norm.keras")
