"""Colour and tone augmentation layers (RandomHue ... Equalization) against real Keras: the
same program runs with Keras (a separate process) and with deepfit as `keras`. Random draws
cannot be shared, so each layer's `transform_images` gets the same given transformation on
both sides, and layers whose factors collapse to one value are called end to end; configs
load across; inference, seeds, dict inputs and argument errors follow Keras."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import deepfit
from deepfit import layers
from tests.layer_test_utils import run_layer_test
from tests.layers.keras_parity import assert_results_match, run_both
from tests.trainer.keras_process import run_keras

RNG = np.random.default_rng(1)
X = RNG.uniform(0, 255, (2, 7, 9, 3)).astype("float32")
X[1, :, :, 2] = 77.0  # a constant channel: AutoContrast keeps it
X01 = (X / 255).astype("float32")
DATA = {
    "x": X, "x01": X01, "xcf": np.transpose(X, (0, 3, 1, 2)).copy(),
    "x01cf": np.transpose(X01, (0, 3, 1, 2)).copy(),
    "hue": np.array([0.2, -0.15], "float32"), "hue2": np.array([0.4, -0.45], "float32"),
    "sat": np.array([0.5, 2.3], "float32"), "sat2": np.array([0.0, 1.7], "float32"),
    "gray": np.array([True, False]).reshape(2, 1, 1, 1),
    "degen": np.array([0.3, -0.6], "float32").reshape(2, 1, 1, 1),
    "sharp": np.array([0.1, 0.9], "float32"), "shift": np.array([3, 6], "uint8"),
    "invert": np.array([True, False]),
    "add": np.array([10.0, 60.0], "float32").reshape(2, 1, 1, 1),
    "thresh": np.array([100.0, 200.0], "float32").reshape(2, 1, 1, 1),
}

# (layer, kwargs, images, {transformation key: input name} or a bare input name, or None)
TRANSFORM_CASES = [
    ("RandomHue", {"factor": 0.5}, "x", {"factor": "hue"}),
    ("RandomHue", {"factor": 0.9, "value_range": (0, 1), "data_format": "channels_first"},
     "x01cf", {"factor": "hue2"}),
    ("RandomSaturation", {"factor": 0.5}, "x", {"factor": "sat"}),
    ("RandomSaturation", {"factor": 0.5, "value_range": (0, 1),
                          "data_format": "channels_first"}, "x01cf", {"factor": "sat2"}),
    ("RandomGrayscale", {"factor": 0.5}, "x", "gray"),
    ("RandomGrayscale", {"data_format": "channels_first"}, "xcf", "gray"),
    ("RandomColorDegeneration", {"factor": 0.5}, "x", {"factor": "degen"}),
    ("RandomColorDegeneration", {"factor": 0.5, "value_range": (0, 1)}, "x01",
     {"factor": "degen"}),
    ("RandomSharpness", {"factor": 0.5}, "x", {"factor": "sharp"}),
    ("RandomSharpness", {"factor": 0.5, "data_format": "channels_first"}, "xcf",
     {"factor": "sharp"}),
    ("RandomPosterization", {"factor": 8}, "x", {"shift_factor": "shift"}),
    ("RandomPosterization", {"factor": 8, "value_range": (0, 1)}, "x01",
     {"shift_factor": "shift"}),
    ("RandomInvert", {}, "x", {"apply_inversion": "invert"}),
    ("RandomInvert", {"value_range": (0, 1), "data_format": "channels_first"}, "x01cf",
     {"apply_inversion": "invert"}),
    ("Solarization", {"addition_factor": 0.5, "threshold_factor": 0.9}, "x",
     {"additions": "add", "thresholds": "thresh"}),
    ("Solarization", {"value_range": (0, 1)}, "x01", {"additions": "add", "thresholds": "thresh"}),
    ("AutoContrast", {}, "x", None),
    ("AutoContrast", {"value_range": (0, 1), "data_format": "channels_first"}, "x01cf", None),
    ("Equalization", {}, "x", None),
    ("Equalization", {"bins": 64, "value_range": (0, 1), "data_format": "channels_first"},
     "x01cf", None),
    ("ContrastLimitedAdaptiveHistogramEqualization", {"tile_grid_size": (2, 3)}, "x", None),
    ("ContrastLimitedAdaptiveHistogramEqualization", {"tile_grid_size": (3, 2),
     "clip_limit": 0.0, "value_range": (0, 1), "data_format": "channels_first"}, "x01cf", None),
    ("ContrastLimitedAdaptiveHistogramEqualization", {"tile_grid_size": (1, 1),
                                                      "clip_limit": 1.5}, "x", None),
]

# Layers whose factors collapse to one value: deterministic end to end.
CALL_CASES = [
    ("RandomSaturation", {"factor": (0.7, 0.7)}, "x"),
    ("RandomColorDegeneration", {"factor": (0.3, 0.3)}, "x"),
    ("RandomSharpness", {"factor": (0.2, 0.2), "data_format": "channels_first"}, "xcf"),
    ("RandomPosterization", {"factor": (3, 3)}, "x"),
    ("RandomGrayscale", {"factor": 1.0}, "x"),
    ("RandomInvert", {"factor": (1.0, 1.0)}, "x"),
    ("Solarization", {"addition_factor": (0.0, 0.0), "threshold_factor": (0.0, 0.0)}, "x"),
    ("AutoContrast", {}, "x"),
    ("Equalization", {"bins": 32}, "x"),
    ("ContrastLimitedAdaptiveHistogramEqualization", {"tile_grid_size": (3, 3)}, "x"),
    ("RandomColorJitter", {"saturation_factor": (0.7, 0.7)}, "x"),
    ("RandomColorJitter", {"brightness_factor": (0.1, 0.1), "saturation_factor": (0.2, 0.2),
                           "value_range": (0, 1)}, "x01"),
]

PROGRAM = f"""
TRANSFORM_CASES = {TRANSFORM_CASES!r}
CALL_CASES = {CALL_CASES!r}


