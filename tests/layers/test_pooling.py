"""Pooling layers: shapes, NumPy references of TensorFlow's pooling (padding left out of
averages), global poolings with keepdims and masks, parity with real Keras, and errors."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
import torch

from deepfit import layers
from deepfit.layers.pooling import (
    AveragePooling1D,
    AveragePooling2D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    MaxPool2D,
    MaxPooling1D,
    MaxPooling2D,
)
from tests.layer_test_utils import run_layer_test


def reference_pool2d(x, pool, strides, padding, mode):
    """Channels-last pooling; 'same' pads TensorFlow's way and only counts real pixels."""
    batch, height, width, channels = x.shape
    if padding == "same":
        out_h, out_w = math.ceil(height / strides[0]), math.ceil(width / strides[1])
        top = max((out_h - 1) * strides[0] + pool[0] - height, 0) // 2
        left = max((out_w - 1) * strides[1] + pool[1] - width, 0) // 2
    else:
        out_h = (height - pool[0]) // strides[0] + 1
        out_w = (width - pool[1]) // strides[1] + 1
        top = left = 0
    out = np.zeros((batch, out_h, out_w, channels))
    for i in range(out_h):
        for j in range(out_w):
            r0, c0 = i * strides[0] - top, j * strides[1] - left
            window = x[:, max(r0, 0):r0 + pool[0], max(c0, 0):c0 + pool[1]]
            out[:, i, j] = window.max(axis=(1, 2)) if mode == "max" else window.mean(axis=(1, 2))
    return out


def _forward(layer, x, **kwargs):
    with torch.no_grad():
        return layer(torch.tensor(x), **kwargs).numpy()


@pytest.mark.parametrize("cls, kwargs, input_shape, output_shape", [
    (MaxPooling2D, {}, (2, 26, 26, 4), (2, 13, 13, 4)),
    (MaxPooling2D, {"pool_size": 3, "strides": 2, "padding": "same"}, (2, 7, 8, 3),
     (2, 4, 4, 3)),
    (MaxPooling2D, {"data_format": "channels_first"}, (2, 3, 7, 8), (2, 3, 3, 4)),
    (AveragePooling2D, {"pool_size": (2, 3), "strides": 1}, (2, 7, 8, 3), (2, 6, 6, 3)),
    (AveragePooling2D, {"pool_size": 2, "padding": "same"}, (2, 7, 7, 3), (2, 4, 4, 3)),
    (MaxPooling1D, {}, (2, 9, 3), (2, 4, 3)),
    (MaxPooling1D, {"pool_size": 3, "strides": 1, "padding": "same"}, (2, 9, 3), (2, 9, 3)),
    (AveragePooling1D, {"pool_size": 4, "strides": 2, "padding": "same",
                        "data_format": "channels_first"}, (2, 3, 9), (2, 3, 5)),
    (GlobalAveragePooling1D, {}, (2, 9, 3), (2, 3)),
    (GlobalMaxPooling1D, {"keepdims": True}, (2, 9, 3), (2, 1, 3)),
    (GlobalAveragePooling2D, {"keepdims": True, "data_format": "channels_first"},
     (2, 3, 5, 6), (2, 3, 1, 1)),
    (GlobalMaxPooling2D, {}, (2, 5, 6, 3), (2, 3)),
    (layers.MaxPooling3D, {}, (2, 4, 5, 6, 3), (2, 2, 2, 3, 3)),
    (layers.AveragePooling3D, {"pool_size": 2, "padding": "same"}, (2, 3, 4, 5, 2),
     (2, 2, 2, 3, 2)),
    (layers.GlobalAveragePooling3D, {"keepdims": True}, (2, 3, 4, 5, 2), (2, 1, 1, 1, 2)),
    (layers.GlobalMaxPooling3D, {"data_format": "channels_first"}, (2, 3, 4, 5, 2), (2, 3)),
])
def test_layer_contract(cls, kwargs, input_shape, output_shape):
    layer = run_layer_test(cls, kwargs, input_shape, output_shape,
                           expected_trainable_weights=0, expected_params=0)
    assert layer.compute_output_shape(input_shape) == output_shape


