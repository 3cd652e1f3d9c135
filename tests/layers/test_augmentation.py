"""Augmentation layers: the layer contract, identity outside training, exact geometry (a quarter
turn is np.rot90, fill modes equal Keras's affine_transform), the statistics of the random
transforms, per-sample randomness, seeding, parity with real Keras for fixed factors, errors."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch

import deepfit
from deepfit.layers.augmentation import (
    RandomBrightness,
    RandomContrast,
    RandomCrop,
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
    affine_transform,
)
from deepfit.layers.core import Dense, Flatten
from tests.layer_test_utils import run_layer_test


def _images(shape, seed=0, low=0.0, high=255.0):
    return torch.tensor(np.random.default_rng(seed).uniform(low, high, shape).astype("float32"))


def _train(layer, x):
    with torch.no_grad():
        return layer(x, training=True)


@pytest.fixture(scope="module")
def keras():
    os.environ["KERAS_BACKEND"] = "torch"
    return pytest.importorskip("keras")


ALL_LAYERS = [
    (RandomFlip, {"mode": "horizontal"}),
    (RandomFlip, {"seed": 3, "data_format": "channels_first"}),
    (RandomRotation, {"factor": 0.2, "fill_mode": "constant", "fill_value": 1.0}),
    (RandomRotation, {"factor": (-0.1, 0.3), "interpolation": "nearest", "seed": 1}),
    (RandomZoom, {"height_factor": 0.2}),
    (RandomZoom, {"height_factor": (-0.3, -0.1), "width_factor": 0.2, "fill_mode": "wrap"}),
    (RandomTranslation, {"height_factor": 0.2, "width_factor": (-0.1, 0.3),
                         "fill_mode": "nearest"}),
    (RandomContrast, {"factor": 0.3}),
    (RandomContrast, {"factor": (0.1, 0.5), "value_range": (0, 1), "seed": 4}),
    (RandomBrightness, {"factor": 0.2}),
    (RandomBrightness, {"factor": (-0.1, 0.4), "value_range": [-1, 1]}),
]


# --------------------------------------------------------------------------- layer contract
@pytest.mark.parametrize("cls, kwargs", ALL_LAYERS)
def test_layer_contract_and_inference_identity(cls, kwargs):
    shape = (4, 3, 6, 5) if kwargs.get("data_format") == "channels_first" else (4, 6, 5, 3)
    run_layer_test(cls, kwargs, shape, shape, expected_params=0, expected_trainable_weights=0)
    layer = cls(**kwargs)
    x = _images(shape)
    assert layer(x, training=False) is x  # the identity in evaluate/predict
    assert layer(x[0], training=True).shape == x[0].shape  # one unbatched image
    assert layer.compute_output_shape((None, *shape[1:])) == (None, *shape[1:])


@pytest.mark.parametrize("kwargs, shape, expected", [
    ({"height": 3, "width": 4}, (2, 6, 5, 3), (2, 3, 4, 3)),
    ({"height": 8, "width": 8, "seed": 2}, (2, 4, 6, 1), (2, 8, 8, 1)),
    ({"height": 2, "width": 2, "data_format": "channels_first"}, (2, 3, 5, 5), (2, 3, 2, 2)),
])
def test_random_crop_contract(kwargs, shape, expected):
    layer = run_layer_test(RandomCrop, kwargs, shape, expected, expected_params=0)
    assert layer(_images(shape), training=False).shape == expected
    assert layer.compute_output_shape((None, *shape[1:])) == (None, *expected[1:])


# --------------------------------------------------------------------------- geometry
def _marked(size=7):
    image = np.zeros((size, size, 2), dtype="float32")
    image[0, 1:4, 0] = 1.0  # a bar along the top edge, one end marked
    image[1, 3, 0] = 2.0
    image[size - 2, 0, 1] = 5.0
    return image


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
@pytest.mark.parametrize("turns, k", [(0.25, 1), (-0.25, -1), (0.5, 2)])
def test_rotation_by_exact_turns_matches_rot90(interpolation, turns, k):
    image = _marked()
    layer = RandomRotation((turns, turns), interpolation=interpolation, fill_mode="constant")
    out = _train(layer, torch.tensor(np.stack([image, image[::-1].copy()]))).numpy()
    # Positive factors turn counterclockwise: np.rot90's direction for k > 0.
    np.testing.assert_allclose(out[0], np.rot90(image, k, axes=(0, 1)), atol=1e-4)
    np.testing.assert_allclose(out[1], np.rot90(image[::-1], k, axes=(0, 1)), atol=1e-4)


def test_affine_fill_modes_on_a_row():
    row = torch.arange(1.0, 5.0).reshape(1, 1, 1, 4)  # a b c d = 1 2 3 4
    shift = torch.tensor([[[1.0, 0.0, -3.0], [0.0, 1.0, 0.0]]])  # content moves 3 right

    def shifted(mode, **kwargs):
        return affine_transform(row, shift, "nearest", mode, **kwargs).flatten().tolist()

    assert shifted("reflect") == [3, 2, 1, 1]  # ... c b a | a b c d
    assert shifted("wrap") == [2, 3, 4, 1]
    assert shifted("nearest") == [1, 1, 1, 1]
    assert shifted("constant", fill_value=9.0) == [9, 9, 9, 1]


def test_flip_flips_each_sample_independently():
    x = _images((400, 3, 4, 2))
    for mode, outcomes in (("horizontal", [(2,)]), ("vertical", [(1,)]),
                           ("horizontal_and_vertical", [(2,), (1,), (1, 2)])):
        out = _train(RandomFlip(mode, seed=0), x)
        same = (out == x).flatten(1).all(1)
        flipped = [(out == x.flip(axes)).flatten(1).all(1) for axes in outcomes]
        assert bool((same | torch.stack(flipped).any(0)).all())
        for count in [same] + flipped:
            expected = 400 / (len(outcomes) + 1)
            assert abs(int(count.sum()) - expected) < 4 * np.sqrt(expected), mode


def test_zoom_statistics():
    ones = torch.ones(500, 40, 40, 1)
    layer = RandomZoom((0.0, 0.5), fill_mode="constant", seed=5)
    covered = _train(layer, ones).mean(dim=(1, 2, 3))
    zoom = 1 / covered.sqrt()  # zooming out by z leaves 1/z² of the frame covered
    assert zoom.min() > 0.97 and zoom.max() < 1.53
    assert abs(float(zoom.mean()) - 1.25) < 0.03
    assert abs(float(zoom.std()) - 0.5 / np.sqrt(12)) < 0.03
    zoomed_in = _train(RandomZoom((-0.5, -0.1), fill_mode="constant"), ones)
    torch.testing.assert_close(zoomed_in, ones)  # zooming in never reaches past the edges


def _center_of_mass(images):
    _, height, width, _ = images.shape
    weights = images[..., 0]
    total = weights.sum(dim=(1, 2))
    rows = (weights.sum(2) * torch.arange(height)).sum(1) / total
    cols = (weights.sum(1) * torch.arange(width)).sum(1) / total
    return rows, cols


def test_translation_statistics():
    blob = torch.zeros(600, 41, 41, 1)
    blob[:, 18:23, 17:24] = 1.0
    layer = RandomTranslation(0.1, (0.0, 0.2), fill_mode="constant", seed=2)
    rows, cols = _center_of_mass(_train(layer, blob))
    dy, dx = rows - 20, cols - 20  # bilinear resampling keeps the center of mass exact
    assert dy.abs().max() <= 4.1 + 1e-3 and dx.min() >= -1e-3 and dx.max() <= 8.2 + 1e-3
    assert abs(float(dy.mean())) < 0.3 and abs(float(dx.mean()) - 4.1) < 0.3
    for shift, width in ((dy, 8.2), (dx, 8.2)):
        assert abs(float(shift.std()) - width / np.sqrt(12)) < 0.25


def test_contrast_statistics():
    x = _images((500, 6, 6, 3), low=100, high=150)  # no clipping for factors up to 1.5
    out = _train(RandomContrast(0.4, seed=1), x)
    mean = x.mean(dim=(1, 2), keepdim=True)
    torch.testing.assert_close(out.mean(dim=(1, 2), keepdim=True), mean)
    centered = (x - mean).flatten(1)
    factor = ((out - mean).flatten(1) * centered).sum(1) / (centered**2).sum(1)
    torch.testing.assert_close(out, mean + factor[:, None, None, None] * (x - mean))
    assert factor.min() >= 0.6 - 1e-4 and factor.max() <= 1.4 + 1e-4
    assert abs(float(factor.mean()) - 1.0) < 0.03  # lowers and raises contrast, as documented
    clipped = _train(RandomContrast((1.0, 1.0)), _images((20, 5, 5, 3)))
    assert clipped.min() >= 0 and clipped.max() <= 255


def test_brightness_statistics():
    x = _images((500, 4, 4, 3), low=100, high=150)
    out = _train(RandomBrightness(0.2, seed=3), x)
    delta = (out - x).flatten(1)
    assert float((delta.max(1).values - delta.min(1).values).max()) < 1e-3
    delta = delta[:, 0] / 255
    assert delta.min() >= -0.2 - 1e-5 and delta.max() <= 0.2 + 1e-5
    assert abs(float(delta.mean())) < 0.015 and abs(float(delta.std()) - 0.4 / 12**0.5) < 0.015
    clipped = _train(RandomBrightness((0.9, 1.0), value_range=(0, 1)),
                     _images((5, 3, 3, 1), low=0.2, high=1.0))
    assert bool((clipped == 1).all())


def test_random_crop_takes_a_window_per_sample():
    x = torch.arange(300 * 6 * 7, dtype=torch.float32).reshape(300, 6, 7, 1)
    out = _train(RandomCrop(4, 4, seed=0), x)
    corner = out[:, 0, 0, 0] - x[:, 0, 0, 0]
    top, left = corner // 7, corner % 7
    assert set(top.long().tolist()) == {0, 1, 2} and set(left.long().tolist()) == {0, 1, 2, 3}
    for i in range(0, 300, 37):
        t, l_ = int(top[i]), int(left[i])
        torch.testing.assert_close(out[i], x[i, t : t + 4, l_ : l_ + 4])


def test_random_crop_inference_is_the_centered_aspect_window_resized(keras):
    x = _images((2, 9, 6, 3))
    expected = keras.layers.Resizing(4, 5, crop_to_aspect_ratio=True)(x.numpy())
    np.testing.assert_allclose(RandomCrop(4, 5)(x, training=False).numpy(),
                               keras.ops.convert_to_numpy(expected), rtol=1e-5, atol=1e-4)


# --------------------------------------------------------------------------- randomness
def test_seeded_layers_repeat_and_global_seed_governs_unseeded_ones():
    x = _images((8, 10, 10, 3))
    first = _train(RandomRotation(0.3, seed=7), x)
    torch.testing.assert_close(_train(RandomRotation(0.3, seed=7), x), first)
    assert not torch.allclose(_train(RandomRotation(0.3, seed=8), x), first)
    outputs = []
    for _ in range(2):
        deepfit.utils.set_random_seed(11)
        outputs.append(_train(RandomZoom(0.3), x))
    torch.testing.assert_close(outputs[0], outputs[1])
    again = _train(RandomZoom(0.3), x)
    assert not torch.allclose(again, outputs[0])


def test_each_sample_gets_its_own_transform():
    x = _images((1, 8, 8, 3)).expand(16, 8, 8, 3).contiguous()
    for layer in (RandomRotation(0.3), RandomZoom(0.3), RandomTranslation(0.3, 0.3),
                  RandomContrast(0.5), RandomBrightness(0.3)):
        out = _train(layer, x).flatten(1)
        distinct = {tuple(row) for row in out.round(decimals=2).tolist()}
        assert len(distinct) == 16, type(layer).__name__


def test_channels_first_equals_channels_last():
    x = _images((5, 9, 8, 3))
    for cls, kwargs in ALL_LAYERS[2:]:
        kwargs = {**kwargs, "seed": 5}
        last = _train(cls(**kwargs), x)
        first = _train(cls(**kwargs, data_format="channels_first"), x.permute(0, 3, 1, 2))
        torch.testing.assert_close(first.permute(0, 2, 3, 1), last, rtol=1e-5, atol=1e-3)


def test_no_flag_augments_like_keras_default():
    x = _images((4, 8, 8, 3))
    assert not torch.equal(RandomBrightness(0.5)(x), x)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_runs_on_the_input_device():
    x = _images((6, 12, 10, 3)).cuda()
    stack = deepfit.Sequential([RandomFlip(seed=1), RandomRotation(0.2, seed=2),
                                RandomZoom(0.2, seed=3), RandomTranslation(0.1, 0.1),
                                RandomContrast(0.2), RandomBrightness(0.1), RandomCrop(8, 8)])
    out = stack(x, training=True)
    assert out.device == x.device and out.shape == (6, 8, 8, 3)
    cpu = _train(RandomRotation(0.2, fill_mode="wrap"), x.cpu())
    assert cpu.shape == x.shape


# --------------------------------------------------------------------------- inside a model
class _Recorder(deepfit.Layer):
    """Records the batches that reach it, with the training flag they came with."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen = []

    def call(self, inputs, training=None):
        if inputs.shape[0] == 16:  # not the one-sample dummy batches that build the model
            self.seen.append((training, inputs.detach().clone()))
        return inputs


