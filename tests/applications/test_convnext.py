"""ConvNeXt against real Keras 3 (torch backend, separate process): parameter counts, layer
names (the nested stem and downsampling Sequentials included), weight paths and shapes, model
names; Keras's weights give Keras's predictions on 0..255 pixels (normalized inside), for
ConvNeXtTiny and a small ConvNeXt with LayerScale and StochasticDepth; StochasticDepth drops
whole samples only while training; `weights="imagenet"` reads Keras's file (sha256-checked)
from Keras's cache, and offline the error names the file; Keras's ImageNet checks. Base,
Large and XLarge by their documented totals (slow)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from deepfit.applications import convnext
from deepfit.utils.file_utils import DownloadError
from tests.applications import parity
from tests.applications.caches import offline_caches

SMALL = (32, 32, 3)
NO_TOP_FILE = "convnext_tiny_notop.h5"
MINI = {"depths": [1, 2, 1, 1], "projection_dims": [16, 24, 32, 40], "drop_path_rate": 0.3,
        "layer_scale_init_value": 0.5, "name": "convnext_mini", "input_shape": SMALL,
        "classes": 5}
SPECS = {
    "tiny": {"fn": "ConvNeXtTiny", "kwargs": {"include_top": False, "input_shape": SMALL,
                                             "pooling": "avg"},
             "x": parity.images(SMALL), "h5": NO_TOP_FILE},
    "mini": {"fn": "keras.src.applications.convnext:ConvNeXt", "kwargs": MINI,
             "x": parity.images(SMALL)},
}
BUILDERS = {"tiny": convnext.ConvNeXtTiny, "mini": convnext.ConvNeXt}
SLOW = {
    "small": {"fn": "ConvNeXtSmall", "kwargs": {"include_top": False, "input_shape": SMALL,
                                               "include_preprocessing": False}},
}
SLOW_BUILDERS = {"small": convnext.ConvNeXtSmall}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    return parity.keras_reference(tmp_path_factory.mktemp("convnext"), SPECS)


@parity.needs_keras
@pytest.mark.parametrize("key", list(BUILDERS))
def test_structure_and_predictions_equal_keras(reference, key):
    parity.check_model(BUILDERS[key], key, SPECS[key], reference)


@pytest.mark.heavy
@pytest.mark.parametrize("builder, params", [
    (convnext.ConvNeXtBase, 88_591_464), (convnext.ConvNeXtLarge, 197_767_336),
    (convnext.ConvNeXtXLarge, 350_196_968)], ids=["Base", "Large", "XLarge"])
@pytest.mark.timeout(1200)  # big models: slow to initialize on a busy machine
def test_documented_counts(builder, params):
    # Keras 3.15.1's count_params with the top (keras.io: 88.6M, 197.8M, 350.1M)
    assert builder(weights=None, input_shape=SMALL).count_params() == params


def test_stochastic_depth_drops_whole_samples_while_training():
    torch.manual_seed(0)
    layer = convnext.StochasticDepth(0.5)
    x = torch.ones(2000, 2, 2, 3)
    assert layer(x, training=False) is x
    out = layer(x, training=True)
    per_sample = out.reshape(2000, -1)
    assert set(per_sample.unique().tolist()) == {0.0, 2.0}
    assert bool((per_sample == per_sample[:, :1]).all())  # a sample is kept or dropped whole
    assert abs(float((per_sample[:, 0] == 0).float().mean()) - 0.5) < 0.05


def test_layer_scale_multiplies_the_last_axis():
    layer = convnext.LayerScale(0.25, 3)
    out = layer(np.ones((2, 3), "float32"))
    np.testing.assert_allclose(np.asarray(out.detach()), np.full((2, 3), 0.25))
    assert [w.shape for w in layer.trainable_weights] == [(3,)]


def test_preprocess_input_passes_through():
    x = np.arange(6.0)
    assert convnext.preprocess_input(x) is x


@parity.needs_keras
@pytest.mark.heavy  # the cache lookup: also tested (fast) in test_mobilenet.py
def test_imagenet_weights_come_from_the_keras_cache(reference, monkeypatch, tmp_path):
    import hashlib

    folder, _ = reference
    offline_caches(monkeypatch, folder / "home", tmp_path / "deepfit_home", convnext)
    sha = hashlib.sha256((folder / "home" / ".keras" / "models" / NO_TOP_FILE).read_bytes())
    monkeypatch.setitem(convnext.WEIGHTS_HASHES, "convnext_tiny", (None, sha.hexdigest()))
    parity.check_imagenet_from_cache(convnext.ConvNeXtTiny, "tiny", SPECS["tiny"], reference)


def test_offline_imagenet_weights_name_the_file(monkeypatch, tmp_path):
    offline_caches(monkeypatch, tmp_path, tmp_path / "deepfit_home", convnext)
    with pytest.raises(DownloadError, match="convnext_small.h5"):
        convnext.ConvNeXtSmall()


@pytest.mark.parametrize("kwargs, message", [
    ({"weights": "convnext"}, "The `weights` argument should be either"),
    ({"weights": "imagenet", "classes": 10}, "`classes` should be 1000"),
    ({"weights": "imagenet", "name": "tiny"}, 'does not match weights variant "convnext_tiny"'),
    ({"weights": None, "include_top": False, "input_shape": (31, 32, 3)},
     "Input size must be at least 32x32"),
])
def test_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        convnext.ConvNeXtTiny(**kwargs)
    with pytest.raises(ValueError, match="Architecture configuration does not match"):
        convnext.ConvNeXt([3, 3, 9, 3], [96, 192, 384, 512], name="convnext_tiny",
                          weights="imagenet", weights_name="convnext_tiny")

@parity.needs_keras
@pytest.mark.heavy
def test_deeper_variants_equal_keras(tmp_path):
    # the same blocks as above in other depths and widths: structure only
    reference = parity.keras_reference(tmp_path, SLOW)
    for key, spec in SLOW.items():
        parity.check_model(SLOW_BUILDERS[key], key, spec, reference)


def test_residual_scaling_layers_save_and_load(tmp_path):
    import deepfit
    from deepfit.applications.inception_resnet_v2 import CustomScaleLayer

    inputs = deepfit.Input((4,))
    branch = convnext.LayerScale(0.5, 4)(deepfit.layers.Dense(4)(inputs))
    branch = convnext.StochasticDepth(0.2)(branch)
    model = deepfit.Model(inputs, CustomScaleLayer(0.3)([inputs, branch]))
    x = np.random.default_rng(0).normal(size=(3, 4)).astype("float32")
    model.save(tmp_path / "m.keras")
    loaded = deepfit.models.load_model(tmp_path / "m.keras")
    assert [type(layer).__name__ for layer in loaded.layers[2:]] == [
        "LayerScale", "StochasticDepth", "CustomScaleLayer"]
    assert loaded.layers[2].get_config()["init_values"] == 0.5
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)
