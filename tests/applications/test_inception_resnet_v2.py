"""InceptionResNetV2 against real Keras 3 (torch backend, separate process): parameter counts,
layer names, weight paths and shapes, model name; Keras's weights give Keras's predictions
(marked slow: 54M weights go through a file); `preprocess_input` as Keras's; offline,
`weights="imagenet"` names Keras's file; Keras's argument errors."""

from __future__ import annotations

import pytest

from deepfit.applications import InceptionResNetV2, inception_resnet_v2
from deepfit.utils.file_utils import DownloadError
from tests.applications import parity
from tests.applications.caches import offline_caches

SMALL = (75, 75, 3)
SPECS = {
    "top": {"fn": "InceptionResNetV2", "kwargs": {"input_shape": SMALL, "classes": 3}},
    "inception_resnet_v2": {"preprocess": "inception_resnet_v2"},
}
PREDICT = {"no_top": {"fn": "InceptionResNetV2",
                      "kwargs": {"include_top": False, "input_shape": SMALL, "pooling": "avg"},
                      "x": parity.images(SMALL, -1, 1), "gain": 2.0}}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    return parity.keras_reference(tmp_path_factory.mktemp("inception_resnet_v2"), SPECS)


@parity.needs_keras
def test_structure_equals_keras(reference):
    model = parity.check_model(InceptionResNetV2, "top", SPECS["top"], reference)
    # keras.io/api/applications: 55,873,736 parameters with the 1000-class top
    assert model.count_params() + (1000 - 3) * 1537 == 55_873_736


@parity.needs_keras
@pytest.mark.heavy
@pytest.mark.timeout(1200)  # big models: slow to initialize on a busy machine
def test_predictions_equal_keras(tmp_path):
    reference = parity.keras_reference(tmp_path, PREDICT)
    parity.check_model(InceptionResNetV2, "no_top", PREDICT["no_top"], reference)


@parity.needs_keras
def test_preprocess_input_equals_keras(reference):
    parity.check_preprocess(inception_resnet_v2, "inception_resnet_v2", reference)


def test_offline_imagenet_weights_name_the_file(monkeypatch, tmp_path):
    offline_caches(monkeypatch, tmp_path, tmp_path / "deepfit_home", inception_resnet_v2)
    with pytest.raises(DownloadError, match="inception_resnet_v2_weights_tf_dim_ordering_tf_"
                                            "kernels_notop.h5"):
        InceptionResNetV2(include_top=False)


@pytest.mark.parametrize("kwargs, message", [
    ({"weights": "inception"}, "The `weights` argument should be either"),
    ({"weights": "imagenet", "classes": 10}, "`classes` should be 1000"),
    ({"weights": None, "include_top": False, "input_shape": (75, 74, 3)},
     "Input size must be at least 75x75"),
])
def test_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        InceptionResNetV2(**kwargs)
    with pytest.raises(ValueError, match="Unknown Inception-ResNet block type"):
        inception_resnet_v2.inception_resnet_block(None, 0.1, "block9", 1)
