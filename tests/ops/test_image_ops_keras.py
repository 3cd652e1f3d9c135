"""The newer `keras.ops.image` functions against real Keras (torch backend, a separate process)
on the same random inputs: colour conversion, filters, cropping/padding, map_coordinates in
every fill mode, the affine/perspective/elastic warps and scale_and_translate."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from deepfit import ops
from tests.keras_process import run_keras

RNG = np.random.default_rng(0)
IMAGES = RNG.uniform(0, 1, (2, 9, 11, 3)).astype("float32")
SECOND = np.clip(IMAGES + RNG.normal(0, 0.1, IMAGES.shape), 0, 1).astype("float32")
VOLUME = RNG.uniform(0, 1, (5, 6, 4)).astype("float32")
COORDS = RNG.uniform(-3, 8, (3, 7, 5)).astype("float32")
AFFINE = np.array([[0.9, 0.2, 1.3, -0.15, 1.1, -0.7, 0, 0],
                   [1.2, -0.3, -2.1, 0.25, 0.8, 1.6, 0, 0]], dtype="float32")
# Coordinates k/2 + 1/4 never fall on a rounding tie, so 'nearest' is exact on both sides.
HALF = np.array([[0.5, 0, 0.25, 0, 0.5, 0.25, 0, 0], [0.5, 0, 3.25, 0, 0.5, -2.25, 0, 0]],
                dtype="float32")
START = np.array([[[0, 0], [10, 0], [0, 8], [10, 8]], [[1, 0], [9, 1], [0, 7], [10, 8]]],
                 dtype="float32")
END = np.array([[[1, 1], [9, 0], [0, 7], [10, 8]], [[0, 0], [10, 0], [0, 8], [10, 8]]],
               dtype="float32")
FILL_MODES = ["constant", "nearest", "wrap", "mirror", "reflect"]

KERAS_CODE = """
import torch
img = ops.image
x, x2, v, c = inputs["x"], inputs["x2"], inputs["volume"], inputs["coords"]
A, H, S, E = inputs["affine"], inputs["half"], inputs["start"], inputs["end"]
cf = np.transpose(x, (0, 3, 1, 2))
out = {}
out["hsv"] = img.rgb_to_hsv(x)
out["hsv_cf"] = img.rgb_to_hsv(cf, data_format="channels_first")
out["rgb"] = img.hsv_to_rgb(x)
out["blur"] = img.gaussian_blur(x, (3, 3), (1.0, 1.0), data_format="channels_last")
out["blur5"] = img.gaussian_blur(cf, (5, 5), (1.5, 0.7), data_format="channels_first")
out["sobel"] = img.sobel_edges(x)
out["sobel_cf"] = img.sobel_edges(cf, data_format="channels_first")
out["ssim"] = img.ssim(x, x2, filter_size=7)
out["ssim_255"] = img.ssim(x[0] * 255, x2[0] * 255, max_val=255.0, filter_size=5)
out["crop"] = img.crop_images(x, 1, 2, target_height=5, target_width=6)
out["crop_cf"] = img.crop_images(cf, top_cropping=1, bottom_cropping=2, left_cropping=3,
                                 right_cropping=1, data_format="channels_first")
out["pad"] = img.pad_images(x, 1, 2, target_height=12, target_width=15)
out["pad_single"] = img.pad_images(x[0], bottom_padding=2, top_padding=1, right_padding=3,
                                   left_padding=0)
for mode in ["constant", "nearest", "wrap", "mirror", "reflect"]:
    for order in (0, 1):
        out[f"map_{mode}_{order}"] = img.map_coordinates(v, c, order, mode, fill_value=0.5)
        if order == 1:
            out[f"affine_{mode}"] = img.affine_transform(x, A, "bilinear", mode, 0.25)
    out[f"affine_nearest_{mode}"] = img.affine_transform(x, H, "nearest", mode, 0.25)
out["affine_cf"] = img.affine_transform(cf, A, data_format="channels_first")
out["persp"] = img.perspective_transform(x, S, E)
out["persp_nearest"] = img.perspective_transform(cf, S, E, "nearest", 0.5,
                                                 data_format="channels_first")
torch.manual_seed(3)
out["elastic"] = img.elastic_transform(x, alpha=3.0, sigma=1.0)
torch.manual_seed(4)
out["elastic_cf"] = img.elastic_transform(cf, 2.0, 1.2, "nearest", "constant", 0.5,
                                          data_format="channels_first")
for method in ("linear", "cubic", "lanczos3", "lanczos5"):
    for aa in (True, False):
        out[f"st_{method}_{aa}"] = img.scale_and_translate(
            x, (2, 5, 17, 3), np.array([0.6, 1.5], "float32"),
            np.array([0.3, -1.0], "float32"), (1, 2), method, antialias=aa)
for key, value in out.items():
    results[key] = ops.convert_to_numpy(value)
