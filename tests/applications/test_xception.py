"""Xception against real Keras 3 (torch backend, separate process): the same layer names in the
same order, the same model name and parameter counts with and without the top (and Keras's
documented totals); a Keras-written weights file loads, from Keras's cache as 'imagenet' or
by path, and gives Keras's predictions; 'tf' preprocessing as Keras; the argument checks."""

from __future__ import annotations

import hashlib
import importlib.util

import numpy as np
import pytest

import deepfit
from deepfit.applications import Xception, xception
from deepfit.utils.file_utils import DownloadError
from tests.applications.caches import offline_caches
from tests.applications.keras_side import run_keras_script

needs_keras = pytest.mark.skipif(importlib.util.find_spec("keras") is None,
                                 reason="real Keras 3 (the 'parity' extra) is needed")
# Keras's documentation (keras.io/api/applications) and Keras's own count without the top.
WITH_TOP, NO_TOP = 22_910_480, 20_861_480
# In [-1, 1], as preprocess_input leaves images (noise, and a ramp); 71x71 is the smallest.
X = np.stack([np.random.default_rng(0).uniform(-1, 1, (71, 71, 3)),
              np.linspace(-1, 1, 71 * 71 * 3).reshape(71, 71, 3)]).astype("float32")
NO_TOP_FILE = "xception_weights_tf_dim_ordering_tf_kernels_notop.h5"
PIXELS = [[[0.0, 63.75, 127.5, 255.0]]]

# Automatic names (the shortcuts' conv2d/batch_normalization, the add layers) count per
# session: each model is built in a fresh one, as here.
_KERAS = f"""
from keras.applications import xception
for top, shape in ((True, None), (False, (71, 71, 3))):
    keras.backend.clear_session()
    m = xception.Xception(weights=None, include_top=top, input_shape=shape)
    out[str(top)] = [m.count_params(), [l.name for l in m.layers[1:]], m.name, m.output_shape]
out["preprocessed"] = xception.preprocess_input(np.array({PIXELS})).tolist()
keras.backend.clear_session()
save_random_weights(xception.Xception(weights=None, include_top=False, input_shape=(71, 71, 3)),
                    0.1, fan_in_scaled=True)
"""


@pytest.fixture(scope="module")
def keras_side(tmp_path_factory):
    folder = tmp_path_factory.mktemp("xception")
    return folder, run_keras_script(_KERAS, folder, X, NO_TOP_FILE)


@needs_keras
@pytest.mark.parametrize("top", [False, True])
def test_layers_and_counts_equal_keras(keras_side, top):
    _, expected = keras_side
    count, names, keras_name, output_shape = expected[str(top)]
    assert count == (WITH_TOP if top else NO_TOP)
    deepfit.backend.clear_session()
    model = Xception(weights=None, include_top=top, input_shape=None if top else (71, 71, 3))
    assert model.count_params() == count
    assert [layer.name for layer in model.layers[1:]] == names  # the input's name differs
    assert model.name == keras_name == "xception"
    assert list(model.output_shape) == output_shape


@needs_keras
def test_keras_weights_load_from_the_cache_and_by_path(keras_side, monkeypatch, tmp_path):
    folder, _ = keras_side
    expected = np.load(folder / "keras.npy")
    assert expected.shape == (2, 3, 3, 2048)
    # the two images' features differ: the weights leave the output depending on the input
    assert np.abs(expected[0] - expected[1]).mean() > 0.1 * expected.std() > 0.01
    cached = folder / "home" / ".keras" / "models" / NO_TOP_FILE
    offline_caches(monkeypatch, folder / "home", tmp_path / "deepfit_home", xception)
    # Keras's published md5 is checked: here it is the md5 of the file Keras just wrote
    md5 = hashlib.md5(cached.read_bytes()).hexdigest()
    monkeypatch.setitem(xception._WEIGHTS, False, (NO_TOP_FILE, md5))
    for weights in ("imagenet", str(cached)):
        model = Xception(weights=weights, include_top=False, input_shape=(71, 71, 3))
        np.testing.assert_allclose(model.predict(X, verbose=0), expected, rtol=1e-5,
                                   atol=1e-5)


def test_imagenet_top_asks_for_keras_file_at_299(monkeypatch, tmp_path):
    offline_caches(monkeypatch, tmp_path, tmp_path / "deepfit_home", xception)
    with pytest.raises(DownloadError) as info:
        Xception()  # include_top, 'imagenet', (299, 299, 3)
    assert "xception_weights_tf_dim_ordering_tf_kernels.h5" in str(info.value)
    assert "place it at" in str(info.value)


def test_pooling_and_input_tensor():
    inputs = deepfit.Input((75, 75, 3))
    model = Xception(weights=None, include_top=False, input_tensor=inputs, pooling="max")
    assert model.inputs[0] is inputs and model.output_shape == (None, 2048)
    assert type(model.layers[-1]).__name__ == "GlobalMaxPooling2D"
    model = Xception(weights=None, input_shape=(71, 71, 3), classes=5,
                     classifier_activation=None)
    assert model.output_shape == (None, 5) and model.layers[-2].name == "avg_pool"


@pytest.mark.parametrize("kwargs, message", [
    ({"weights": "xception"}, "The `weights` argument should be either"),
    ({"weights": "imagenet", "classes": 10}, "`classes` should be 1000"),
    ({"weights": None, "include_top": False, "input_shape": (70, 71, 3)},
     "Input size must be at least 71x71"),
    ({"weights": "imagenet", "input_shape": (71, 71, 3)}, r"should be \(299, 299, 3\)"),
    ({"weights": None, "input_shape": (None, None, 3)}, "static `input_shape`"),
    ({"weights": "imagenet", "classifier_activation": "relu"}, "classifier_activation=relu"),
])
def test_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Xception(**kwargs)


@needs_keras
def test_preprocess_input_is_tf_mode_as_keras(keras_side):
    _, expected = keras_side
    result = xception.preprocess_input(np.array(PIXELS))
    np.testing.assert_allclose(result, [[[-1.0, -0.5, 0.0, 1.0]]])
    np.testing.assert_allclose(result, expected["preprocessed"], rtol=1e-6)


def test_keras_applications_namespace_with_and_without_deepfit_run():
    import deepfit as plain_keras
    from deepfit.compat import keras

    assert plain_keras.applications.Xception is Xception  # `import deepfit as keras`
    assert plain_keras.applications.xception.preprocess_input is xception.preprocess_input
    assert keras.applications.Xception is Xception
    assert keras.applications.xception.Xception is Xception
    assert keras.applications.xception.preprocess_input is xception.preprocess_input
    assert keras.applications.xception.decode_predictions is xception.decode_predictions
