"""MobileNetV2 against real Keras 3 (torch backend, separate process): the same parameter
counts and layer names with and without the top; Keras's weights file, found in Keras's cache,
gives the same predictions; offline, the error says where to put the file; and a frozen base
with a new head learns a generated two-class image folder (the transfer-learning tutorial)."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

import deepfit
from deepfit.applications import MobileNetV2, mobilenet_v2
from deepfit.utils.file_utils import DownloadError
from tests.applications.caches import offline_caches
from tests.applications.keras_side import run_keras_script

needs_keras = pytest.mark.skipif(importlib.util.find_spec("keras") is None,
                                 reason="real Keras 3 (the 'parity' extra) is needed")
X = np.random.default_rng(0).uniform(0, 255, (2, 96, 96, 3)).astype("float32")
WEIGHTS_FILE = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_96_no_top.h5"

_KERAS = """
for top, shape in ((True, (224, 224, 3)), (False, (96, 96, 3))):
    m = keras.applications.MobileNetV2(weights=None, include_top=top, input_shape=shape)
    out[str(top)] = [m.count_params(), [l.name for l in m.layers[1:]], m.name]
save_random_weights(m, 0.1)
"""


@pytest.fixture(scope="module")
def keras_side(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mobilenet")
    return folder, run_keras_script(_KERAS, folder, X, WEIGHTS_FILE)


@needs_keras
def test_parameter_counts_and_layer_names_equal_keras(keras_side):
    _, expected = keras_side
    assert expected["True"][0] == 3_538_984 and expected["False"][0] == 2_257_984
    # Keras's script starts a fresh process; automatic names (the pooling layer's) count from
    # zero there, so do the same here whatever other tests built before.
    deepfit.backend.clear_session()
    for top, shape in ((True, (224, 224, 3)), (False, (96, 96, 3))):
        model = MobileNetV2(weights=None, include_top=top, input_shape=shape)
        count, names, keras_name = expected[str(top)]
        assert model.count_params() == count
        assert [layer.name for layer in model.layers[1:]] == names
        assert model.name == keras_name.replace(".", "_")


@needs_keras
def test_imagenet_weights_come_from_the_keras_cache(keras_side, monkeypatch, tmp_path):
    folder, _ = keras_side
    offline_caches(monkeypatch, folder / "home", tmp_path / "deepfit_home", mobilenet_v2)
    model = MobileNetV2(weights="imagenet", include_top=False, input_shape=(96, 96, 3))
    np.testing.assert_allclose(model.predict(X, verbose=0), np.load(folder / "keras.npy"),
                               rtol=1e-4, atol=1e-4)


def test_offline_imagenet_weights_name_the_file_and_where_to_put_it(monkeypatch, tmp_path):
    offline_caches(monkeypatch, tmp_path, tmp_path / "deepfit_home", mobilenet_v2)
    with pytest.raises(DownloadError) as info:
        MobileNetV2(weights="imagenet", include_top=False, input_shape=(96, 96, 3))
    message = str(info.value)
    assert WEIGHTS_FILE in message and "place it at" in message
    assert str(tmp_path / "deepfit_home" / "models" / WEIGHTS_FILE) in message


def test_argument_errors():
    with pytest.raises(ValueError, match="classes"):
        MobileNetV2(weights="imagenet", classes=10)
    with pytest.raises(ValueError, match="weights"):
        MobileNetV2(weights="resnet")
    with pytest.raises(ValueError, match="alpha"):
        MobileNetV2(weights="imagenet", alpha=0.6, include_top=False, input_shape=(96, 96, 3))


def test_preprocess_input_scales_to_minus_one_one():
    out = mobilenet_v2.preprocess_input(np.array([[0.0, 127.5, 255.0]]))
    np.testing.assert_allclose(out, [[-1.0, 0.0, 1.0]])


def _image_folder(root, per_class=24):
    from PIL import Image

    rng = np.random.default_rng(0)
    for label, channel in (("cats", 0), ("dogs", 2)):
        (root / label).mkdir(parents=True)
        for i in range(per_class):
            pixels = rng.integers(0, 90, (96, 96, 3)).astype("uint8")
            pixels[..., channel] = rng.integers(150, 255, (96, 96))
            Image.fromarray(pixels).save(root / label / f"{i}.png")


def _calibrate(base, dataset):
    """Randomly initialised, 52 layers deep, the base's features vanish (about 1e-12): set each
    BatchNormalization's moving statistics to those of one batch of the data, as pretrained
    weights would have them about right."""
    import torch

    images = next(iter(dataset))[0]
    norms = [layer for layer in base.layers if type(layer).__name__ == "BatchNormalization"]
    for layer in norms:
        layer.momentum = 0.0
    with torch.no_grad():
        base(torch.as_tensor(np.asarray(images)) / 127.5 - 1, training=True)
    for layer in norms:
        layer.momentum = 0.999


def test_frozen_base_with_a_new_head_learns(tmp_path):
    _image_folder(tmp_path / "images", per_class=16)
    common = dict(validation_split=0.25, seed=1, image_size=(96, 96), batch_size=24)
    train = deepfit.utils.image_dataset_from_directory(tmp_path / "images", subset="training",
                                                       **common)
    val = deepfit.utils.image_dataset_from_directory(tmp_path / "images", subset="validation",
                                                     **common)
    base = MobileNetV2(input_shape=(96, 96, 3), include_top=False, weights=None)
    _calibrate(base, train)  # offline stand-in for ImageNet weights
    base.trainable = False
    inputs = deepfit.Input((96, 96, 3))
    x = deepfit.layers.Rescaling(1 / 127.5, offset=-1)(inputs)
    x = base(x, training=False)
    x = deepfit.layers.GlobalAveragePooling2D()(x)
    outputs = deepfit.layers.Dense(1)(x)
    model = deepfit.Model(inputs, outputs)
    model.compile(optimizer=deepfit.optimizers.Adam(5e-3),
                  loss=deepfit.losses.BinaryCrossentropy(from_logits=True),
                  metrics=[deepfit.metrics.BinaryAccuracy(threshold=0.0)])
    assert not base.trainable_weights and len(model.trainable_weights) == 2
    frozen = [w.detach().clone() for w in base.weights]
    history = model.fit(train, validation_data=val, epochs=5, verbose=0)
    # Chance is 0.5 accuracy and a loss of ln 2 = 0.69 on the 8 validation images.
    assert history.history["val_binary_accuracy"][-1] >= 0.75, history.history
    assert history.history["val_loss"][-1] < 0.5, history.history
    assert all(bool((a == b).all()) for a, b in zip(frozen, base.weights))


def test_keras_applications_namespace_under_deepfit_run():
    from deepfit.compat import keras

    assert keras.applications.MobileNetV2 is MobileNetV2
    assert keras.applications.mobilenet_v2.preprocess_input is mobilenet_v2.preprocess_input
    with pytest.raises(NotImplementedError, match="ResNeXt50"):
        keras.applications.ResNeXt50  # noqa: B018 - the probe is the test
