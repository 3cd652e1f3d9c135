"""NASNetMobile and NASNetLarge against real Keras 3: parameter counts, layer names, weight
names and shapes, model names (Keras with torch, through Keras's `NASNet` builder: Keras
3.15.1 refuses `NASNetMobile` itself on the torch backend, its results there being wrong);
Keras-with-TensorFlow's weights give Keras-with-TensorFlow's predictions and
`weights="imagenet"` reads its file (cached as `nasnet_mobile_no_top.h5`) from Keras's cache
(slow: TensorFlow starts); `preprocess_input` as Keras's; offline, the error names the file;
Keras's argument errors. NASNetLarge by its documented total (slow)."""

from __future__ import annotations

import os

import pytest

from deepfit.applications import NASNetLarge, NASNetMobile, nasnet
from deepfit.utils.file_utils import DownloadError
from tests.applications import parity
from tests.applications.caches import offline_caches

SMALL = (32, 32, 3)
NO_TOP_FILE = "nasnet_mobile_no_top.h5"
PEERS = "/work/main/.venv-peers/bin/python"
# NASNetMobile's settings of Keras's NASNet builder
MOBILE = {"penultimate_filters": 1056, "num_blocks": 4, "stem_block_filters": 32,
          "skip_reduction": False, "filter_multiplier": 2, "default_size": 224,
          "name": "nasnet_mobile"}
PUBLIC = {
    "mobile": {"include_top": False, "input_shape": SMALL, "pooling": "avg"},
    "mobile_top": {"input_shape": (40, 36, 3), "classes": 3},
}
SPECS = {key: {"fn": "keras.src.applications.nasnet:NASNet", "kwargs": {**kwargs, **MOBILE}}
         for key, kwargs in PUBLIC.items()}
SPECS["nasnet"] = {"preprocess": "nasnet"}
PREDICT = {"mobile": {"fn": "NASNetMobile", "kwargs": PUBLIC["mobile"],
                      "x": parity.images(SMALL, -1, 1), "h5": NO_TOP_FILE, "gain": 2.0}}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    return parity.keras_reference(tmp_path_factory.mktemp("nasnet"), SPECS)


@parity.needs_keras
@pytest.mark.parametrize("key", ["mobile", pytest.param("mobile_top", marks=pytest.mark.heavy)])
def test_structure_equals_keras(reference, key):
    parity.check_model(nasnet.NASNet, key, SPECS[key], reference)
    parity.check_model(NASNetMobile, key, {"kwargs": PUBLIC[key]}, reference)


@pytest.mark.heavy
@pytest.mark.skipif(not os.path.exists(PEERS), reason="needs Keras with TensorFlow")
@pytest.mark.timeout(1200)  # big models: slow to initialize on a busy machine
def test_predictions_and_imagenet_file_equal_keras_tensorflow(tmp_path, monkeypatch):
    reference = parity.keras_reference(tmp_path, PREDICT, backend="tensorflow", python=PEERS)
    parity.check_model(NASNetMobile, "mobile", PREDICT["mobile"], reference)
    offline_caches(monkeypatch, tmp_path / "home", tmp_path / "deepfit_home", nasnet)
    cached, published, _ = nasnet._WEIGHTS[224][False]
    monkeypatch.setitem(nasnet._WEIGHTS[224], False,
                        (cached, published, parity.cached_md5(reference, NO_TOP_FILE)))
    parity.check_imagenet_from_cache(NASNetMobile, "mobile", PREDICT["mobile"], reference)


@pytest.mark.heavy
@pytest.mark.timeout(1200)  # big models: slow to initialize on a busy machine
def test_nasnet_large_documented_count():
    # Keras 3.15.1's count_params with the top (keras.io: 88.9M)
    assert NASNetLarge(weights=None, input_shape=SMALL).count_params() == 88_949_818


@parity.needs_keras
def test_preprocess_input_equals_keras(reference):
    parity.check_preprocess(nasnet, "nasnet", reference)


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
