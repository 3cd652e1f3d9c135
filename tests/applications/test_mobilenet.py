"""MobileNet (v1) against real Keras 3 (torch backend, separate process): parameter counts,
layer names, weight paths and shapes, model names (alpha, size); Keras's weights give Keras's
predictions; `preprocess_input` as Keras's; `weights="imagenet"` reads Keras's file (by alpha
and size) from Keras's cache, and offline the error names the file; Keras's argument errors."""

from __future__ import annotations

import pytest

from deepfit.applications import MobileNet, mobilenet
from deepfit.utils.file_utils import DownloadError
from tests.applications import parity
from tests.applications.caches import offline_caches

NO_TOP_FILE = "mobilenet_2_5_128_tf_no_top.h5"
SPECS = {
    "alpha_0_25": {"fn": "MobileNet", "kwargs": {"include_top": False, "alpha": 0.25,
                                                "input_shape": (128, 128, 3)},
                   "x": parity.images((128, 128, 3), -1, 1), "h5": NO_TOP_FILE, "gain": 2.0},
    "top": {"fn": "MobileNet", "kwargs": {"input_shape": (32, 32, 3), "classes": 6,
                                          "alpha": 0.5, "depth_multiplier": 2},
            "x": parity.images((32, 32, 3), -1, 1), "gain": 2.0},
    "default": {"fn": "MobileNet", "kwargs": {"input_shape": (32, 32, 3)}},
    "mobilenet": {"preprocess": "mobilenet"},
}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    return parity.keras_reference(tmp_path_factory.mktemp("mobilenet"), SPECS)


@parity.needs_keras
@pytest.mark.parametrize("key", ["alpha_0_25", "top", "default"])
def test_structure_and_predictions_equal_keras(reference, key):
    parity.check_model(MobileNet, key, SPECS[key], reference)


@parity.needs_keras
def test_documented_count(reference):
    assert reference[1]["default"]["params"] == 4_253_864  # keras.io: 4.3M


@parity.needs_keras
def test_preprocess_input_equals_keras(reference):
    parity.check_preprocess(mobilenet, "mobilenet", reference)


@parity.needs_keras
def test_imagenet_weights_come_from_the_keras_cache(reference, monkeypatch, tmp_path):
    folder, _ = reference
    offline_caches(monkeypatch, folder / "home", tmp_path / "deepfit_home", mobilenet)
    parity.check_imagenet_from_cache(MobileNet, "alpha_0_25", SPECS["alpha_0_25"], reference)


def test_offline_imagenet_weights_name_the_file(monkeypatch, tmp_path):
    offline_caches(monkeypatch, tmp_path, tmp_path / "deepfit_home", mobilenet)
    with pytest.raises(DownloadError, match="mobilenet_7_5_160_tf.h5"):
        MobileNet(alpha=0.75, input_shape=(160, 160, 3))
    with pytest.warns(UserWarning, match="Weights for input shape \\(224, 224\\)"), \
            pytest.raises(DownloadError, match="mobilenet_1_0_224_tf_no_top.h5"):
        MobileNet(include_top=False, input_shape=(100, 100, 3))


@pytest.mark.parametrize("kwargs, message", [
    ({"weights": "mobile"}, "The `weights` argument should be either"),
    ({"weights": "imagenet", "classes": 10}, "`classes` should be 1000"),
    ({"weights": "imagenet", "alpha": 0.3}, "alpha can be one of"),
    ({"weights": "imagenet", "depth_multiplier": 2}, "depth multiplier must be 1"),
    ({"weights": None, "include_top": False, "input_shape": (31, 32, 3)},
     "Input size must be at least 32x32"),
])
def test_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MobileNet(**kwargs)
