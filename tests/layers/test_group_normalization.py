"""GroupNormalization against real Keras: the same weights give the same outputs (channels last
and first, instance normalization, no center/scale), the same training, config and errors; a
saved model loads in Keras."""

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
    x, image = inputs["x"], inputs["image"]
    for key, kwargs, data in [
            ("last", dict(groups=4), x),
            ("first", dict(groups=2, axis=1), image),
            ("instance", dict(groups=-1, epsilon=1e-5), x),
            ("plain", dict(groups=3, center=False, scale=False), image),
            ("scale_only", dict(groups=8, center=False), x),
            ("middle", dict(groups=3, axis=-2), image)]:
        layer = keras.layers.GroupNormalization(**kwargs)
        layer.build(data.shape)
        weights = [inputs[f"{key}_{i}"] for i in range(len(layer.weights))]
        layer.set_weights(weights)
        found[key] = keras.ops.convert_to_numpy(layer(data))
        config = layer.get_config()
        found[key + "_config"] = np.array([config[k] for k in ("groups", "axis", "epsilon")])
        found[key + "_keys"] = np.array(sorted(config))
    return found


def train(inputs):
    keras.utils.set_random_seed(0)
    x = keras.Input((6, 8))
    h = keras.layers.Dense(8)(x)
    h = keras.layers.GroupNormalization(groups=4)(h)
    h = keras.layers.GlobalAveragePooling1D()(h)
    model = keras.Model(x, keras.layers.Dense(1)(h))
    return fit_and_collect(model, inputs, inputs["train_x"], 0.1)
"""


def _data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(3)
    data = {"x": rng.normal(size=(3, 5, 8)).astype("float32") * 2 + 1,
            "image": rng.normal(size=(2, 4, 6, 3)).astype("float32"),
            "train_x": rng.normal(size=(24, 6, 8)).astype("float32"),
            "train_y": rng.normal(size=(24, 1)).astype("float32")}
    sizes = {"last": 8, "first": 4, "instance": 8, "scale_only": 8, "middle": 6}
    for key, size in sizes.items():
        count = 1 if key == "scale_only" else 2
        for i in range(count):
            data[f"{key}_{i}"] = rng.normal(size=(size,)).astype("float32")
    shapes = [(8, 8), (8,), (8,), (8,), (8, 1), (1,)]
    for i, shape in enumerate(shapes):
        data[f"train_{i}"] = (rng.normal(size=shape) * 0.5).astype("float32")
    return data


def test_outputs_training_and_config_match_keras():
    assert_results_match(*run_both(_PROGRAM, _data()), atol=1e-5)


@pytest.mark.parametrize("kwargs, shape, params", [
    ({"groups": 2}, (2, 3, 4), 8),
    ({"groups": 2, "axis": 1}, (2, 4, 5, 5), 8),
    ({"groups": -1, "center": False}, (2, 3, 6), 6),
])
def test_layer_contract(kwargs, shape, params):
    run_layer_test(layers.GroupNormalization, kwargs, shape, shape, expected_params=params)


def test_normalizes_each_group_of_each_sample():
    x = np.random.default_rng(0).normal(size=(2, 7, 6)).astype("float32") * 3 + 2
    out = deepfit.ops.convert_to_numpy(layers.GroupNormalization(groups=3, epsilon=0)(x))
    grouped = out.reshape(2, 7, 3, 2)
    np.testing.assert_allclose(grouped.mean(axis=(1, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(grouped.var(axis=(1, 3)), 1, atol=1e-4)


def test_bad_arguments_name_the_layer_and_the_sizes():
    with pytest.raises(ValueError, match="`groups`.*Received: groups=0"):
        layers.GroupNormalization(groups=0)
    layer = layers.GroupNormalization(groups=3)
    with pytest.raises(ValueError, match=r"GroupNormalization.*channels \(8.*groups \(3\)"):
        layer(np.zeros((2, 8), "float32"))
    assert not layer.built and layer.groups == 3 and layer.weights == []
    with pytest.raises(ValueError, match=r"groups \(16\) cannot be more than.*channels \(8"):
        layers.GroupNormalization(groups=16)(np.zeros((2, 8), "float32"))
    with pytest.raises(ValueError, match="axis 0 must name a non-batch axis"):
        layers.GroupNormalization(groups=1, axis=0)(np.zeros((2, 8), "float32"))
    built = layers.GroupNormalization(groups=2)
    built(np.zeros((1, 4), "float32"))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 4"):
        built(np.zeros((1, 6), "float32"))


def test_saved_model_loads_in_keras(tmp_path):
    inp = deepfit.Input((5, 8))
    hidden = layers.GroupNormalization(groups=4, gamma_initializer="random_normal")(inp)
    model = deepfit.Model(inp, layers.Dense(2)(hidden))
    x = np.random.default_rng(0).normal(size=(3, 5, 8)).astype("float32")
    assert_keras_loads_same(model, x, tmp_path / "group_norm.keras")
