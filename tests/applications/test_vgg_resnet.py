"""VGG16, VGG19 and ResNet50 against real Keras 3 (torch backend, separate process): the same
layer names in the same order and the same parameter counts, with and without the top (and
Keras's documented totals); Keras-written weights files load through the Keras cache and give
Keras's predictions; the argument checks."""

from __future__ import annotations

import hashlib
import importlib.util

import numpy as np
import pytest

from deepfit.applications import VGG16, VGG19, ResNet50, resnet, resnet50, vgg16, vgg19
from deepfit.utils.file_utils import DownloadError
from tests.applications.caches import offline_caches
from tests.applications.keras_side import run_keras_script

needs_keras = pytest.mark.skipif(importlib.util.find_spec("keras") is None,
                                 reason="real Keras 3 (the 'parity' extra) is needed")
# Keras's documentation (keras.io/api/applications): parameters with the top.
DOCUMENTED = {"VGG16": 138_357_544, "VGG19": 143_667_240, "ResNet50": 25_636_712}
NO_TOP = {"VGG16": 14_714_688, "VGG19": 20_024_384, "ResNet50": 23_587_712}
BUILDERS = {"VGG16": VGG16, "VGG19": VGG19, "ResNet50": ResNet50}
X = np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
RESNET_FILE = "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"

_KERAS = """
for name in ("VGG16", "VGG19", "ResNet50"):
    for top in (True, False):
        m = getattr(keras.applications, name)(weights=None, include_top=top)
        out[f"{name}{top}"] = [m.count_params(), [l.name for l in m.layers], m.name]
# a ResNet50 without its top, where Keras's cache keeps the ImageNet file
save_random_weights(keras.applications.ResNet50(weights=None, include_top=False,
                                                input_shape=(32, 32, 3), pooling="avg"), 0.05)
"""


@pytest.fixture(scope="module")
def keras_side(tmp_path_factory):
    folder = tmp_path_factory.mktemp("applications")
    return folder, run_keras_script(_KERAS, folder, X, RESNET_FILE)


@needs_keras
@pytest.mark.parametrize("name", ["VGG16", "VGG19", "ResNet50"])
def test_without_top_layers_and_counts_equal_keras(keras_side, name):
    _, expected = keras_side
    count, names, keras_name = expected[f"{name}False"]
    assert count == NO_TOP[name]
    model = BUILDERS[name](weights=None, include_top=False, input_shape=(32, 32, 3))
    assert model.count_params() == count
    assert [layer.name for layer in model.layers][1:] == names[1:]  # the input's name differs
    assert model.name == keras_name


@needs_keras
@pytest.mark.slow  # the full 224x224 networks: about 50 s together on two loaded cores
@pytest.mark.parametrize("name", ["VGG16", "VGG19", "ResNet50"])
def test_with_top_layers_and_counts_equal_keras(keras_side, name):
    _, expected = keras_side
    count, names, _ = expected[f"{name}True"]
    assert count == DOCUMENTED[name]
    model = BUILDERS[name](weights=None)
    assert model.count_params() == count
    assert [layer.name for layer in model.layers][1:] == names[1:]
    assert model.output_shape == (None, 1000)


@needs_keras
def test_imagenet_weights_come_from_the_keras_cache(keras_side, monkeypatch, tmp_path):
    folder, _ = keras_side
    offline_caches(monkeypatch, folder / "home", tmp_path / "deepfit_home", resnet)
    # Keras's published md5 is checked: here it is the md5 of the file Keras just wrote
    md5 = hashlib.md5((folder / "home" / ".keras" / "models" / RESNET_FILE).read_bytes())
    monkeypatch.setitem(resnet.WEIGHTS_HASHES, "resnet50", ("", md5.hexdigest()))
    model = ResNet50(weights="imagenet", include_top=False, input_shape=(32, 32, 3),
                     pooling="avg")
    np.testing.assert_allclose(model.predict(X, verbose=0), np.load(folder / "keras.npy"),
                               rtol=1e-4, atol=1e-4)


def test_a_file_failing_the_published_hash_is_not_used(monkeypatch, tmp_path):
    models = tmp_path / ".keras" / "models"
    models.mkdir(parents=True)
    (models / "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5").write_bytes(b"not weights")
    offline_caches(monkeypatch, tmp_path, tmp_path / "deepfit_home", vgg19._vgg, "WEIGHTS_PATH")
    with pytest.raises(DownloadError) as info:
        VGG19(weights="imagenet", include_top=False, input_shape=(32, 32, 3))
    assert "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5" in str(info.value)
    assert "place it at" in str(info.value)


def test_pooling_and_input_tensor():
    import deepfit

    inputs = deepfit.Input((32, 32, 3))
    model = VGG16(weights=None, include_top=False, input_tensor=inputs, pooling="max")
    assert model.inputs[0] is inputs and model.output_shape == (None, 512)
    model = ResNet50(weights=None, include_top=False, input_shape=(32, 32, 3), pooling="avg")
    assert model.output_shape == (None, 2048) and model.layers[-1].name == "avg_pool"


def test_argument_errors():
    with pytest.raises(ValueError, match="classes"):
        VGG16(weights="imagenet", classes=10)
    with pytest.raises(ValueError, match="weights"):
        ResNet50(weights="resnet")
    with pytest.raises(ValueError, match="at least 32x32"):
        VGG19(weights=None, include_top=False, input_shape=(16, 16, 3))
    with pytest.raises(ValueError, match="classifier_activation"):
        ResNet50(weights="imagenet", classifier_activation="relu", input_shape=(224, 224, 3))


def test_preprocess_input_is_caffe_mode():
    pixel = np.array([[[10.0, 20.0, 30.0]]])
    expected = [[[30 - 103.939, 20 - 116.779, 10 - 123.68]]]  # BGR, ImageNet mean removed
    for module in (vgg16, vgg19, resnet50):
        np.testing.assert_allclose(module.preprocess_input(pixel.copy()), expected, rtol=1e-6)


def test_keras_applications_namespace_under_deepfit_run():
    from deepfit.compat import keras

    assert keras.applications.VGG19 is VGG19 and keras.applications.ResNet50 is ResNet50
    assert keras.applications.vgg16.preprocess_input is vgg16.preprocess_input
    assert keras.applications.resnet50.ResNet50 is ResNet50