def test_max_pool_example_from_keras_docs():
    x = np.arange(1, 13, dtype=np.float32).reshape(1, 3, 4, 1)
    out = _forward(MaxPooling2D(2, strides=2), x)
    np.testing.assert_array_equal(out[0, :, :, 0], [[6, 8]])
    out = _forward(MaxPooling2D(2, strides=1, padding="same"), x[:, :, :3])
    np.testing.assert_array_equal(out[0, :, :, 0], [[6, 7, 7], [10, 11, 11], [10, 11, 11]])


def test_same_average_leaves_padding_out_of_the_count():
    x = np.arange(1, 10, dtype=np.float32).reshape(1, 9, 1)
    # Pads 1 before and 2 after; edge windows average only the real steps they cover.
    out = _forward(AveragePooling1D(4, strides=1, padding="same"), x)[0, :, 0]
    np.testing.assert_allclose(out, [2, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8, 8.5])


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("pool, strides, padding", [
    ((2, 2), (2, 2), "valid"), ((3, 3), (2, 2), "same"), ((2, 3), (1, 3), "same"),
    ((3, 2), (3, 1), "valid"), ((4, 4), (3, 3), "same"),
])
def test_pool2d_matches_reference(mode, pool, strides, padding):
    x = np.random.default_rng(0).standard_normal((2, 7, 8, 3)).astype(np.float32)
    cls = MaxPooling2D if mode == "max" else AveragePooling2D
    out = _forward(cls(pool, strides=strides, padding=padding), x)
    np.testing.assert_allclose(out, reference_pool2d(x, pool, strides, padding, mode),
                               atol=1e-6)


@pytest.mark.parametrize("cls", [MaxPooling1D, AveragePooling1D])
def test_pool1d_matches_2d_reference(cls):
    x = np.random.default_rng(1).standard_normal((2, 10, 3)).astype(np.float32)
    mode = "max" if cls is MaxPooling1D else "average"
    out = _forward(cls(3, strides=2, padding="same"), x)
    expected = reference_pool2d(x[:, None], (1, 3), (1, 2), "same", mode)[:, 0]
    np.testing.assert_allclose(out, expected, atol=1e-6)


def test_global_poolings_reduce_spatial_axes():
    x = np.random.default_rng(2).standard_normal((2, 4, 5, 3)).astype(np.float32)
    np.testing.assert_allclose(_forward(GlobalAveragePooling2D(), x), x.mean(axis=(1, 2)),
                               atol=1e-6)
    np.testing.assert_allclose(_forward(GlobalMaxPooling2D(keepdims=True), x),
                               x.max(axis=(1, 2), keepdims=True))
    np.testing.assert_allclose(_forward(GlobalAveragePooling1D(data_format="channels_first"),
                                        x[:, 0]), x[:, 0].mean(axis=2), atol=1e-6)


def test_global_average_1d_skips_masked_steps():
    x = np.arange(24, dtype=np.float32).reshape(2, 4, 3)
    mask = np.array([[True, True, False, False], [True, True, True, True]])
    out = _forward(GlobalAveragePooling1D(), x, mask=torch.tensor(mask))
    np.testing.assert_allclose(out, [x[0, :2].mean(axis=0), x[1].mean(axis=0)])


def test_pool_chain_keeps_channels_last_memory():
    pooled = MaxPooling2D()(torch.randn(2, 8, 8, 16))
    assert pooled.is_contiguous()


def test_aliases():
    assert MaxPool2D is MaxPooling2D
    assert layers.MaxPool3D is layers.MaxPooling3D and layers.AvgPool3D is layers.AveragePooling3D
    assert layers.GlobalAvgPool3D is layers.GlobalAveragePooling3D
    assert layers.GlobalMaxPool3D is layers.GlobalMaxPooling3D


@pytest.mark.parametrize("make, argument", [
    (lambda: MaxPooling2D(0), "pool_size"),
    (lambda: MaxPooling2D((2, 2, 2)), "pool_size"),
    (lambda: MaxPooling2D(2, strides=-1), "strides"),
    (lambda: AveragePooling2D(2, padding="full"), "padding"),
    (lambda: GlobalMaxPooling2D(data_format="nchw"), "data_format"),
])
def test_bad_arguments(make, argument):
    with pytest.raises(ValueError, match=argument):
        make()


