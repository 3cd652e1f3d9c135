"""Padding, cropping, upsampling, RepeatVector, Permute and spatial dropout: shapes, NumPy
references, parity with real Keras, and errors."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch

from deepfit.layers.reshaping import (
    Cropping1D,
    Cropping2D,
    Permute,
    RepeatVector,
    SpatialDropout1D,
    SpatialDropout2D,
    UpSampling1D,
    UpSampling2D,
    ZeroPadding1D,
    ZeroPadding2D,
)
from tests.layer_test_utils import run_layer_test


def _forward(layer, x, **kwargs):
    with torch.no_grad():
        return layer(torch.tensor(x), **kwargs).numpy()


@pytest.mark.parametrize("cls, kwargs, input_shape, output_shape", [
    (ZeroPadding2D, {}, (2, 5, 6, 3), (2, 7, 8, 3)),
    (ZeroPadding2D, {"padding": ((1, 0), (2, 3)), "data_format": "channels_first"},
     (2, 3, 5, 6), (2, 3, 6, 11)),
    (ZeroPadding1D, {"padding": (1, 2)}, (2, 5, 3), (2, 8, 3)),
    (Cropping2D, {"cropping": ((2, 1), (0, 3))}, (2, 8, 9, 3), (2, 5, 6, 3)),
    (Cropping2D, {"cropping": 1, "data_format": "channels_first"}, (2, 3, 5, 6),
     (2, 3, 3, 4)),
    (Cropping1D, {"cropping": (0, 2)}, (2, 6, 3), (2, 4, 3)),
    (UpSampling2D, {"size": (2, 3)}, (2, 4, 5, 3), (2, 8, 15, 3)),
    (UpSampling2D, {"interpolation": "bilinear", "data_format": "channels_first"},
     (2, 3, 4, 5), (2, 3, 8, 10)),
    (UpSampling1D, {"size": 3}, (2, 4, 5), (2, 12, 5)),
    (RepeatVector, {"n": 3}, (2, 5), (2, 3, 5)),
    (Permute, {"dims": (2, 1)}, (2, 4, 5), (2, 5, 4)),
    (Permute, {"dims": (3, 1, 2)}, (2, 4, 5, 6), (2, 6, 4, 5)),
    (SpatialDropout1D, {"rate": 0.5}, (2, 6, 4), (2, 6, 4)),
    (SpatialDropout2D, {"rate": 0.3, "data_format": "channels_first"}, (2, 4, 5, 5),
     (2, 4, 5, 5)),
])
def test_layer_contract(cls, kwargs, input_shape, output_shape):
    layer = run_layer_test(cls, kwargs, input_shape, output_shape,
                           expected_trainable_weights=0, expected_params=0)
    assert layer.compute_output_shape(input_shape) == output_shape


def test_padding_and_cropping_match_numpy():
    x = np.random.default_rng(0).standard_normal((2, 5, 6, 3)).astype(np.float32)
    np.testing.assert_array_equal(_forward(ZeroPadding2D(((1, 0), (2, 3))), x),
                                  np.pad(x, ((0, 0), (1, 0), (2, 3), (0, 0))))
    np.testing.assert_array_equal(_forward(ZeroPadding1D(2), x[:, 0]),
                                  np.pad(x[:, 0], ((0, 0), (2, 2), (0, 0))))
    np.testing.assert_array_equal(_forward(ZeroPadding1D(1, data_format="channels_first"),
                                           x[:, 0]), np.pad(x[:, 0], ((0, 0), (0, 0), (1, 1))))
    np.testing.assert_array_equal(_forward(Cropping2D(((1, 2), (0, 1))), x), x[:, 1:3, 0:5])
    np.testing.assert_array_equal(_forward(Cropping1D((1, 0)), x[:, 0]), x[:, 0, 1:])


def test_upsampling_nearest_repeats_pixels():
    x = np.random.default_rng(1).standard_normal((2, 3, 4, 2)).astype(np.float32)
    expected = np.repeat(np.repeat(x, 2, axis=1), 3, axis=2)
    np.testing.assert_array_equal(_forward(UpSampling2D((2, 3)), x), expected)
    first = _forward(UpSampling2D((2, 3), data_format="channels_first"), x.transpose(0, 3, 1, 2))
    np.testing.assert_array_equal(first, expected.transpose(0, 3, 1, 2))
    np.testing.assert_array_equal(_forward(UpSampling1D(2), x[:, 0]), np.repeat(x[:, 0], 2, 1))


def test_upsampling_bilinear_uses_half_pixel_centres():
    x = np.array([0.0, 4.0], dtype=np.float32).reshape(1, 1, 2, 1)
    out = _forward(UpSampling2D((1, 2), interpolation="bilinear"), x)[0, 0, :, 0]
    # Output pixel centres map to input x = -0.25, 0.25, 0.75, 1.25 (clamped at the edges).
    np.testing.assert_allclose(out, [0.0, 1.0, 3.0, 4.0])


def test_repeat_vector_and_permute_are_views():
    x = torch.arange(6.0).reshape(2, 3)
    repeated = RepeatVector(4)(x)
    np.testing.assert_array_equal(repeated.numpy(), np.repeat(x.numpy()[:, None], 4, axis=1))
    assert repeated.data_ptr() == x.data_ptr()
    y = torch.randn(2, 3, 4, 5)
    np.testing.assert_array_equal(Permute((3, 1, 2))(y).numpy(),
                                  y.numpy().transpose(0, 3, 1, 2))


@pytest.mark.parametrize("cls, shape, channel_axis", [
    (SpatialDropout1D, (64, 10, 32), 2),
    (SpatialDropout2D, (64, 5, 6, 32), 3),
])
def test_spatial_dropout_drops_whole_channels(cls, shape, channel_axis):
    layer = cls(0.25)
    x = torch.ones(shape)
    out = layer(x, training=True).numpy()
    spatial = tuple(range(1, len(shape) - 1))
    per_channel = out.max(axis=spatial)
    # Every channel is dropped or kept (scaled by 1 / 0.75) at all positions together.
    np.testing.assert_array_equal(out.min(axis=spatial), per_channel)
    kept = per_channel[per_channel != 0]
    np.testing.assert_allclose(kept, 1 / 0.75, rtol=1e-6)
    assert 0.15 < (per_channel == 0).mean() < 0.35
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x.numpy())
    assert per_channel.shape == (shape[0], shape[channel_axis])


def test_spatial_dropout_2d_channels_first():
    out = SpatialDropout2D(0.5, data_format="channels_first")(torch.ones(8, 16, 4, 4),
                                                              training=True)
    np.testing.assert_array_equal(out.amin(dim=(2, 3)).numpy(), out.amax(dim=(2, 3)).numpy())


@pytest.mark.parametrize("make, argument", [
    (lambda: ZeroPadding2D(((1, 2, 3), (1, 1))), "padding"),
    (lambda: ZeroPadding2D(-1), "padding"),
    (lambda: Cropping2D((1, 2, 3)), "cropping"),
    (lambda: UpSampling2D(0), "size"),
    (lambda: UpSampling2D(interpolation="lanczos9"), "interpolation"),
    (lambda: UpSampling1D(-2), "size"),
    (lambda: RepeatVector(0), "n"),
    (lambda: Permute((0, 1)), "dims"),
    (lambda: Permute((1, 3)), "dims"),
    (lambda: SpatialDropout1D(1.5), "rate"),
])
def test_bad_arguments(make, argument):
    with pytest.raises(ValueError, match=argument):
        make()


def test_wrong_rank_and_too_much_cropping():
    with pytest.raises(ValueError, match="expected ndim=4, found ndim=3"):
        ZeroPadding2D()(torch.zeros(2, 5, 5))
    with pytest.raises(ValueError, match="expected ndim=2, found ndim=3"):
        RepeatVector(2)(torch.zeros(2, 5, 5))
    with pytest.raises(ValueError, match="cropping"):
        Cropping2D(((2, 3), (0, 0)))(torch.zeros(1, 5, 5, 1))
    with pytest.raises(ValueError, match="cropping"):
        Cropping1D((3, 3))(torch.zeros(1, 6, 1))


# ----------------------------------------------------------------------------- real Keras


KERAS_CASES = [
    ("ZeroPadding2D", {"padding": ((1, 0), (2, 3))}, (2, 5, 6, 3)),
    ("ZeroPadding2D", {"padding": 2, "data_format": "channels_first"}, (2, 3, 5, 6)),
    ("ZeroPadding1D", {"padding": (0, 2)}, (2, 5, 3)),
    ("Cropping2D", {"cropping": ((1, 2), (3, 0))}, (2, 5, 6, 3)),
    ("Cropping2D", {"cropping": (1, 2), "data_format": "channels_first"}, (2, 3, 5, 6)),
    ("Cropping1D", {"cropping": (2, 1)}, (2, 6, 3)),
    ("UpSampling2D", {"size": (2, 3)}, (2, 4, 5, 3)),
    ("UpSampling2D", {"size": 3, "interpolation": "bilinear"}, (2, 4, 5, 3)),
    ("UpSampling2D", {"size": 2, "interpolation": "bicubic", "data_format": "channels_first"},
     (2, 3, 4, 5)),
    ("UpSampling1D", {"size": 3}, (2, 4, 5)),
    ("RepeatVector", {"n": 3}, (2, 5)),
    ("Permute", {"dims": (3, 1, 2)}, (2, 4, 5, 6)),
]


@pytest.mark.parametrize("name, kwargs, input_shape", KERAS_CASES)
def test_matches_keras(name, kwargs, input_shape):
    os.environ["KERAS_BACKEND"] = "torch"
    keras = pytest.importorskip("keras")
    import deepfit.layers.reshaping as reshaping

    x = np.random.default_rng(2).standard_normal(input_shape).astype(np.float32)
    ours = getattr(reshaping, name)(**kwargs)
    theirs = getattr(keras.layers, name)(**kwargs)
    expected = keras.ops.convert_to_numpy(theirs(x))
    np.testing.assert_allclose(_forward(ours, x), expected, rtol=1e-5, atol=1e-5)
    assert ours.compute_output_shape((None, *input_shape[1:])) == tuple(
        theirs.compute_output_shape((None, *input_shape[1:])))
    assert ours.get_config()[next(iter(kwargs))] == theirs.get_config()[next(iter(kwargs))]


def test_spatial_dropout_matches_keras_at_inference_and_config():
    os.environ["KERAS_BACKEND"] = "torch"
    keras = pytest.importorskip("keras")
    x = np.random.default_rng(3).standard_normal((2, 4, 5, 3)).astype(np.float32)
    theirs = keras.layers.SpatialDropout2D(0.4)
    np.testing.assert_array_equal(_forward(SpatialDropout2D(0.4), x, training=False),
                                  keras.ops.convert_to_numpy(theirs(x, training=False)))
    ours = SpatialDropout1D(0.2, seed=3).get_config()
    assert {k: ours[k] for k in ("rate", "seed")} == {"rate": 0.2, "seed": 3}
    assert "data_format" not in ours
