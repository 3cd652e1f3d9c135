"""NASNetMobile and NASNetLarge against real Keras 3 (torch backend, separate process):
parameter counts, layer names, weight names and shapes, model names; Keras's weights give
Keras's predictions (NASNetMobile); `preprocess_input` as Keras's; `weights="imagenet"` reads
Keras's file (cached as `nasnet_mobile_no_top.h5`) from Keras's cache, and offline the error
names it; Keras's argument errors. NASNetLarge by its documented total (slow)."""

from __future__ import annotations

import pytest

from deepfit.applications import NASNetLarge, NASNetMobile, nasnet
from deepfit.utils.file_utils import DownloadError
from tests.applications import parity
from tests.applications.caches import offline_caches

SMALL = (32, 32, 3)
NO_TOP_FILE = "nasnet_mobile_no_top.h5"
SPECS = {
    "mobile": {"fn": "NASNetMobile", "kwargs": {"include_top": False, "input_shape": SMALL,
                                               "pooling": "avg"},
               "x": parity.images(SMALL, -1, 1), "h5": NO_TOP_FILE, "gain": 2.0},
    "mobile_top": {"fn": "NASNetMobile", "kwargs": {"input_shape": (40, 36, 3), "classes": 3}},
    "nasnet": {"preprocess": "nasnet"},
}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    return parity.keras_reference(tmp_path_factory.mktemp("nasnet"), SPECS)


@parity.needs_keras
@pytest.mark.parametrize("key", ["mobile", "mobile_top"])
def test_structure_and_predictions_equal_keras(reference, key):
    parity.check_model(NASNetMobile, key, SPECS[key], reference)


@pytest.mark.slow
def test_nasnet_large_documented_count():
    # Keras 3.15.1's count_params with the top (keras.io: 88.9M)
    assert NASNetLarge(weights=None, input_shape=SMALL).count_params() == 88_949_818


@parity.needs_keras
def test_preprocess_input_equals_keras(reference):
    parity.check_preprocess(nasnet, "nasnet", reference)


@parity.needs_keras
def test_imagenet_weights_come_from_the_keras_cache(reference, monkeypatch, tmp_path):
    folder, _ = reference
    offline_caches(monkeypatch, folder / "home", tmp_path / "deepfit_home", nasnet)
    cached, published, _ = nasnet._WEIGHTS[224][False]
    monkeypatch.setitem(nasnet._WEIGHTS[224], False,
                        (cached, published, parity.cached_md5(reference, NO_TOP_FILE)))
    parity.check_imagenet_from_cache(NASNetMobile, "mobile", SPECS["mobile"], reference)


def test_offline_imagenet_weights_name_the_file(monkeypatch, tmp_path):
    offline_caches(monkeypatch, tmp_path, tmp_path / "deepfit_home", nasnet)
    with pytest.raises(DownloadError, match="nasnet_large.h5"):
        NASNetLarge()


@pytest.mark.parametrize("kwargs, message", [
    ({"weights": "nas"}, "The `weights` argument should be either"),
    ({"weights": "imagenet", "classes": 10}, "`classes` should be 1000"),
    ({"weights": "imagenet", "include_top": False, "input_shape": (None, 64, 3)},
     "must be static"),
    ({"weights": None, "include_top": False, "input_shape": (31, 32, 3)},
     "Input size must be at least 32x32"),
])
def test_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        NASNetMobile(**kwargs)
    with pytest.raises(ValueError, match="penultimate_filters"):
        nasnet.NASNet(penultimate_filters=100, weights=None)
