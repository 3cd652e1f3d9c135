"""EfficientNetV2 against real Keras 3 (torch backend, separate process): parameter counts,
layer names, weight paths and shapes, model names (B0-B3 and S; M and L by their documented
totals, marked slow); Keras's weights give Keras's predictions on 0..255 pixels (B0 normalizes
them inside, S rescales them to [-1, 1]); `weights="imagenet"` reads Keras's file from Keras's
cache, and offline the error names the file; the argument checks."""

from __future__ import annotations

import numpy as np
import pytest

from deepfit.applications import efficientnet_v2
from deepfit.utils.file_utils import DownloadError
from tests.applications import parity
from tests.applications.caches import offline_caches

SMALL = (32, 32, 3)
NO_TOP_FILE = "efficientnetv2-b0_notop.h5"
SPECS = {
    "b0": {"fn": "EfficientNetV2B0", "kwargs": {"include_top": False, "input_shape": SMALL,
                                               "pooling": "avg"},
           "x": parity.images(SMALL), "h5": NO_TOP_FILE, "gain": 2.0},
}
BUILDERS = {"b0": efficientnet_v2.EfficientNetV2B0}
SLOW = {
    "s": {"fn": "EfficientNetV2S", "kwargs": {"input_shape": SMALL, "classes": 3},
          "x": parity.images(SMALL), "gain": 2.0},
    "b1": {"fn": "EfficientNetV2B1", "kwargs": {"input_shape": SMALL}},
    "b2": {"fn": "EfficientNetV2B2", "kwargs": {"include_top": False, "pooling": "max",
                                               "input_shape": SMALL}},
    "b3": {"fn": "EfficientNetV2B3", "kwargs": {"include_top": False, "input_shape": SMALL,
                                               "include_preprocessing": False}},
}
SLOW_BUILDERS = {"s": efficientnet_v2.EfficientNetV2S, "b1": efficientnet_v2.EfficientNetV2B1,
                 "b2": efficientnet_v2.EfficientNetV2B2, "b3": efficientnet_v2.EfficientNetV2B3}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    return parity.keras_reference(tmp_path_factory.mktemp("efficientnet_v2"), SPECS)


@parity.needs_keras
@pytest.mark.parametrize("key", list(BUILDERS))
def test_structure_and_predictions_equal_keras(reference, key):
    parity.check_model(BUILDERS[key], key, SPECS[key], reference)


@pytest.mark.heavy
@pytest.mark.parametrize("builder, params", [
    (efficientnet_v2.EfficientNetV2M, 54_431_388), (efficientnet_v2.EfficientNetV2L, 119_027_848)
], ids=["M", "L"])
@pytest.mark.timeout(1200)  # big models: slow to initialize on a busy machine
def test_documented_counts(builder, params):
    # Keras 3.15.1's count_params with the top (keras.io: 54.4M and 119.0M)
    assert builder(weights=None, input_shape=SMALL).count_params() == params


def test_in_model_preprocessing_by_variant():
    import deepfit

    # B models: to [0, 1], then the ImageNet mean and std; S, M, L: to [-1, 1] (1/128 - 1)
    # (S's numbers and B3 without preprocessing against Keras: test_deeper_variants_equal_keras)
    inputs = deepfit.Input(SMALL)
    for b_model, expected in ((True, ["Rescaling", "Normalization"]), (False, ["Rescaling"])):
        layers = deepfit.Model(inputs, efficientnet_v2._preprocessing(inputs, b_model)).layers
        assert [type(layer).__name__ for layer in layers[1:]] == expected
    assert layers[1].get_config()["offset"] == -1 and layers[1].get_config()["scale"] == 1 / 128


def test_preprocess_input_passes_through():
    x = np.arange(6.0)
    assert efficientnet_v2.preprocess_input(x) is x


@parity.needs_keras
@pytest.mark.heavy  # the cache lookup: also tested (fast) in test_mobilenet.py
def test_imagenet_weights_come_from_the_keras_cache(reference, monkeypatch, tmp_path):
    folder, _ = reference
    offline_caches(monkeypatch, folder / "home", tmp_path / "deepfit_home", efficientnet_v2)
    monkeypatch.setitem(efficientnet_v2.WEIGHTS_HASHES, "b0",
                        (None, parity.cached_md5(reference, NO_TOP_FILE)))
    parity.check_imagenet_from_cache(efficientnet_v2.EfficientNetV2B0, "b0", SPECS["b0"],
                                     reference)


def test_offline_imagenet_weights_name_the_file(monkeypatch, tmp_path):
    offline_caches(monkeypatch, tmp_path, tmp_path / "deepfit_home", efficientnet_v2)
    with pytest.raises(DownloadError, match="efficientnetv2-s.h5"):
        efficientnet_v2.EfficientNetV2S()
    with pytest.raises(DownloadError, match="efficientnetv2-b2_notop.h5"):
        efficientnet_v2.EfficientNetV2B2(include_top=False, name="custom")


@pytest.mark.parametrize("kwargs, message", [
    ({"weights": "efficient"}, "The `weights` argument should be either"),
    ({"weights": "imagenet", "classes": 10}, "`classes` should be 1000"),
    ({"weights": None, "include_top": False, "input_shape": (31, 32, 3)},
     "Input size must be at least 32x32"),
])
def test_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        efficientnet_v2.EfficientNetV2B0(**kwargs)
    with pytest.raises(ValueError, match="num_repeat=0"):
        efficientnet_v2.EfficientNetV2(1.0, 1.0, 224, weights=None, blocks_args=[
            dict(efficientnet_v2.DEFAULT_BLOCKS_ARGS["efficientnetv2-b0"][0], num_repeat=0)])

@parity.needs_keras
@pytest.mark.heavy
def test_deeper_variants_equal_keras(tmp_path):
    # the same blocks as above in other depths and widths: structure only
    reference = parity.keras_reference(tmp_path, SLOW)
    for key, spec in SLOW.items():
        parity.check_model(SLOW_BUILDERS[key], key, spec, reference)
