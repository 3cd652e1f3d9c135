"""AdaptiveAveragePooling1D/2D/3D and AdaptiveMaxPooling1D/2D/3D against real Keras: the same
outputs (both data formats, sizes that do and do not divide), config keys and errors; layer
contracts; a saved model loads in Keras."""

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
    for kind in ("Average", "Max"):
        for key, rank, size, data, data_format in [
                ("seq", 1, 4, inputs["seq"], None),
                ("seq_first", 1, (3,), inputs["seq_first"], "channels_first"),
                ("image", 2, (2, 3), inputs["image"], None),
                ("image_first", 2, 4, inputs["image_first"], "channels_first"),
                ("volume", 3, (2, 3, 1), inputs["volume"], None)]:
            cls = getattr(keras.layers, f"Adaptive{kind}Pooling{rank}D")
            layer = cls(size, data_format=data_format)
            found[f"{kind}_{key}"] = keras.ops.convert_to_numpy(layer(data))
            found[f"{kind}_{key}_keys"] = np.array(sorted(layer.get_config()))
    return found
"""


def _data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(23)
    seq = rng.normal(size=(2, 10, 3)).astype("float32")
    image = rng.normal(size=(2, 7, 9, 3)).astype("float32")
    return {"seq": seq, "seq_first": np.ascontiguousarray(seq.transpose(0, 2, 1)),
            "image": image, "image_first": np.ascontiguousarray(image.transpose(0, 3, 1, 2)),
            "volume": rng.normal(size=(2, 5, 6, 4, 2)).astype("float32")}


def test_outputs_and_configs_match_keras():
    assert_results_match(*run_both(_PROGRAM, _data(), ("cases",)), atol=1e-6)


@pytest.mark.parametrize("cls, size, shape, out_shape", [
    (layers.AdaptiveAveragePooling1D, 3, (2, 7, 4), (2, 3, 4)),
    (layers.AdaptiveMaxPooling2D, (2, 2), (2, 5, 6, 3), (2, 2, 2, 3)),
    (layers.AdaptiveAveragePooling3D, 2, (1, 4, 5, 6, 2), (1, 2, 2, 2, 2)),
])
def test_layer_contract(cls, size, shape, out_shape):
    run_layer_test(cls, {"output_size": size}, shape, out_shape, expected_params=0)


def test_bad_output_sizes_follow_keras():
    with pytest.raises(TypeError, match=r"`output_size` must be an integer or \(height, width\)"):
        layers.AdaptiveMaxPooling2D("big")
    with pytest.raises(ValueError, match="For 1D input, `output_size` tuple must have length 1"):
        layers.AdaptiveAveragePooling1D((2, 2))
    with pytest.raises(ValueError, match="data_format"):
        layers.AdaptiveAveragePooling2D(2, data_format="nhwc")


def test_saved_model_loads_in_keras(tmp_path):
    inp = deepfit.Input((9, 7, 2))
    h = layers.AdaptiveMaxPooling2D((3, 2))(layers.AdaptiveAveragePooling2D(5)(inp))
    model = deepfit.Model(inp, layers.Dense(1)(layers.Flatten()(h)))
    x = np.random.default_rng(5).normal(size=(2, 9, 7, 2)).astype("float32")
    assert_keras_loads_same(model, x, tmp_path / "adaptive.keras")
