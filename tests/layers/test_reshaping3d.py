"""ZeroPadding3D, Cropping3D, UpSampling3D and SpatialDropout3D against real Keras: the same
outputs (both data formats, every argument spelling), config keys and errors; layer contracts."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import deepfit
from deepfit import layers
from tests.layer_test_utils import run_layer_test
from tests.layers.keras_parity import assert_keras_loads_same, assert_results_match, run_both

# Runs as is on both sides: `keras` is real Keras there and deepfit here.
_PROGRAM = """
def cases(inputs):
    found = {}
    x, first = inputs["x"], inputs["first"]
    for key, cls, kwargs, data in [
            ("pad", keras.layers.ZeroPadding3D, {}, x),
            ("pad_pairs", keras.layers.ZeroPadding3D,
             {"padding": ((1, 0), (0, 2), (2, 1))}, x),
            ("pad_first", keras.layers.ZeroPadding3D,
             {"padding": (1, 2, 0), "data_format": "channels_first"}, first),
            ("crop", keras.layers.Cropping3D, {}, x),
            ("crop_pairs", keras.layers.Cropping3D, {"cropping": ((1, 0), (0, 2), (2, 1))}, x),
            ("crop_first", keras.layers.Cropping3D,
             {"cropping": 1, "data_format": "channels_first"}, first),
            ("up", keras.layers.UpSampling3D, {}, x),
            ("up_sizes", keras.layers.UpSampling3D, {"size": (1, 2, 3)}, x),
            ("up_first", keras.layers.UpSampling3D,
             {"size": 2, "data_format": "channels_first"}, first),
            ("dropout", keras.layers.SpatialDropout3D, {"rate": 0.5}, x)]:
        layer = cls(**kwargs)
        found[key] = keras.ops.convert_to_numpy(layer(data))
        found[key + "_keys"] = np.array(sorted(layer.get_config()))
    return found
"""


def _data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(19)
    x = rng.normal(size=(2, 4, 5, 6, 3)).astype("float32")
    return {"x": x, "first": np.ascontiguousarray(x.transpose(0, 4, 1, 2, 3))}


def test_outputs_and_configs_match_keras():
    assert_results_match(*run_both(_PROGRAM, _data(), ("cases",)), rtol=0, atol=0)


@pytest.mark.parametrize("cls, kwargs, out_shape", [
    (layers.ZeroPadding3D, {"padding": 2}, (2, 7, 8, 9, 2)),
    (layers.Cropping3D, {"cropping": (1, 1, 2)}, (2, 1, 2, 1, 2)),
    (layers.UpSampling3D, {"size": (2, 1, 1), "data_format": "channels_first"},
     (2, 3, 8, 5, 2)),
    (layers.SpatialDropout3D, {"rate": 0.3, "data_format": "channels_first"},
     (2, 3, 4, 5, 2)),
])
def test_layer_contract(cls, kwargs, out_shape):
    run_layer_test(cls, kwargs, (2, 3, 4, 5, 2), out_shape, expected_params=0)


def test_spatial_dropout_drops_whole_volumes():
    deepfit.utils.set_random_seed(0)
    out = layers.SpatialDropout3D(0.5)(torch.ones(8, 3, 3, 3, 16), training=True)
    values = deepfit.ops.convert_to_numpy(out)
    per_channel = values.reshape(8, 27, 16)
    assert (per_channel == per_channel[:, :1]).all()  # one draw per sample and channel
    assert set(np.unique(values)) == {0.0, 2.0}


def test_bad_arguments_name_the_layer():
    with pytest.raises(ValueError, match="ZeroPadding3D.*should have 3 elements"):
        layers.ZeroPadding3D((1, 1))
    with pytest.raises(ValueError, match="Cropping3D.*non-negative int"):
        layers.Cropping3D(-1)
    with pytest.raises(ValueError, match="should be smaller than the corresponding spatial"):
        layers.Cropping3D(2)(np.zeros((1, 4, 5, 6, 1), "float32"))
    with pytest.raises(ValueError, match="expected ndim=5, found ndim=4"):
        layers.UpSampling3D()(np.zeros((1, 4, 5, 6), "float32"))


def test_saved_volume_model_loads_in_keras(tmp_path):
    inp = deepfit.Input((4, 4, 4, 2))
    h = layers.ZeroPadding3D(((1, 0), (0, 1), (1, 1)))(inp)
    h = layers.Cropping3D((1, 0, 1))(h)
    h = layers.UpSampling3D((1, 2, 1))(h)
    h = layers.SpatialDropout3D(0.2)(h)
    h = layers.MaxPooling3D(2, padding="same")(h)
    h = layers.AveragePooling3D((1, 2, 1))(h)
    model = deepfit.Model(inp, layers.Dense(2)(layers.GlobalAveragePooling3D()(h)))
    x = np.random.default_rng(4).normal(size=(2, 4, 4, 4, 2)).astype("float32")
    assert_keras_loads_same(model, x, tmp_path / "volumes.keras")
