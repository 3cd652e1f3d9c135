"""EfficientNet against real Keras 3 (torch backend, separate process): the same layer names in
the same order, model names and parameter counts (B0 with and without the top, B1 to B7
without); a Keras-written weights file gives Keras's predictions, both as a file path and as
the ImageNet file found in Keras's cache (where the model adds Keras's extra 1/sqrt(std)
rescaling); a training-mode pass with drop-connect; the argument checks."""

from __future__ import annotations

import hashlib
import importlib.util

import numpy as np
import pytest
import torch

import deepfit
from deepfit.applications import EfficientNetB0, efficientnet
from deepfit.utils.file_utils import DownloadError
from tests.applications.caches import offline_caches
from tests.applications.keras_side import run_keras_script

needs_keras = pytest.mark.skipif(importlib.util.find_spec("keras") is None,
                                 reason="real Keras 3 (the 'parity' extra) is needed")
X = np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
WEIGHTS_FILE = "efficientnetb0_notop.h5"
SMALL = {"input_shape": (32, 32, 3)}

_KERAS = """
# automatic names (the input's Rescaling and Normalization) count from zero in each model
keras.backend.clear_session()
m = keras.applications.EfficientNetB0(weights=None, input_shape=(32, 32, 3))
out["True"] = [m.count_params(), [l.name for l in m.layers[1:]], m.name]
keras.backend.clear_session()
m = keras.applications.EfficientNetB0(weights=None, include_top=False, pooling="avg",
                                      input_tensor=keras.Input((32, 32, 3)))
out["False"] = [m.count_params(), [l.name for l in m.layers[1:]], m.name]
rng = np.random.default_rng(1)


def value(w):
    # scaled so that the two images still differ after the 16 blocks: kernels by their fan-in,
    # Normalization statistics those of 0..1 pixels, BatchNormalization gammas a little over 1
    shape, path = tuple(w.shape), w.path
    if path.endswith("kernel"):
        fan_in = np.prod(shape[:2]) if "dwconv" in path else np.prod(shape[:-1])
        return rng.normal(0, 1 / np.sqrt(fan_in), shape)
    if path.startswith("normalization"):
        return {"mean": rng.uniform(0.4, 0.6, shape), "variance": rng.uniform(0.05, 0.1, shape),
                "count": np.zeros(shape)}[path.rsplit("/", 1)[1]]
    if path.endswith("gamma"):
        return rng.uniform(1.25, 1.75, shape)
    if path.endswith("moving_variance"):
        return rng.uniform(0.5, 1.5, shape)
    return rng.normal(0, 0.1, shape)


save_random_weights(m, 0, values=[value(w).astype(w.dtype) for w in m.weights])
# Keras loading that file as its ImageNet weights: its own md5 stands for the published one
import hashlib
from keras.src.applications import efficientnet
path = os.path.join(folder, "home", ".keras", "models", weights_file)
md5 = hashlib.md5(open(path, "rb").read()).hexdigest()
efficientnet.WEIGHTS_HASHES["b0"] = (md5, md5)
m = keras.applications.EfficientNetB0(weights="imagenet", include_top=False,
                                      input_shape=(32, 32, 3), pooling="avg")
np.save(os.path.join(folder, "imagenet.npy"), m.predict(np.load(os.path.join(folder, "x.npy")),
                                                        verbose=0))
"""

# the tops differ from B0's only in the number of features pooled (tested on B0)
# B1 (the smallest step up), B4 and B7 (the largest width and depth) against Keras; the other
# variants differ from these only in their coefficients (a test time budget choice).
FAMILY = (1, 4, 7)
_KERAS_FAMILY = f"""
for i in {FAMILY}:
    keras.backend.clear_session()
    m = getattr(keras.applications, f"EfficientNetB{{i}}")(weights=None, include_top=False,
                                                          input_shape=(32, 32, 3))
    out[str(i)] = [m.count_params(), [l.name for l in m.layers[1:]], m.name]
"""


@pytest.fixture(scope="module")
def keras_side(tmp_path_factory):
    folder = tmp_path_factory.mktemp("efficientnet")
    with pytest.MonkeyPatch.context() as patch:  # Keras reads its cache folder at import
        patch.setenv("KERAS_HOME", str(folder / "home" / ".keras"))
        return folder, run_keras_script(_KERAS, folder, X, WEIGHTS_FILE)