def numpy(value):
    return keras.ops.convert_to_numpy(value)


def cases(inputs):
    out = {{}}
    for i, (name, kwargs, images, spec) in enumerate(TRANSFORM_CASES):
        layer = getattr(keras.layers, name)(**kwargs)
        if isinstance(spec, dict):
            t = {{k: keras.ops.convert_to_tensor(inputs[v]) for k, v in spec.items()}}
        else:
            t = None if spec is None else keras.ops.convert_to_tensor(inputs[spec])
        x = keras.ops.convert_to_tensor(inputs[images])
        out[f"transform_{{i}}"] = numpy(layer.transform_images(x, t))
    for i, (name, kwargs, images) in enumerate(CALL_CASES):
        layer = getattr(keras.layers, name)(**kwargs)
        out[f"call_{{i}}"] = numpy(layer(inputs[images], training=True))
        out[f"single_{{i}}"] = numpy(layer(inputs[images][0], training=True))
    out["inference_autocontrast"] = numpy(keras.layers.AutoContrast()(inputs["x"],
                                                                      training=False))
    return out
"""


@pytest.fixture(scope="module")
def both():
    return run_both(PROGRAM, DATA, ("cases",))


def test_given_transformations_and_collapsed_factors_match_keras(both):
    ours, expected = both
    assert_results_match(ours, expected, rtol=1e-5, atol=1e-3)  # atol: values up to 255


@pytest.mark.parametrize("index", range(len(TRANSFORM_CASES)))
def test_each_transformation_matches_keras(both, index):
    ours, expected = both
    np.testing.assert_allclose(ours[f"transform_{index}"], expected[f"transform_{index}"],
                               rtol=1e-5, atol=1e-3, err_msg=str(TRANSFORM_CASES[index]))


CONFIG_CASES = sorted({(name, repr(kwargs)) for name, kwargs, *_ in
                       TRANSFORM_CASES + CALL_CASES} | {
    ("RandomColorJitter", repr({"brightness_factor": 0.2, "contrast_factor": (0.1, 0.3),
                                "hue_factor": 0.1, "seed": 3}))})


def test_configs_load_across():
    names = [name for name, _ in CONFIG_CASES]
    code = "out = []\n"
    for name, kwargs in CONFIG_CASES:
        code += f"out.append(keras.layers.{name}(**{kwargs}).get_config())\n"
    code += "result['configs'] = out\n"
    configs = run_keras(code)["configs"]
    for name, config in zip(names, configs):
        ours = getattr(layers, name).from_config(config)
        mine = ours.get_config()
        for key, value in config.items():
            if key in ("name", "dtype", "trainable"):
                continue
            assert key in mine, (name, key)
            same = list(mine[key]) if isinstance(mine[key], tuple) else mine[key]
            assert same == value, (name, key, mine[key], value)


LAYERS = [
    (layers.RandomHue, {"factor": 0.3}),
    (layers.RandomSaturation, {"factor": 0.4, "seed": 1}),
    (layers.RandomGrayscale, {"factor": 0.5}),
    (layers.RandomColorDegeneration, {"factor": 0.5}),
    (layers.RandomColorJitter, {"brightness_factor": 0.2, "contrast_factor": 0.2,
                                "saturation_factor": 0.5, "hue_factor": 0.1}),
    (layers.RandomSharpness, {"factor": 0.5, "data_format": "channels_first"}),
    (layers.RandomPosterization, {"factor": 5}),
    (layers.RandomInvert, {"factor": 0.5}),
    (layers.Solarization, {"addition_factor": 0.2, "threshold_factor": 0.6}),
    (layers.AutoContrast, {}),
    (layers.Equalization, {"bins": 128}),
    (layers.ContrastLimitedAdaptiveHistogramEqualization, {"tile_grid_size": (2, 2)}),
]


@pytest.mark.parametrize("cls, kwargs", LAYERS)
def test_layer_contract_inference_and_seeds(cls, kwargs):
    shape = (3, 3, 6, 5) if kwargs.get("data_format") == "channels_first" else (3, 6, 5, 3)
    run_layer_test(cls, kwargs, shape, shape, expected_params=0)
    x = torch.tensor(np.random.default_rng(2).uniform(0, 255, shape).astype("float32"))
    layer = cls(**kwargs)
    if cls in (layers.AutoContrast, layers.ContrastLimitedAdaptiveHistogramEqualization):
        # Keras applies these in inference too
        assert torch.allclose(layer(x, training=False), layer(x, training=True))
    else:
        assert layer(x, training=False) is x
    assert layer(x[0], training=True).shape == x[0].shape
    # Keras computes in float32 (CLAHE casts back to the input's dtype).
    clahe = cls is layers.ContrastLimitedAdaptiveHistogramEqualization
    assert layer(x.to(torch.uint8)).dtype == (torch.uint8 if clahe else torch.float32)
    seeded = cls(**kwargs, seed=7) if "seed" not in kwargs else cls(**kwargs)
    again = cls(**{**kwargs, "seed": 7}) if "seed" not in kwargs else cls(**kwargs)
    assert torch.equal(seeded(x), again(x))


def test_random_layers_draw_per_image_within_their_range():
    x = torch.tensor(np.random.default_rng(3).uniform(0, 255, (64, 4, 4, 3)).astype("float32"))
    flags = layers.RandomGrayscale(0.25, seed=1).get_random_transformation(x).flatten()
    assert 0.1 < float(flags.float().mean()) < 0.4
    hue = layers.RandomHue((0.2, 0.6), seed=1).get_random_transformation(x)["factor"]
    assert hue.abs().min() >= 0.1 - 1e-6 and hue.abs().max() <= 0.3 + 1e-6
    assert (hue > 0).any() and (hue < 0).any()
    bits = 8 - layers.RandomPosterization(6, seed=2).get_random_transformation(x)[
        "shift_factor"].long()
    assert set(bits.tolist()) == {1, 2, 3, 4, 5}  # randint over [1, 6), as Keras
    solar = layers.Solarization((0.1, 0.2), (0.0, 0.5), seed=3).get_random_transformation(x)
    assert solar["additions"].min() >= 0.1 and solar["additions"].max() <= 51
    assert solar["thresholds"].max() <= 127.5


def test_color_jitter_inside_a_fitted_model_and_dataset_map():
    images = np.random.default_rng(4).uniform(0, 1, (16, 8, 8, 3)).astype("float32")
    labels = np.arange(16) % 2
    model = deepfit.Sequential([
        deepfit.Input((8, 8, 3)),
        layers.RandomColorJitter(value_range=(0, 1), brightness_factor=0.1, hue_factor=0.1),
        layers.RandomSharpness(0.3, value_range=(0, 1)), layers.AutoContrast((0, 1)),
        layers.Flatten(), layers.Dense(2, activation="softmax"),
    ])
    model.compile("adam", "sparse_categorical_crossentropy")
    history = model.fit(images, labels, epochs=2, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    data = deepfit.data.Dataset.from_tensor_slices((images, labels)).batch(4)
    hue = layers.RandomHue(0.2, value_range=(0, 1), seed=1)
    batch = next(iter(data.map(lambda x, y: (hue(x), y))))
    assert tuple(batch[0].shape) == (4, 8, 8, 3)


@pytest.mark.parametrize("make, message", [
    (lambda: layers.RandomHue(1.5), "factor"),
    (lambda: layers.RandomHue((2, 3)), "factor"),
    (lambda: layers.RandomSaturation("big"), "factor"),
    (lambda: layers.RandomSharpness(0.5, value_range=(0, 1, 2)), "value_range"),
    (lambda: layers.RandomPosterization(9), "factor"),
    (lambda: layers.RandomPosterization(0), "factor"),
    (lambda: layers.RandomGrayscale(1.5), "factor"),
    (lambda: layers.RandomInvert(-0.5), "factor"),
    (lambda: layers.Solarization(addition_factor=1.5), "addition_factor"),
    (lambda: layers.Solarization(threshold_factor=(0.1, 2)), "threshold_factor"),
    (lambda: layers.AutoContrast(value_range=5), "value_range"),
    (lambda: layers.Equalization(value_range=[0]), "value_range"),
])
def test_bad_arguments_raise_like_keras(make, message):
    with pytest.raises(ValueError, match=message):
        make()