"""


@pytest.fixture(scope="module")
def keras_out():
    return run_keras(KERAS_CODE, x=IMAGES, x2=SECOND, volume=VOLUME, coords=COORDS,
                     affine=AFFINE, half=HALF, start=START, end=END)


def _close(ours, expected, atol=1e-5):
    ours = ours.detach().numpy() if isinstance(ours, torch.Tensor) else np.asarray(ours)
    assert ours.shape == expected.shape
    assert ours.dtype == expected.dtype
    np.testing.assert_allclose(ours, expected, rtol=1e-5, atol=atol)


X = torch.tensor(IMAGES)
CF = X.permute(0, 3, 1, 2)


def test_colour_conversions_match_keras(keras_out):
    img = ops.image
    _close(img.rgb_to_hsv(X), keras_out["hsv"])
    _close(img.rgb_to_hsv(CF, data_format="channels_first"), keras_out["hsv_cf"])
    _close(img.hsv_to_rgb(X), keras_out["rgb"])
    _close(img.hsv_to_rgb(img.rgb_to_hsv(X)), IMAGES)  # a round trip


def test_filters_match_keras(keras_out):
    img = ops.image
    _close(img.gaussian_blur(X, (3, 3), (1.0, 1.0)), keras_out["blur"])
    _close(img.gaussian_blur(CF, (5, 5), (1.5, 0.7), data_format="channels_first"),
           keras_out["blur5"])
    _close(img.sobel_edges(X), keras_out["sobel"])
    _close(img.sobel_edges(CF, data_format="channels_first"), keras_out["sobel_cf"])
    _close(img.ssim(X, torch.tensor(SECOND), filter_size=7), keras_out["ssim"])
    _close(img.ssim(X[0] * 255, torch.tensor(SECOND[0]) * 255, max_val=255.0, filter_size=5),
           keras_out["ssim_255"])


def test_crop_and_pad_match_keras(keras_out):
    img = ops.image
    _close(img.crop_images(X, 1, 2, target_height=5, target_width=6), keras_out["crop"])
    _close(img.crop_images(CF, top_cropping=1, bottom_cropping=2, left_cropping=3,
                           right_cropping=1, data_format="channels_first"), keras_out["crop_cf"])
    _close(img.pad_images(X, 1, 2, target_height=12, target_width=15), keras_out["pad"])
    _close(img.pad_images(X[0], bottom_padding=2, top_padding=1, right_padding=3,
                          left_padding=0), keras_out["pad_single"])


@pytest.mark.parametrize("mode", FILL_MODES)
def test_map_coordinates_and_affine_match_keras(keras_out, mode):
    img = ops.image
    for order in (0, 1):
        _close(img.map_coordinates(torch.tensor(VOLUME), torch.tensor(COORDS), order, mode,
                                   fill_value=0.5), keras_out[f"map_{mode}_{order}"])
    _close(img.affine_transform(X, torch.tensor(AFFINE), "bilinear", mode, 0.25),
           keras_out[f"affine_{mode}"])
    _close(img.affine_transform(X, torch.tensor(HALF), "nearest", mode, 0.25),
           keras_out[f"affine_nearest_{mode}"])


def test_warps_match_keras(keras_out):
    img = ops.image
    _close(img.affine_transform(CF, torch.tensor(AFFINE), data_format="channels_first"),
           keras_out["affine_cf"])
    _close(img.perspective_transform(X, START, END), keras_out["persp"], atol=1e-4)
    _close(img.perspective_transform(CF, START, END, "nearest", 0.5,
                                     data_format="channels_first"), keras_out["persp_nearest"])
    torch.manual_seed(3)  # the same global draws as Keras's torch backend
    _close(img.elastic_transform(X, alpha=3.0, sigma=1.0), keras_out["elastic"])
    torch.manual_seed(4)
    _close(img.elastic_transform(CF, 2.0, 1.2, "nearest", "constant", 0.5,
                                 data_format="channels_first"), keras_out["elastic_cf"])


@pytest.mark.parametrize("method", ["linear", "cubic", "lanczos3", "lanczos5"])
def test_scale_and_translate_matches_keras(keras_out, method):
    for antialias in (True, False):
        ours = ops.image.scale_and_translate(X, (2, 5, 17, 3), torch.tensor([0.6, 1.5]),
                                             torch.tensor([0.3, -1.0]), (1, 2), method,
                                             antialias=antialias)
        _close(ours, keras_out[f"st_{method}_{antialias}"])


def test_seeded_elastic_transform_repeats():
    first = ops.image.elastic_transform(X, seed=7)
    assert torch.equal(first, ops.image.elastic_transform(X, seed=7))
    assert not torch.equal(first, ops.image.elastic_transform(X, seed=8))


@pytest.mark.parametrize("call, message", [
    (lambda: ops.image.rgb_to_hsv(torch.ones(2, 2, 3, dtype=torch.int32)), "float dtype"),
    (lambda: ops.image.rgb_to_hsv(torch.ones(2, 3)), "rank"),
    (lambda: ops.image.crop_images(X, 1, 1), "exactly two of top_cropping"),
    (lambda: ops.image.pad_images(X, -1, 0, 0, 0), "top_padding must be >= 0"),
    (lambda: ops.image.pad_images(X, 5, 0, target_height=8, right_padding=0),
     "bottom_padding must be >= 0"),
    (lambda: ops.image.map_coordinates(torch.ones(3, 3), [torch.ones(2)], 1), "rank of"),
    (lambda: ops.image.map_coordinates(torch.ones(3), [torch.ones(2)], 1, "edge"), "fill_mode"),
    (lambda: ops.image.affine_transform(X, torch.ones(2, 8), "cubic"), "interpolation"),
    (lambda: ops.image.perspective_transform(X, torch.ones(3, 2), torch.ones(3, 2)),
     "start_points shape"),
    (lambda: ops.image.scale_and_translate(X, (2, 3, 3, 3), [1.0], [0.0], (1,), "box"),
     "method"),
])
def test_errors_follow_keras_conditions(call, message):
    with pytest.raises(ValueError, match=message):
        call()