@pytest.fixture
def zero_init(monkeypatch):
    """For the tests that look at names and counts or load weights: no random initial values
    (drawing EfficientNetB7's 64 M truncated-normal values alone takes seconds)."""
    monkeypatch.setattr(efficientnet, "_CONV_INIT", "zeros")
    monkeypatch.setattr(efficientnet, "_DENSE_INIT", "zeros")


@pytest.fixture(scope="module")
def b0_with_top():
    deepfit.backend.clear_session()
    return EfficientNetB0(weights=None, **SMALL)


@needs_keras
def test_b0_with_top_layers_names_and_counts_equal_keras(keras_side, b0_with_top):
    _, expected = keras_side
    count, names, keras_name = expected["True"]
    assert count == 5_330_571  # Keras's documented total (keras.io/api/applications)
    assert b0_with_top.count_params() == count
    assert [layer.name for layer in b0_with_top.layers[1:]] == names
    assert b0_with_top.name == keras_name == "efficientnetb0"
    assert b0_with_top.output_shape == (None, 1000)


@needs_keras
def test_b0_without_top_names_counts_and_keras_weights_file_equal_keras(keras_side, zero_init):
    folder, expected = keras_side
    deepfit.backend.clear_session()
    inputs = deepfit.Input((32, 32, 3))
    model = EfficientNetB0(weights=str(folder / "home" / ".keras" / "models" / WEIGHTS_FILE),
                           include_top=False, input_tensor=inputs, pooling="avg")
    count, names, keras_name = expected["False"]
    assert count == 4_049_571
    assert (model.count_params(), model.name) == (count, keras_name)
    assert [layer.name for layer in model.layers[1:]] == names
    assert model.inputs[0] is inputs and model.output_shape == (None, 1280)
    assert names[-1] == "avg_pool"
    predictions = np.load(folder / "keras.npy")
    assert np.ptp(predictions, axis=0).max() > 0.01  # the weights tell the two images apart
    np.testing.assert_allclose(model.predict(X, verbose=0), predictions, rtol=1e-5, atol=1e-5)


@needs_keras
@pytest.mark.slow  # B1, B4 and B7 in Keras and here: about 12 s on two cores
def test_b1_b4_b7_layers_names_and_counts_equal_keras(tmp_path, zero_init):
    expected = run_keras_script(_KERAS_FAMILY, tmp_path, X, "unused.h5")
    for i in FAMILY:
        deepfit.backend.clear_session()
        model = getattr(efficientnet, f"EfficientNetB{i}")(weights=None, include_top=False,
                                                           **SMALL)
        count, names, keras_name = expected[str(i)]
        assert (model.count_params(), model.name) == (count, keras_name)
        assert [layer.name for layer in model.layers[1:]] == names
        del model


@needs_keras
def test_imagenet_weights_come_from_the_keras_cache(keras_side, monkeypatch, tmp_path,
                                                   zero_init):
    folder, _ = keras_side
    offline_caches(monkeypatch, folder / "home", tmp_path / "deepfit_home", efficientnet)
    md5 = hashlib.md5((folder / "home" / ".keras" / "models" / WEIGHTS_FILE).read_bytes())
    monkeypatch.setitem(efficientnet._WEIGHTS_HASHES, "b0", (md5.hexdigest(),) * 2)
    model = EfficientNetB0(weights="imagenet", include_top=False, pooling="avg", **SMALL)
    expected = np.load(folder / "imagenet.npy")
    # Keras's extra per-channel rescaling changes the result: it is there, and the same
    assert np.abs(expected - np.load(folder / "keras.npy")).max() > 0.01
    np.testing.assert_allclose(model.predict(X, verbose=0), expected, rtol=1e-5, atol=1e-5)