def test_wrong_rank():
    with pytest.raises(ValueError, match=r"layer 'pool' is incompatible with the layer: "
                                         r"expected ndim=4, found ndim=3"):
        MaxPooling2D(name="pool")(torch.zeros(2, 8, 8))
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=4"):
        GlobalAveragePooling1D()(torch.zeros(2, 8, 8, 1))


# ----------------------------------------------------------------------------- real Keras


def _symmetric(size, pool, stride):
    total = max((math.ceil(size / stride) - 1) * stride + pool - size, 0)
    return total % 2 == 0


KERAS_CASES = [
    ("MaxPooling2D", {"pool_size": 3, "strides": 2, "padding": "same"}, (2, 7, 8, 3)),
    ("MaxPooling2D", {"pool_size": (2, 3), "strides": (1, 2), "padding": "valid"},
     (2, 7, 8, 3)),
    ("MaxPooling1D", {"pool_size": 4, "strides": 1, "padding": "same",
                      "data_format": "channels_first"}, (2, 3, 9)),
    ("AveragePooling2D", {"pool_size": 3, "strides": 2, "padding": "same"}, (2, 7, 9, 3)),
    ("AveragePooling2D", {"pool_size": 2, "padding": "valid", "data_format": "channels_first"},
     (2, 3, 7, 8)),
    ("AveragePooling1D", {"pool_size": 3, "strides": 1, "padding": "same"}, (2, 9, 3)),
    ("GlobalAveragePooling1D", {"keepdims": True}, (2, 9, 3)),
    ("GlobalMaxPooling1D", {"data_format": "channels_first"}, (2, 3, 9)),
    ("GlobalAveragePooling2D", {}, (2, 5, 6, 3)),
    ("GlobalMaxPooling2D", {"keepdims": True}, (2, 5, 6, 3)),
    ("MaxPooling3D", {}, (2, 5, 6, 7, 3)),
    ("MaxPooling3D", {"pool_size": (3, 2, 2), "strides": (2, 1, 2), "padding": "same",
                      "data_format": "channels_first"}, (2, 3, 5, 6, 7)),
    ("AveragePooling3D", {"pool_size": 3, "strides": 2, "padding": "same"}, (2, 7, 5, 9, 2)),
    ("AveragePooling3D", {"pool_size": (2, 3, 2), "strides": 1, "padding": "valid"},
     (2, 4, 5, 6, 2)),
    ("GlobalAveragePooling3D", {"data_format": "channels_first"}, (2, 3, 4, 5, 6)),
    ("GlobalMaxPooling3D", {"keepdims": True}, (2, 4, 5, 6, 3)),
]


@pytest.mark.parametrize("name, kwargs, input_shape", KERAS_CASES)
def test_matches_keras(name, kwargs, input_shape):
    os.environ["KERAS_BACKEND"] = "torch"
    keras = pytest.importorskip("keras")
    import deepfit.layers.pooling as pooling

    # Keras 3.15's torch backend counts replicated edges in asymmetric 'same' averages, which
    # TensorFlow (and Keras's newer releases) leave out; those cases are checked against the
    # NumPy reference above instead.
    if name.startswith("Average") and kwargs["padding"] == "same":
        spatial = input_shape[1:-1]
        assert all(_symmetric(n, kwargs["pool_size"], kwargs["strides"]) for n in spatial)
    x = np.random.default_rng(3).standard_normal(input_shape).astype(np.float32)
    ours = getattr(pooling, name)(**kwargs)
    theirs = getattr(keras.layers, name)(**kwargs)
    expected = keras.ops.convert_to_numpy(theirs(x))
    np.testing.assert_allclose(_forward(ours, x), expected, rtol=1e-6, atol=1e-6)
    assert ours.compute_output_shape((None, *input_shape[1:])) == tuple(
        theirs.compute_output_shape((None, *input_shape[1:])))
