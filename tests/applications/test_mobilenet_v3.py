"""MobileNetV3Small/Large against real Keras 3 (torch backend, separate process): parameter
counts, layer names, weight paths and shapes, model names (also minimalistic and alpha
variants); Keras's weights give Keras's predictions on 0..255 pixels (the model rescales them
itself); `weights="imagenet"` reads Keras's file from Keras's cache, and offline the error
names the file; Keras's argument errors."""

from __future__ import annotations

import numpy as np
import pytest

from deepfit.applications import MobileNetV3Large, MobileNetV3Small, mobilenet_v3
from deepfit.utils.file_utils import DownloadError
from tests.applications import parity
from tests.applications.caches import offline_caches

SMALL = (64, 64, 3)
NO_TOP_FILE = "weights_mobilenet_v3_small_224_1.0_float_no_top_v2.h5"
SPECS = {
    "small": {"fn": "MobileNetV3Small", "kwargs": {"include_top": False, "input_shape": SMALL,
                                                  "pooling": "avg"},
              "x": parity.images(SMALL), "h5": NO_TOP_FILE, "gain": 2.0},
    "large_top": {"fn": "MobileNetV3Large", "kwargs": {"input_shape": SMALL, "classes": 5,
                                                      "alpha": 0.75},
                  "x": parity.images(SMALL), "gain": 2.0},
    "large_minimal": {"fn": "MobileNetV3Large", "kwargs": {"minimalistic": True,
                                                          "include_top": False,
                                                          "include_preprocessing": False,
                                                          "input_shape": (48, 40, 3)}},
}
BUILDERS = {"small": MobileNetV3Small, "large_top": MobileNetV3Large,
            "large_minimal": MobileNetV3Large}
SLOW = {
    "small_wide": {"fn": "MobileNetV3Small", "kwargs": {"alpha": 1.25, "input_shape": SMALL,
                                                       "dropout_rate": 0}},
    "large": {"fn": "MobileNetV3Large", "kwargs": {"input_shape": SMALL}},
}
SLOW_BUILDERS = {"small_wide": MobileNetV3Small, "large": MobileNetV3Large}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    return parity.keras_reference(tmp_path_factory.mktemp("mobilenet_v3"), SPECS)


@parity.needs_keras
@pytest.mark.parametrize("key", list(BUILDERS))
def test_structure_and_predictions_equal_keras(reference, key):
    parity.check_model(BUILDERS[key], key, SPECS[key], reference)


def test_preprocess_input_passes_through():
    x = np.arange(6.0)
    assert mobilenet_v3.preprocess_input(x) is x


@parity.needs_keras
@pytest.mark.heavy  # the cache lookup: also tested (fast) in test_mobilenet.py
def test_imagenet_weights_come_from_the_keras_cache(reference, monkeypatch, tmp_path):
    folder, _ = reference
    offline_caches(monkeypatch, folder / "home", tmp_path / "deepfit_home", mobilenet_v3)
    monkeypatch.setitem(mobilenet_v3.WEIGHTS_HASHES, "small_224_1.0_float",
                        (None, parity.cached_md5(reference, NO_TOP_FILE)))
    with pytest.warns(UserWarning, match="Weights for input shape \\(224, 224\\)"):
        parity.check_imagenet_from_cache(MobileNetV3Small, "small", SPECS["small"], reference)


def test_offline_imagenet_weights_name_the_file(monkeypatch, tmp_path):
    offline_caches(monkeypatch, tmp_path, tmp_path / "deepfit_home", mobilenet_v3)
    with pytest.raises(DownloadError, match="weights_mobilenet_v3_large_224_0.75_float.h5"):
        MobileNetV3Large(alpha=0.75, input_shape=(224, 224, 3))


@pytest.mark.parametrize("kwargs, message", [
    ({"weights": "mobile"}, "The `weights` argument should be either"),
    ({"weights": "imagenet", "classes": 10}, "`classes` should be 1000"),
    ({"weights": "imagenet", "alpha": 0.5}, "alpha can be one of"),
    ({"weights": "imagenet", "alpha": 0.75, "minimalistic": True}, "alpha can be one of"),
    ({"weights": None, "input_shape": (31, 32, 3)}, "Input size must be at least 32x32"),
])
def test_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MobileNetV3Small(**kwargs)

@parity.needs_keras
@pytest.mark.heavy
def test_deeper_variants_equal_keras(tmp_path):
    # the same blocks as above in other depths and widths: structure only
    reference = parity.keras_reference(tmp_path, SLOW)
    for key, spec in SLOW.items():
        parity.check_model(SLOW_BUILDERS[key], key, spec, reference)
    # the published checkpoints' table: large 1.0, 5.4M parameters
    assert reference[1]["large"]["params"] == 5_507_432