def test_offline_imagenet_weights_name_the_file_and_where_to_put_it(monkeypatch, tmp_path):
    offline_caches(monkeypatch, tmp_path, tmp_path / "deepfit_home", efficientnet)
    with pytest.raises(DownloadError) as info:
        EfficientNetB0(weights="imagenet", include_top=False, **SMALL)
    assert WEIGHTS_FILE in str(info.value) and "place it at" in str(info.value)
    # the file is looked up before any layer is built: the 600x600 B7 fails at once
    for build, fname in ((EfficientNetB0, "efficientnetb0.h5"),
                         (efficientnet.EfficientNetB7, "efficientnetb7.h5")):
        with pytest.raises(DownloadError, match=fname):
            build(weights="imagenet")


def test_training_mode_drops_whole_residual_branches_and_trains(b0_with_top):
    deepfit.utils.set_random_seed(0)
    model = b0_with_top
    drops = [layer for layer in model.layers if layer.name.endswith("_drop")]
    # 0.2 * b / 16 for block b (from 0), on the blocks with a residual: 2b and 3b first
    assert [round(layer.rate, 4) for layer in drops[:2]] == [0.025, 0.05]
    assert all(layer.noise_shape == (None, 1, 1, 1) for layer in drops)
    assert model.get_layer("top_dropout").rate == 0.2
    x = torch.as_tensor(X)
    inference = model(x, training=False)
    train = model(x, training=True)
    assert train.shape == (2, 1000) and not torch.allclose(train, inference)
    train.square().mean().backward()
    assert model.get_layer("stem_conv").kernel.grad.abs().sum() > 0
    assert model.get_layer("normalization").mean.grad is None  # not trainable
    # drop-connect keeps or drops each sample's whole branch, scaling the kept ones
    out = drops[-1](torch.ones(64, 2, 2, 3), training=True).numpy()
    per_sample = out.reshape(64, -1)
    np.testing.assert_array_equal(per_sample.min(axis=1), per_sample.max(axis=1))
    kept = per_sample[per_sample[:, 0] != 0, 0]
    assert 0 < len(kept) < 64
    np.testing.assert_allclose(kept, 1 / (1 - drops[-1].rate), rtol=1e-6)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    history = model.fit(X, np.array([0, 999]), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_argument_errors():
    with pytest.raises(ValueError, match="classes"):
        EfficientNetB0(weights="imagenet", classes=10)
    with pytest.raises(ValueError, match="weights"):
        EfficientNetB0(weights="efficientnet")
    with pytest.raises(ValueError, match="at least 32x32"):
        EfficientNetB0(weights=None, include_top=False, input_shape=(16, 16, 3))
    with pytest.raises(ValueError, match=r"should be \(224, 224, 3\)"):
        EfficientNetB0(weights="imagenet", **SMALL)
    with pytest.raises(ValueError, match=r"should be \(600, 600, 3\)"):
        efficientnet.EfficientNetB7(weights="imagenet", **SMALL)
    with pytest.raises(ValueError, match="classifier_activation"):
        EfficientNetB0(weights="imagenet", classifier_activation="relu",
                       input_shape=(224, 224, 3))
    stages = [dict(efficientnet.DEFAULT_BLOCKS_ARGS[0], repeats=0)]
    with pytest.raises(ValueError, match="repeats"):
        efficientnet.EfficientNet(1.0, 1.0, 224, blocks_args=stages, weights=None)


def test_a_custom_block_list():
    stages = efficientnet.DEFAULT_BLOCKS_ARGS[:2]
    model = efficientnet.EfficientNet(0.5, 1.0, 32, blocks_args=stages, weights=None,
                                      include_top=False, **SMALL)
    assert model.output_shape == (None, 8, 8, 640)  # round_filters(1280 * 0.5)
    assert [layer.name for layer in model.layers if layer.name.endswith("_add")] == ["block2b_add"]


def test_preprocess_input_is_a_pass_through_and_the_keras_namespace():
    from deepfit.compat import keras

    images = np.full((1, 4, 4, 3), 200.0)
    assert efficientnet.preprocess_input(images) is images
    assert keras.applications.EfficientNetB0 is EfficientNetB0
    assert keras.applications.efficientnet.preprocess_input is efficientnet.preprocess_input
    assert keras.applications.efficientnet.decode_predictions is efficientnet.decode_predictions
    assert EfficientNetB0.__name__ == "EfficientNetB0" and "Args:" in EfficientNetB0.__doc__
