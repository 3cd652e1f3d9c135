"""Preprocessing layers: Rescaling, Resizing, CenterCrop and Normalization — the layer contract,
NumPy/torch references, parity with real Keras (outputs, configs, weights, adapt) and errors."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import deepfit
from deepfit.data import Dataset
from deepfit.layers.preprocessing import (
    CenterCrop,
    Normalization,
    Rescaling,
    Resizing,
    resize_images,
)
from tests.layer_test_utils import run_layer_test


def _images(shape, seed=0):
    return (np.random.default_rng(seed).random(shape) * 255).astype("float32")


def _run(layer, x, **kwargs):
    with torch.no_grad():
        return layer(torch.tensor(x), **kwargs).numpy()


@pytest.fixture(scope="module")
def keras():
    os.environ["KERAS_BACKEND"] = "torch"
    return pytest.importorskip("keras")


# --------------------------------------------------------------------------- layer contract
@pytest.mark.parametrize("cls, kwargs, shape, expected", [
    (Rescaling, {"scale": 1 / 255}, (2, 4, 5, 3), (2, 4, 5, 3)),
    (Rescaling, {"scale": [1.0, 2.0, 3.0], "offset": -1.0}, (2, 6, 3), (2, 6, 3)),
    (Resizing, {"height": 3, "width": 7}, (2, 6, 5, 3), (2, 3, 7, 3)),
    (Resizing, {"height": 4, "width": 4, "crop_to_aspect_ratio": True}, (2, 6, 9, 1),
     (2, 4, 4, 1)),
    (Resizing, {"height": 4, "width": 2, "interpolation": "nearest",
                "data_format": "channels_first"}, (2, 3, 8, 8), (2, 3, 4, 2)),
    (CenterCrop, {"height": 2, "width": 3}, (2, 6, 5, 3), (2, 2, 3, 3)),
    (CenterCrop, {"height": 8, "width": 8}, (2, 4, 6, 1), (2, 8, 8, 1)),
])
def test_image_layer_contract(cls, kwargs, shape, expected):
    layer = run_layer_test(cls, kwargs, shape, expected, expected_params=0,
                           expected_trainable_weights=0)
    assert layer.compute_output_shape((None, *shape[1:])) == (None, *expected[1:])


@pytest.mark.parametrize("kwargs, shape, params", [
    ({}, (4, 5), 11),
    ({"axis": None}, (4, 3, 2), 3),
    ({"axis": (1, 3)}, (2, 4, 5, 3), 25),
    ({"axis": -1, "mean": 2.0, "variance": 4.0}, (4, 5), 0),
])
def test_normalization_contract(kwargs, shape, params):
    layer = run_layer_test(Normalization, kwargs, shape, shape, expected_params=params,
                           expected_trainable_weights=0,
                           expected_non_trainable_weights=3 if params else 0)
    names = [name for name, _ in layer.named_parameters()]
    assert names == (["mean", "variance", "count"] if params else [])


# --------------------------------------------------------------------------- references
def test_rescaling_forward():
    x = _images((2, 3, 4, 3))
    np.testing.assert_allclose(_run(Rescaling(1 / 127.5, offset=-1), x), x / 127.5 - 1,
                               rtol=1e-6, atol=1e-6)
    scale = np.array([1.0, 0.5, 0.25], dtype="float32")
    np.testing.assert_allclose(_run(Rescaling(scale, offset=[0, 1, 2]), x),
                               x * scale + np.array([0, 1, 2]), rtol=1e-6)
    ints = np.arange(6, dtype=np.uint8).reshape(2, 3)
    out = Rescaling(0.5)(torch.tensor(ints))
    assert out.dtype == torch.float32 and out.tolist() == [[0, 0.5, 1], [1.5, 2, 2.5]]


def test_resizing_matches_plain_torch_interpolate():
    x = _images((2, 5, 7, 3))
    nchw = torch.tensor(x).permute(0, 3, 1, 2)
    expected = F.interpolate(nchw, size=(9, 4), mode="bilinear", align_corners=False)
    np.testing.assert_allclose(_run(Resizing(9, 4), x), expected.permute(0, 2, 3, 1).numpy(),
                               rtol=1e-5, atol=1e-4)
    crop = nchw[:, :, :, 1:6]  # largest centered 5x5 window of a 5x7 image
    expected = F.interpolate(crop, size=(3, 3), mode="nearest-exact")
    np.testing.assert_allclose(
        _run(Resizing(3, 3, interpolation="nearest", crop_to_aspect_ratio=True), x),
        expected.permute(0, 2, 3, 1).numpy())


def test_resizing_pads_with_fill_value_and_unbatched_images():
    x = _images((4, 2, 1))
    out = _run(Resizing(4, 4, pad_to_aspect_ratio=True, fill_value=-1.0), x)
    assert out.shape == (4, 4, 1)
    np.testing.assert_array_equal(out[:, [0, 3], 0], -np.ones((4, 2)))
    np.testing.assert_array_equal(out[:, 1:3, 0], x[:, :, 0])
    assert resize_images(torch.zeros(2, 3, 4, 4), (4, 4)).shape == (2, 3, 4, 4)


def test_center_crop_slices_the_middle_window():
    x = _images((2, 7, 6, 3))
    np.testing.assert_array_equal(_run(CenterCrop(3, 4), x), x[:, 2:5, 1:5])
    first = _run(CenterCrop(3, 4, data_format="channels_first"), x.transpose(0, 3, 1, 2))
    np.testing.assert_array_equal(first, x[:, 2:5, 1:5].transpose(0, 3, 1, 2))


def test_normalization_forward_and_adapt_formulas():
    rng = np.random.default_rng(2)
    data = (rng.normal(size=(50, 4)) * [1, 2, 3, 4] + [0, 1, 2, 3]).astype("float32")
    layer = Normalization()
    layer.adapt(data)
    mean, var, count = layer.get_weights()
    np.testing.assert_allclose(mean, data.mean(0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(var, data.var(0), rtol=1e-5)  # the population variance
    assert count == 0 and count.dtype == np.int32  # Keras never updates it
    np.testing.assert_allclose(_run(layer, data), (data - data.mean(0)) / data.std(0),
                               rtol=1e-4, atol=1e-4)
    inverse = Normalization(invert=True)
    inverse.adapt(data)
    np.testing.assert_allclose(_run(inverse, _run(layer, data)), data, rtol=1e-4, atol=1e-4)


def test_normalization_adapts_over_batches_as_over_the_whole_array():
    rng = np.random.default_rng(3)
    images = (rng.random((37, 4, 5, 3)) * 255).astype("float32")
    labels = np.arange(37)
    whole = Normalization(axis=-1)
    whole.adapt(images)
    for data in (Dataset.from_tensor_slices((images, labels)).batch(8),
                 [images[:10], images[10:11], images[11:]],
                 (torch.tensor(images[i : i + 5]) for i in range(0, 37, 5))):
        batched = Normalization(axis=-1)
        batched.adapt(data)
        for ours, expected in zip(batched.get_weights(), whole.get_weights()):
            np.testing.assert_allclose(ours, expected, rtol=1e-5)
    np.testing.assert_allclose(whole.get_weights()[1], images.reshape(-1, 3).var(0), rtol=1e-5)


def test_normalization_with_given_statistics_broadcasts():
    x = _images((2, 3, 4))
    layer = Normalization(axis=(1, 2), mean=[1.0, 2.0, 3.0, 4.0], variance=[4.0, 4.0, 1.0, 1.0])
    expected = (x - np.array([1, 2, 3, 4])) / np.sqrt([4, 4, 1, 1])
    np.testing.assert_allclose(_run(layer, x), expected, rtol=1e-5)
    assert layer.count_params() == 0 and layer.get_weights() == []
    scalar = Normalization(mean=3.0, variance=2.0)
    np.testing.assert_allclose(_run(scalar, np.array([[1.0], [2.0], [3.0]])),
                               [[-1.4142135], [-0.70710677], [0.0]], rtol=1e-6)


def test_preprocessing_stack_in_a_sequential_model():
    resize_and_rescale = deepfit.Sequential([Resizing(8, 8), Rescaling(1 / 255)])
    x = _images((3, 16, 12, 3))
    out = resize_and_rescale(torch.tensor(x)).numpy()
    assert out.shape == (3, 8, 8, 3) and 0 <= out.min() and out.max() <= 1


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize("build, message", [
    (lambda: Rescaling("half"), "Rescaling: scale must be a number"),
    (lambda: Rescaling(1.0, offset=[]), "Rescaling: offset"),
    (lambda: Resizing(0, 4), "Resizing: height must be a positive int, received 0"),
    (lambda: Resizing(4, 2.5), "Resizing: width must be a positive int"),
    (lambda: Resizing(4, 4, interpolation="cubic"), "Resizing: interpolation must be one of"),
    (lambda: Resizing(4, 4, interpolation="lanczos3"), "not supported by deepfit"),
    (lambda: Resizing(4, 4, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True),
     "only one of crop_to_aspect_ratio"),
    (lambda: Resizing(4, 4, fill_mode="reflect"), "fill_mode must be 'constant'"),
    (lambda: Resizing(4, 4, data_format="nhwc"), "data_format must be 'channels_last'"),
    (lambda: CenterCrop(-1, 4), "CenterCrop: height must be a positive int"),
    (lambda: Normalization(mean=1.0), "mean and variance must be given together"),
    (lambda: Normalization(mean=[1.0, 2.0], variance=[1.0]), "the same shape"),
    (lambda: Normalization(axis=-1, mean=np.ones((2, 2)), variance=np.ones((2, 2))),
     "rank of mean"),
    (lambda: Normalization(axis="last"), "axis must be an int"),
])
def test_bad_arguments(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_wrong_rank_and_bad_adapt_data():
    with pytest.raises(ValueError, match=r"Input 0 of layer 'resizing.*' is incompatible with "
                                         r"the layer: expected ndim=4.*found ndim=2. Full shape "
                                         r"received: \(32, 784\)"):
        Resizing(4, 4)(torch.zeros(32, 784))
    layer = Normalization()
    with pytest.raises(ValueError, match="data is empty"):
        layer.adapt([])
    with pytest.raises(TypeError, match="expected an array"):
        layer.adapt(3.0)
    layer.adapt(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"adapt\(\) received a batch of shape \(4, 2\)"):
        layer.adapt(np.ones((4, 2)))
    with pytest.raises(ValueError, match="axis values must be in"):
        Normalization(axis=3)(torch.zeros(2, 3))
    with pytest.raises(ValueError, match="cannot be used on a layer created with mean"):
        Normalization(mean=0.0, variance=1.0).adapt(np.ones((2, 2)))


# --------------------------------------------------------------------------- parity with Keras
KERAS_CASES = [
    ("Rescaling", {"scale": 1 / 255}, (2, 5, 6, 3)),
    ("Rescaling", {"scale": 2.0, "offset": -3.0}, (4, 7)),
    ("Resizing", {"height": 9, "width": 4}, (2, 5, 7, 3)),
    ("Resizing", {"height": 3, "width": 5, "interpolation": "nearest"}, (2, 8, 9, 2)),
    ("Resizing", {"height": 6, "width": 11, "interpolation": "bicubic"}, (2, 5, 7, 3)),
    ("Resizing", {"height": 4, "width": 4, "crop_to_aspect_ratio": True}, (2, 6, 9, 3)),
    ("Resizing", {"height": 5, "width": 5, "pad_to_aspect_ratio": True, "fill_value": 7.0},
     (2, 4, 9, 3)),
    ("Resizing", {"height": 4, "width": 3, "antialias": True}, (2, 12, 9, 3)),
    ("Resizing", {"height": 4, "width": 6, "data_format": "channels_first"}, (2, 3, 7, 5)),
    ("Resizing", {"height": 4, "width": 6}, (7, 5, 3)),
    ("CenterCrop", {"height": 3, "width": 4}, (2, 7, 6, 3)),
    ("CenterCrop", {"height": 8, "width": 5}, (2, 4, 6, 3)),
    ("CenterCrop", {"height": 2, "width": 3, "data_format": "channels_first"}, (2, 3, 5, 5)),
    ("Normalization", {}, (6, 4)),
    ("Normalization", {"axis": None}, (6, 3, 4)),
    ("Normalization", {"axis": (1, 3)}, (4, 3, 5, 2)),
    ("Normalization", {"axis": -1, "invert": True}, (6, 5, 4)),
    ("Normalization", {"axis": 1, "mean": [1.0, 2.0, 3.0], "variance": [1.0, 4.0, 9.0]},
     (5, 3, 2)),
]


@pytest.mark.parametrize("name, kwargs, shape", KERAS_CASES)
def test_matches_keras(keras, name, kwargs, shape):
    import deepfit.layers.preprocessing as preprocessing

    x = _images(shape, seed=4)
    ours = getattr(preprocessing, name)(**kwargs)
    theirs = getattr(keras.layers, name)(**kwargs)
    if name == "Normalization" and "mean" not in kwargs:
        adapt = _images(shape, seed=5) * np.linspace(0.5, 2, shape[-1], dtype="float32")
        ours.adapt(adapt)
        theirs.adapt(adapt)
        np.testing.assert_allclose(np.concatenate([w.ravel() for w in ours.get_weights()]),
                                   np.concatenate([w.ravel() for w in theirs.get_weights()]),
                                   rtol=1e-4, atol=1e-4)
    expected = keras.ops.convert_to_numpy(theirs(x))
    np.testing.assert_allclose(_run(ours, x), expected, rtol=1e-4, atol=1e-4)
    batch_shape = (None, *shape[1:]) if len(shape) > 3 or name != "Resizing" else shape
    assert ours.compute_output_shape(batch_shape) == tuple(theirs.compute_output_shape(
        batch_shape))
    assert ours.count_params() == theirs.count_params()
    keras_config = theirs.get_config()
    assert set(ours.get_config()) == set(keras_config)
    clone = type(ours).from_config(keras_config)
    assert clone.get_config() == {**ours.get_config(), "name": keras_config["name"]}


def test_normalization_weights_load_into_keras(keras):
    data = _images((20, 3), seed=8)
    ours = Normalization()
    ours.adapt(data)
    theirs = keras.layers.Normalization()
    theirs.build((None, 3))
    theirs.set_weights(ours.get_weights())
    theirs.finalize_state()
    x = _images((4, 3), seed=9)
    np.testing.assert_allclose(_run(ours, x), keras.ops.convert_to_numpy(theirs(x)),
                               rtol=1e-5, atol=1e-5)
