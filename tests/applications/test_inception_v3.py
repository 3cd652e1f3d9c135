"""InceptionV3 against real Keras 3 (torch backend, separate process): parameter counts, layer
names, weight paths and shapes, model name; Keras's weights give Keras's predictions;
`preprocess_input` as Keras's; `weights="imagenet"` reads Keras's file from Keras's cache, and
offline the error names the file; Keras's argument errors."""

from __future__ import annotations

import pytest

from deepfit.applications import InceptionV3, inception_v3
from deepfit.utils.file_utils import DownloadError
from tests.applications import parity
from tests.applications.caches import offline_caches

SMALL = (75, 75, 3)
NO_TOP_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
SPECS = {
    "no_top": {"fn": "InceptionV3", "kwargs": {"include_top": False, "input_shape": SMALL},
               "x": parity.images(SMALL, -1, 1), "h5": NO_TOP_FILE, "gain": 2.0},
    "top": {"fn": "InceptionV3", "kwargs": {"input_shape": (80, 80, 3), "classes": 5}},
    "pool": {"fn": "InceptionV3", "kwargs": {"include_top": False, "pooling": "max",
                                             "input_shape": (76, 90, 3)}},
    "inception_v3": {"preprocess": "inception_v3"},
}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    return parity.keras_reference(tmp_path_factory.mktemp("inception_v3"), SPECS)


@parity.needs_keras
@pytest.mark.parametrize("key", ["no_top", pytest.param("top", marks=pytest.mark.heavy),
                                 pytest.param("pool", marks=pytest.mark.heavy)])
def test_structure_and_predictions_equal_keras(reference, key):
    model = parity.check_model(InceptionV3, key, SPECS[key], reference)
    if key == "top":  # keras.io/api/applications: 23.9M with the top at 299x299
        assert model.count_params() - 5 * 2049 + 1000 * 2049 == 23_851_784


@parity.needs_keras
def test_preprocess_input_equals_keras(reference):
    parity.check_preprocess(inception_v3, "inception_v3", reference)


@parity.needs_keras
@pytest.mark.heavy  # the cache lookup: also tested (fast) in test_mobilenet.py
def test_imagenet_weights_come_from_the_keras_cache(reference, monkeypatch, tmp_path):
    folder, _ = reference
    offline_caches(monkeypatch, folder / "home", tmp_path / "deepfit_home", inception_v3)
    monkeypatch.setitem(inception_v3._WEIGHTS, False,
                        (NO_TOP_FILE, parity.cached_md5(reference, NO_TOP_FILE)))
    parity.check_imagenet_from_cache(InceptionV3, "no_top", SPECS["no_top"], reference)


def test_offline_imagenet_weights_name_the_file(monkeypatch, tmp_path):
    offline_caches(monkeypatch, tmp_path, tmp_path / "deepfit_home", inception_v3)
    with pytest.raises(DownloadError, match="inception_v3_weights_tf_dim_ordering_tf_kernels.h5"):
        InceptionV3()


@pytest.mark.parametrize("kwargs, message", [
    ({"weights": "inception"}, "The `weights` argument should be either"),
    ({"weights": "imagenet", "classes": 10}, "`classes` should be 1000"),
    ({"weights": None, "include_top": False, "input_shape": (74, 75, 3)},
     "Input size must be at least 75x75"),
    ({"weights": "imagenet", "input_shape": SMALL}, r"should be \(299, 299, 3\)"),
])
def test_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        InceptionV3(**kwargs)
