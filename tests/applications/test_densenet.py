"""DenseNet121/169/201 against real Keras 3 (torch backend, separate process): parameter
counts, layer names, weight paths and shapes, model names; Keras's weights give Keras's
predictions; `preprocess_input` ('torch' mode) as Keras's; `weights="imagenet"` reads Keras's
file from Keras's cache, and offline the error names the file; Keras's argument errors."""

from __future__ import annotations

import pytest

from deepfit.applications import DenseNet121, DenseNet169, DenseNet201, densenet
from deepfit.utils.file_utils import DownloadError
from tests.applications import parity
from tests.applications.caches import offline_caches

SMALL = (32, 32, 3)
NO_TOP_FILE = "densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5"
X = parity.images(SMALL, -2, 2)
SPECS = {
    "DenseNet121": {"fn": "DenseNet121", "kwargs": {"include_top": False, "input_shape": SMALL,
                                                   "pooling": "avg"},
                    "x": X, "h5": NO_TOP_FILE, "gain": 2.0},
    "DenseNet121_top": {"fn": "DenseNet121", "kwargs": {"input_shape": SMALL, "classes": 4},
                        "x": X, "gain": 2.0},
    "densenet": {"preprocess": "densenet"},
}
BUILDERS = {"DenseNet121": DenseNet121, "DenseNet121_top": DenseNet121}
SLOW = {
    "DenseNet169": {"fn": "DenseNet169", "kwargs": {"include_top": False, "input_shape": SMALL}},
    "DenseNet201": {"fn": "DenseNet201", "kwargs": {"input_shape": SMALL}},
}
SLOW_BUILDERS = {"DenseNet169": DenseNet169, "DenseNet201": DenseNet201}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    return parity.keras_reference(tmp_path_factory.mktemp("densenet"), SPECS)


@parity.needs_keras
@pytest.mark.parametrize("key", list(BUILDERS))
def test_structure_and_predictions_equal_keras(reference, key):
    parity.check_model(BUILDERS[key], key, SPECS[key], reference)


@parity.needs_keras
def test_preprocess_input_equals_keras(reference):
    parity.check_preprocess(densenet, "densenet", reference)


@parity.needs_keras
@pytest.mark.heavy  # the cache lookup: also tested (fast) in test_mobilenet.py
def test_imagenet_weights_come_from_the_keras_cache(reference, monkeypatch, tmp_path):
    folder, _ = reference
    offline_caches(monkeypatch, folder / "home", tmp_path / "deepfit_home", densenet)
    label, top_md5, _ = densenet._WEIGHTS[(6, 12, 24, 16)]
    monkeypatch.setitem(densenet._WEIGHTS, (6, 12, 24, 16),
                        (label, top_md5, parity.cached_md5(reference, NO_TOP_FILE)))
    parity.check_imagenet_from_cache(DenseNet121, "DenseNet121", SPECS["DenseNet121"],
                                     reference)


def test_offline_imagenet_weights_name_the_file(monkeypatch, tmp_path):
    offline_caches(monkeypatch, tmp_path, tmp_path / "deepfit_home", densenet)
    with pytest.raises(DownloadError, match="densenet169_weights_tf_dim_ordering_tf_kernels.h5"):
        DenseNet169()


@pytest.mark.parametrize("kwargs, message", [
    ({"weights": "dense"}, "The `weights` argument should be either"),
    ({"weights": "imagenet", "classes": 10}, "`classes` should be 1000"),
    ({"weights": None, "include_top": False, "input_shape": (31, 32, 3)},
     "Input size must be at least 32x32"),
])
def test_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DenseNet121(**kwargs)
    with pytest.raises(ValueError, match="blocks"):
        densenet.DenseNet([1, 1, 1, 1], weights="imagenet")

@parity.needs_keras
@pytest.mark.heavy
def test_deeper_variants_equal_keras(tmp_path):
    # the same blocks as above in other depths and widths: structure only
    reference = parity.keras_reference(tmp_path, SLOW)
    for key, spec in SLOW.items():
        parity.check_model(SLOW_BUILDERS[key], key, spec, reference)
    # keras.io/api/applications: DenseNet201, 20.2M parameters with the top
    assert reference[1]["DenseNet201"]["params"] == 20_242_984