def test_augmentation_changes_training_batches_and_not_predictions():
    augment = deepfit.Sequential([RandomFlip("horizontal"), RandomRotation(0.1),
                                  RandomZoom(0.1), RandomContrast(0.2)])
    recorder = _Recorder()
    model = deepfit.Sequential([augment, recorder, Flatten(), Dense(3, activation="softmax")])
    x = _images((16, 8, 8, 3), seed=1)
    y = np.arange(16) % 3
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model.fit(x.numpy(), y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    training = [batch for flag, batch in recorder.seen if flag]
    assert len(training) == 2
    assert not torch.allclose(training[0], x) and not torch.allclose(training[1], training[0])
    recorder.seen.clear()
    first = model.predict(x.numpy(), verbose=0)
    np.testing.assert_array_equal(model.predict(x.numpy(), verbose=0), first)
    model.evaluate(x.numpy(), y, verbose=0)
    assert len(recorder.seen) >= 3
    for flag, batch in recorder.seen:
        assert flag is False
        torch.testing.assert_close(batch, x)


# --------------------------------------------------------------------------- parity with Keras
KERAS_FIXED = [
    ("RandomRotation", {"factor": (0.1, 0.1)}),
    ("RandomRotation", {"factor": (-0.3, -0.3), "fill_mode": "wrap"}),
    ("RandomRotation", {"factor": (0.2, 0.2), "fill_mode": "constant", "fill_value": 3.0,
                        "interpolation": "nearest"}),
    ("RandomZoom", {"height_factor": (0.3, 0.3)}),
    ("RandomZoom", {"height_factor": (-0.2, -0.2), "width_factor": (0.4, 0.4),
                    "fill_mode": "nearest"}),
    ("RandomTranslation", {"height_factor": (0.2, 0.2), "width_factor": (-0.3, -0.3)}),
    ("RandomTranslation", {"height_factor": (-0.1, -0.1), "width_factor": (0.25, 0.25),
                           "fill_mode": "wrap", "interpolation": "nearest"}),
    ("RandomBrightness", {"factor": (0.1, 0.1)}),
    ("RandomContrast", {"factor": (0.3, 0.3)}),
]


@pytest.mark.parametrize("name, kwargs", KERAS_FIXED)
def test_fixed_factors_match_keras(keras, name, kwargs):
    """With lower == upper the random draw is a constant, so outputs must equal Keras's."""
    import deepfit.layers.augmentation as augmentation

    x = _images((3, 9, 7, 3), seed=2)
    ours = getattr(augmentation, name)(**kwargs)
    theirs = getattr(keras.layers, name)(**kwargs)
    if name == "RandomContrast":
        # Both draw the contrast from [1 - lower, 1 + upper]; (-0.3, 0.3) pins it at 1.3.
        ours.factor = (-0.3, 0.3)
        theirs = keras.layers.RandomContrast(factor=(-0.3, 0.3))
    expected = keras.ops.convert_to_numpy(theirs(x.numpy(), training=True))
    np.testing.assert_allclose(_train(ours, x).numpy(), expected, rtol=1e-5, atol=2e-3)


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
@pytest.mark.parametrize("fill_mode", ["reflect", "wrap", "constant", "nearest"])
def test_affine_transform_matches_keras(keras, interpolation, fill_mode):
    rng = np.random.default_rng(0)
    x = _images((4, 9, 7, 2), seed=3)
    transform = np.zeros((4, 8), dtype="float32")
    transform[:, :6] = rng.normal(size=(4, 6)) * [1, 1, 5, 1, 1, 5]
    expected = keras.ops.image.affine_transform(x.numpy(), transform, interpolation=interpolation,
                                                fill_mode=fill_mode, fill_value=2.5)
    ours = affine_transform(x.permute(0, 3, 1, 2), torch.tensor(transform[:, :6]).reshape(4, 2, 3),
                            interpolation, fill_mode, 2.5).permute(0, 2, 3, 1)
    np.testing.assert_allclose(ours.numpy(), keras.ops.convert_to_numpy(expected), rtol=1e-5,
                               atol=1e-3)


@pytest.mark.parametrize("name, kwargs", [
    ("RandomFlip", {"mode": "vertical", "seed": 2}),
    ("RandomRotation", {"factor": 0.2, "seed": 1}),
    ("RandomZoom", {"height_factor": 0.2, "width_factor": (-0.1, 0.3)}),
    ("RandomTranslation", {"height_factor": 0.1, "width_factor": 0.2}),
    ("RandomContrast", {"factor": (0.1, 0.4)}),
    ("RandomBrightness", {"factor": 0.3, "value_range": (0, 1)}),
    ("RandomCrop", {"height": 4, "width": 5, "seed": 3}),
])
def test_configs_and_shapes_match_keras(keras, name, kwargs):
    import deepfit.layers.augmentation as augmentation

    ours = getattr(augmentation, name)(**kwargs)
    theirs = getattr(keras.layers, name)(**kwargs)
    keras_config = theirs.get_config()
    assert set(ours.get_config()) == set(keras_config)
    clone = type(ours).from_config(keras_config)
    for key in keras_config:
        if key not in ("name", "dtype", "trainable", "value_range"):
            assert clone.get_config()[key] == ours.get_config()[key], key
    shape = (None, 9, 8, 3)
    assert ours.compute_output_shape(shape) == tuple(theirs.compute_output_shape(shape))
    out = theirs(_images((2, 9, 8, 3)).numpy(), training=True)
    assert _train(ours, _images((2, 9, 8, 3))).shape == tuple(out.shape)


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize("build, message", [
    (lambda: RandomFlip("diagonal"), "RandomFlip: mode must be one of"),
    (lambda: RandomFlip(seed=-1), "seed must be a non-negative int"),
    (lambda: RandomRotation(1.5), r"RandomRotation: factor must be a number or a pair of "
                                  r"numbers in \[-1.0, 1.0\], received 1.5"),
    (lambda: RandomRotation((0.1, 0.2, 0.3)), "factor must be a number or a pair"),
    (lambda: RandomRotation("0.1"), "factor must be a number"),
    (lambda: RandomRotation(0.1, fill_mode="mirror"), "fill_mode must be one of"),
    (lambda: RandomRotation(0.1, interpolation="bicubic"), "interpolation must be one of"),
    (lambda: RandomRotation(0.1, fill_value="black"), "fill_value must be a number"),
    (lambda: RandomZoom(-1.0), r"height_factor must be .* in \(-1.0, 1.0\]"),
    (lambda: RandomZoom(0.1, width_factor=2), "width_factor"),
    (lambda: RandomTranslation(0.1, (0.2, -1.5)), "RandomTranslation: width_factor"),
    (lambda: RandomContrast(1.5), r"RandomContrast: factor .* in \[0.0, 1.0\]"),
    (lambda: RandomContrast(0.2, value_range=255), "value_range must be a pair"),
    (lambda: RandomBrightness(-1.2), "RandomBrightness: factor"),
    (lambda: RandomCrop(0, 3), "RandomCrop: height must be a positive int"),
    (lambda: RandomCrop(3, 3, data_format="NHWC"), "data_format must be"),
])
def test_bad_arguments(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_wrong_rank_names_the_layer():
    with pytest.raises(ValueError, match=r"Input 0 of layer 'random_flip.*' is incompatible with "
                                         r"the layer: expected ndim=4 .* found ndim=2"):
        RandomFlip()(torch.zeros(32, 784), training=True)
