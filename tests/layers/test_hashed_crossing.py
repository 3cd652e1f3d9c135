"""HashedCrossing against real Keras (TensorFlow backend: Keras's layer needs TensorFlow), on
the same integer and string inputs, scalars and batches; config round trip and errors."""

from __future__ import annotations

import pathlib

import numpy as np
import pytest

from deepfit import layers
from tests.trainer.keras_process import run_keras

PEERS_PYTHON = pathlib.Path("/work/main/.venv-peers/bin/python")
RNG = np.random.default_rng(7)
WORDS = np.array(["", "A", "B", "fixed", "normal", "reversible", "é", "x" * 40], dtype=object)
STRINGS = WORDS[RNG.integers(0, len(WORDS), 200)].astype(str)
INTS = RNG.integers(-(2 ** 40), 2 ** 40, 200)
SMALL = RNG.integers(-3, 80, 200)
REVERSED = SMALL[::-1].copy()

KERAS_CODE = """
s, i, k = inputs["strings"], inputs["ints"], inputs["small"]
for bins in (1, 5, 64, 1000003):
    layer = keras.layers.HashedCrossing(num_bins=bins)
    result[f"si_{bins}"] = np.asarray(layer((s, i)))
    result[f"ik3_{bins}"] = np.asarray(layer((i, k, s)))
    result[f"kk_{bins}"] = np.asarray(layer((k[:, None], k[::-1, None])))
hot = keras.layers.HashedCrossing(num_bins=7, output_mode="one_hot")
result["hot"] = np.asarray(hot((s[:, None], k[:, None])))
result["hot1"] = np.asarray(hot((s, k)))
result["scalar"] = np.asarray(keras.layers.HashedCrossing(num_bins=9)(("A", 101)))
result["hot_scalar"] = np.asarray(hot(("A", 101)))
result["i32"] = np.asarray(keras.layers.HashedCrossing(num_bins=11)(
    (k.astype("int32"), s)))
"""


@pytest.fixture(scope="module")
def keras_results():
    if not PEERS_PYTHON.exists():
        pytest.skip("the peers' venv (Keras with TensorFlow) is not installed")
    return run_keras(KERAS_CODE, python=str(PEERS_PYTHON), backend="tensorflow",
                     strings=STRINGS, ints=INTS, small=SMALL)


def _np(tensor):
    return tensor.detach().cpu().numpy()


def test_bins_equal_keras(keras_results):
    for bins in (1, 5, 64, 1000003):
        layer = layers.HashedCrossing(num_bins=bins)
        np.testing.assert_array_equal(_np(layer((STRINGS, INTS))), keras_results[f"si_{bins}"])
        np.testing.assert_array_equal(_np(layer((INTS, SMALL, STRINGS))),
                                      keras_results[f"ik3_{bins}"])
        out = layer((SMALL[:, None], REVERSED[:, None]))
        assert tuple(out.shape) == (200, 1)
        np.testing.assert_array_equal(_np(out), keras_results[f"kk_{bins}"])
    np.testing.assert_array_equal(
        _np(layers.HashedCrossing(num_bins=11)((SMALL.astype("int32"), STRINGS))),
        keras_results["i32"])


def test_one_hot_and_scalars_equal_keras(keras_results):
    hot = layers.HashedCrossing(num_bins=7, output_mode="one_hot")
    out = hot((STRINGS[:, None], SMALL[:, None]))
    assert out.dtype.is_floating_point and tuple(out.shape) == (200, 7)
    np.testing.assert_array_equal(_np(out), keras_results["hot"])
    np.testing.assert_array_equal(_np(hot((STRINGS, SMALL))), keras_results["hot1"])
    scalar = layers.HashedCrossing(num_bins=9)(("A", 101))
    assert tuple(scalar.shape) == () and scalar.item() == keras_results["scalar"].item()
    np.testing.assert_array_equal(_np(hot(("A", 101))), keras_results["hot_scalar"])


def test_keras_docstring_example_and_torch_inputs():
    import torch

    layer = layers.HashedCrossing(num_bins=5)
    out = layer((np.array(["A", "B", "A", "B", "A"]), torch.tensor([101, 101, 101, 102, 102])))
    assert out.dtype == torch.int64 and out.tolist() == [1, 4, 1, 1, 3]


def test_config_round_trip():
    layer = layers.HashedCrossing(num_bins=16, output_mode="one_hot", name="cross")
    config = layer.get_config()
    assert config == {"num_bins": 16, "output_mode": "one_hot", "sparse": False,
                      "name": "cross", "dtype": "float32"}
    again = layers.HashedCrossing.from_config(config)
    x = (np.array(["a", "b"]), np.array([1, 2]))
    np.testing.assert_array_equal(_np(again(x)), _np(layer(x)))
    assert layers.HashedCrossing(num_bins=3).get_config()["dtype"] == "int64"


def test_symbolic_inputs_in_a_model():
    import deepfit

    a = deepfit.Input(shape=(1,), dtype="string")
    b = deepfit.Input(shape=(1,), dtype="int64")
    crossed = layers.HashedCrossing(num_bins=5, output_mode="one_hot")([a, b])
    model = deepfit.Model([a, b], crossed)
    out = model([np.array([["A"], ["B"]]), np.array([[101], [101]])])
    assert out.argmax(-1).tolist() == [1, 4]


@pytest.mark.parametrize("inputs, message", [
    (np.array([1, 2]), "should be called on a list or tuple"),
    ((np.array([1, 2]),), "at least two inputs"),
    ((np.zeros((2, 2), int), np.zeros((2, 2), int)), "should have shape"),
    ((np.array([1, 2]), np.array([1, 2, 3])), "equal shape"),
    ((np.array([1.5, 2.0]), np.array([1, 2])), "integer or string dtype"),
])
def test_errors_as_keras(inputs, message):
    with pytest.raises(ValueError, match=message):
        layers.HashedCrossing(num_bins=3)(inputs)


def test_bad_arguments():
    with pytest.raises(ValueError, match="output_mode"):
        layers.HashedCrossing(num_bins=3, output_mode="multi_hot")
    with pytest.raises(ValueError, match="sparse=True"):
        layers.HashedCrossing(num_bins=3, output_mode="one_hot", sparse=True)
    with pytest.raises(ValueError, match="num_bins"):
        layers.HashedCrossing(num_bins=0)
