"""ResNet101/152 (`resnet`) and ResNet50V2/101V2/152V2 (`resnet_v2`) against real Keras 3
(torch backend, separate process): parameter counts, layer names, weight paths and shapes,
model names; Keras's weights give Keras's predictions (with and without the top);
`preprocess_input` as Keras's; `weights="imagenet"` reads Keras's file from Keras's cache,
and offline the error names the file."""

from __future__ import annotations

import numpy as np
import pytest

from deepfit.applications import resnet, resnet_v2
from deepfit.utils.file_utils import DownloadError
from tests.applications import parity
from tests.applications.caches import offline_caches

SMALL = (32, 32, 3)
V2_FILE = "resnet50v2_weights_tf_dim_ordering_tf_kernels_notop.h5"
SPECS = {
    # ResNet50's units (tested with predictions in test_vgg_resnet) in ResNet101's stages
    "ResNet50V2": {"fn": "ResNet50V2", "kwargs": {"include_top": False, "input_shape": SMALL,
                                                 "pooling": "max"},
                   "x": parity.images(SMALL, -1, 1), "h5": V2_FILE},
    "resnet": {"preprocess": "resnet"},
    "resnet_v2": {"preprocess": "resnet_v2"},
}
BUILDERS = {"ResNet50V2": resnet_v2.ResNet50V2}
SLOW = {
    "ResNet101": {"fn": "ResNet101", "kwargs": {"include_top": False, "input_shape": SMALL,
                                               "pooling": "avg"}},
    "ResNet152V2": {"fn": "ResNet152V2", "kwargs": {"input_shape": SMALL, "classes": 7}},
}
SLOW_BUILDERS = {"ResNet101": resnet.ResNet101, "ResNet152V2": resnet_v2.ResNet152V2}
# keras.io/api/applications (Keras 3.15.1's count_params): the deepest variants' totals
DOCUMENTED = {resnet.ResNet152: 60_419_944, resnet_v2.ResNet101V2: 44_675_560}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    return parity.keras_reference(tmp_path_factory.mktemp("resnet"), SPECS)


@parity.needs_keras
@pytest.mark.parametrize("key", list(BUILDERS))
def test_structure_and_predictions_equal_keras(reference, key):
    parity.check_model(BUILDERS[key], key, SPECS[key], reference)


@pytest.mark.heavy
@pytest.mark.parametrize("builder", list(DOCUMENTED), ids=lambda b: b.__name__)
@pytest.mark.timeout(1200)  # big models: slow to initialize on a busy machine
def test_documented_counts(builder):
    model = builder(weights=None, input_shape=SMALL)
    assert model.count_params() == DOCUMENTED[builder]


@parity.needs_keras
@pytest.mark.parametrize("module", [resnet, resnet_v2], ids=lambda m: m.__name__)
def test_preprocess_input_equals_keras(reference, module):
    parity.check_preprocess(module, module.__name__.rsplit(".", 1)[1], reference)


@parity.needs_keras
@pytest.mark.heavy  # the cache lookup: also tested (fast) in test_mobilenet.py
def test_imagenet_weights_come_from_the_keras_cache(reference, monkeypatch, tmp_path):
    folder, _ = reference
    offline_caches(monkeypatch, folder / "home", tmp_path / "deepfit_home", resnet)
    monkeypatch.setitem(resnet.WEIGHTS_HASHES, "resnet50v2",
                        ("", parity.cached_md5(reference, V2_FILE)))
    parity.check_imagenet_from_cache(resnet_v2.ResNet50V2, "ResNet50V2", SPECS["ResNet50V2"],
                                     reference)


def test_offline_imagenet_weights_name_the_file(monkeypatch, tmp_path):
    offline_caches(monkeypatch, tmp_path, tmp_path / "deepfit_home", resnet)
    with pytest.raises(DownloadError, match="resnet152_weights_tf_dim_ordering_tf_kernels.h5"):
        resnet.ResNet152()  # before any layer is built
    with pytest.raises(DownloadError, match="resnet101v2_weights_tf_dim_ordering_tf_kernels_no"):
        resnet_v2.ResNet101V2(include_top=False, input_shape=SMALL)


@pytest.mark.parametrize("kwargs, message", [
    ({"weights": "resnet"}, "The `weights` argument should be either"),
    ({"weights": "imagenet", "classes": 10}, "`classes` should be 1000"),
    ({"weights": None, "include_top": False, "input_shape": (31, 32, 3)},
     "Input size must be at least 32x32"),
    ({"weights": "imagenet", "input_shape": SMALL}, r"should be \(224, 224, 3\)"),
])
def test_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        resnet_v2.ResNet50V2(**kwargs)


def test_keras_namespace():
    from deepfit.compat import keras

    assert keras.applications.ResNet101 is resnet.ResNet101
    assert keras.applications.resnet.ResNet50 is keras.applications.ResNet50
    assert keras.applications.resnet_v2.ResNet152V2 is resnet_v2.ResNet152V2
    assert keras.applications.resnet_v2.preprocess_input is resnet_v2.preprocess_input
    out = resnet.preprocess_input(np.array([[[0.0, 0.0, 255.0]]]))
    np.testing.assert_allclose(out, [[[255.0 - 103.939, -116.779, -123.68]]], rtol=1e-6)

@parity.needs_keras
@pytest.mark.heavy
def test_deeper_variants_equal_keras(tmp_path):
    # the same blocks as above in other depths and widths: structure only
    reference = parity.keras_reference(tmp_path, SLOW)
    for key, spec in SLOW.items():
        parity.check_model(SLOW_BUILDERS[key], key, spec, reference)
