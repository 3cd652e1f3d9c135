"""MixUp, CutMix, the geometric and region layers (RandomShear, RandomPerspective,
RandomElasticTransform, RandomGaussianBlur, RandomErasing) and the policies (RandAugment,
AugMix, Pipeline) against real Keras: the same program runs in a Keras process and with
deepfit as `keras`, applying given transformations (or factors that leave nothing random),
plus labels mixing, seeds, configs, use in `fit` and `dataset.map`, and argument errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import deepfit
from deepfit import layers
from tests.layer_test_utils import run_layer_test
from tests.layers.keras_parity import assert_results_match, run_both
from tests.trainer.keras_process import run_keras

RNG = np.random.default_rng(5)
X = RNG.uniform(0, 255, (3, 9, 8, 3)).astype("float32")
MASKS = np.zeros((3, 9, 8, 3), bool)
MASKS[0, 2:5, 1:6] = True
MASKS[2, 4:9, 0:3] = True
DATA = {
    "x": X, "xcf": np.transpose(X, (0, 3, 1, 2)).copy(), "labels": np.eye(3, dtype="float32"),
    "mix": np.array([0.3, 0.8, 0.5], "float32"), "perm": np.array([2, 0, 1], "int64"),
    "masks": MASKS, "masks_cf": np.transpose(MASKS, (0, 3, 1, 2)).copy(),
    "shear": np.array([[0.2, -0.1], [-0.4, 0.3], [0.05, 0.0]], "float32"),
    "apply": np.array([True, False, True]),
    "start": np.tile(np.array([[[0, 0], [7, 0], [0, 8], [7, 8]]], "float32"), (3, 1, 1)),
    "end": np.array([[[1, 0.5], [6, 0], [0, 7], [7, 8]], [[0, 0], [7, 1], [1, 8], [6, 7]],
                     [[0.5, 0.5], [7, 0], [0, 8], [6.5, 7.5]]], "float32"),
    "distortion": np.array(0.7, "float32"), "blur": np.array([0.8, 1.3], "float32"),
    "fill": RNG.uniform(0, 255, (3, 9, 8, 3)).astype("float32"),
    "chain_weights": np.array([0.2, 0.5, 0.3], "float32"), "blend": np.array(0.4, "float32"),
}
SHEAR_MODES = [("reflect", "bilinear"), ("wrap", "nearest"), ("constant", "bilinear"),
               ("nearest", "bilinear")]
CHAINS = [["random_shear", "equalization"], [], ["auto_contrast", "solarization",
                                                 "random_posterization"]]

PROGRAM = f"""
import torch

SHEAR_MODES = {SHEAR_MODES!r}
CHAINS = {CHAINS!r}
IS_KERAS = keras.__name__ == "keras"


def t(inputs, name):
    return keras.ops.convert_to_tensor(inputs[name])


def numpy(value):
    return keras.ops.convert_to_numpy(value)


def cases(inputs):
    out = {{}}
    x, xcf = t(inputs, "x"), t(inputs, "xcf")
    mix = {{"mix_weight": t(inputs, "mix"), "permutation_order": t(inputs, "perm")}}
    layer = keras.layers.MixUp()
    out["mixup"] = numpy(layer.transform_images(x, mix))
    out["mixup_labels"] = numpy(layer.transform_labels(t(inputs, "labels"), mix))
    cut = {{"permutation_order": t(inputs, "perm"), "batch_masks": t(inputs, "masks"),
            "mix_weight": t(inputs, "mix")}}
    layer = keras.layers.CutMix()
    out["cutmix"] = numpy(layer.transform_images(x, cut))
    out["cutmix_labels"] = numpy(layer.transform_labels(t(inputs, "labels"), cut))
    cut["batch_masks"] = t(inputs, "masks_cf")
    out["cutmix_cf"] = numpy(keras.layers.CutMix(data_format="channels_first")
                             .transform_images(xcf, cut))
    for fill_mode, interpolation in SHEAR_MODES:
        layer = keras.layers.RandomShear(0.5, 0.5, interpolation, fill_mode, fill_value=9.0)
        shear = {{"shear_factor": t(inputs, "shear"), "input_shape": tuple(x.shape)}}
        out[f"shear_{{fill_mode}}"] = numpy(layer.transform_images(x, shear))
    layer = keras.layers.RandomShear(0.5, data_format="channels_first")
    out["shear_cf"] = numpy(layer.transform_images(xcf, {{"shear_factor": t(inputs, "shear"),
                                                          "input_shape": tuple(xcf.shape)}}))
    persp = {{"apply_perspective": t(inputs, "apply"), "start_points": t(inputs, "start"),
              "end_points": t(inputs, "end"), "input_shape": tuple(x.shape)}}
    out["perspective"] = numpy(keras.layers.RandomPerspective(fill_value=3.0)
                               .transform_images(x, persp))
    out["perspective_nearest"] = numpy(keras.layers.RandomPerspective(
        interpolation="nearest").transform_images(x, persp))
    elastic = {{"apply_transform": t(inputs, "apply"),
                "distortion_factor": t(inputs, "distortion"), "seed": None}}
    torch.manual_seed(11)  # Keras's torch backend draws the field from the global generator
    out["elastic"] = numpy(keras.layers.RandomElasticTransform(fill_mode="mirror")
                           .transform_images(x, elastic))
    blur = {{"should_apply_blur": t(inputs, "apply"), "blur_factor": t(inputs, "blur")}}
    out["blur"] = numpy(keras.layers.RandomGaussianBlur(kernel_size=5).transform_images(x, blur))
    out["blur_cf"] = numpy(keras.layers.RandomGaussianBlur(data_format="channels_first")
                           .transform_images(xcf, blur))
    erase = {{"apply_erasing": t(inputs, "apply"), "batch_masks": t(inputs, "masks"),
              "fill_value": t(inputs, "fill")}}
    out["erasing"] = numpy(keras.layers.RandomErasing().transform_images(x, erase))
    out["erasing_fixed"] = numpy(keras.layers.RandomErasing(
        factor=(1.0, 1.0), scale=(1.0, 1.0), fill_value=[10.0, 20.0, 300.0])(x))
    # The policies at factor 0, where every operation is deterministic: each one alone.
    rand = keras.layers.RandAugment(factor=0.0, num_ops=1)
    for index in range(11):
        if IS_KERAS:
            chosen = {{"layer_idxes": torch.tensor([index]), "transforms": {{
                name: getattr(rand, name).get_random_transformation(x)
                for name in rand._AUGMENT_LAYERS}}}}
        else:
            chosen = {{"layer_idxes": torch.tensor([index])}}
        out[f"randaugment_{{index}}"] = numpy(rand.transform_images(x, chosen))
    aug = keras.layers.AugMix(factor=0.0)
    if IS_KERAS:
        chains = [[{{"layer_name": name,
                     "transformation": getattr(aug, name).get_random_transformation(x)}}
                   for name in chain] for chain in CHAINS]
    else:
        chains = CHAINS
    mixing = {{"chain_mixing_weights": t(inputs, "chain_weights"),
               "weight_sample": t(inputs, "blend"), "chain_transforms": chains}}
    out["augmix"] = numpy(aug.transform_images(x, mixing))
    pipe = keras.layers.Pipeline([keras.layers.AutoContrast(),
                                  keras.layers.RandomSharpness((0.2, 0.2)),
                                  keras.layers.Solarization((0.0, 0.0), (0.0, 0.0))])
    out["pipeline"] = numpy(pipe(x))
    out["pipeline_inference"] = numpy(pipe(x, training=False))
    return out
"""


@pytest.fixture(scope="module")
def both():
    return run_both(PROGRAM, DATA, ("cases",))


def test_given_transformations_match_keras(both):
    ours, expected = both
    assert_results_match(ours, expected, rtol=1e-5, atol=2e-3)  # atol: values up to 255


@pytest.mark.parametrize("key", ["mixup", "mixup_labels", "cutmix", "cutmix_labels",
                                 "cutmix_cf", "shear_reflect", "shear_wrap", "shear_constant",
                                 "shear_nearest", "shear_cf", "perspective",
                                 "perspective_nearest", "elastic", "blur", "blur_cf", "erasing",
                                 "erasing_fixed", "augmix", "pipeline", "pipeline_inference"]
                         + [f"randaugment_{i}" for i in range(11)])
def test_each_matches_keras(both, key):
    ours, expected = both
    np.testing.assert_allclose(ours[key], expected[key], rtol=1e-5, atol=2e-3, err_msg=key)


CONFIGS = [
    ("MixUp", {"alpha": 0.4, "seed": 2}), ("CutMix", {"factor": (0.2, 0.7)}),
    ("RandomShear", {"x_factor": 0.3, "y_factor": (0.1, 0.2), "fill_mode": "constant"}),
    ("RandomPerspective", {"factor": 0.5, "scale": 0.4, "interpolation": "nearest"}),
    ("RandomElasticTransform", {"factor": 0.4, "scale": (0.2, 0.6), "fill_mode": "wrap"}),
    ("RandomGaussianBlur", {"kernel_size": (3, 5), "sigma": 0.4}),
    ("RandomErasing", {"scale": 0.3, "fill_value": 7.0}),
    ("RandAugment", {"num_ops": 3, "factor": 0.4, "value_range": (0, 1)}),
    ("AugMix", {"num_chains": 2, "chain_depth": 4, "all_ops": False, "alpha": 0.5}),
]


def test_configs_load_across():
    code = "out = []\n" + "".join(f"out.append(keras.layers.{name}(**{kwargs!r}).get_config())\n"
                                  for name, kwargs in CONFIGS)
    code += ("pipe = keras.layers.Pipeline([keras.layers.AutoContrast(), "
             "keras.layers.RandomHue(0.2)])\nresult['pipeline'] = pipe.get_config()\n"
             "result['configs'] = out\n")
    found = run_keras(code)
    for (name, _), config in zip(CONFIGS, found["configs"]):
        mine = getattr(layers, name).from_config(config).get_config()
        for key, value in config.items():
            if key in ("name", "dtype", "trainable"):
                continue
            same = list(mine[key]) if isinstance(mine[key], tuple) else mine[key]
            assert same == value, (name, key, mine[key], value)
    pipeline = layers.Pipeline.from_config(found["pipeline"])
    assert [type(layer).__name__ for layer in pipeline.layers] == ["AutoContrast", "RandomHue"]
    again = layers.Pipeline.from_config(pipeline.get_config())
    assert again.layers[1].factor == (0.0, 0.2)


LAYERS = [
    (layers.MixUp, {"alpha": 0.3}), (layers.CutMix, {"factor": 0.8}),
    (layers.RandomShear, {"x_factor": 0.2, "y_factor": 0.2}),
    (layers.RandomPerspective, {"scale": 0.4, "data_format": "channels_first"}),
    (layers.RandomElasticTransform, {"scale": 0.5}),
    (layers.RandomGaussianBlur, {"kernel_size": 3}), (layers.RandomErasing, {}),
    (layers.RandAugment, {"num_ops": 3}), (layers.AugMix, {"all_ops": False}),
]


@pytest.mark.parametrize("cls, kwargs", LAYERS)
def test_layer_contract_inference_and_seeds(cls, kwargs):
    shape = (4, 3, 10, 9) if kwargs.get("data_format") == "channels_first" else (4, 10, 9, 3)
    run_layer_test(cls, kwargs, shape, shape, expected_params=0)
    x = torch.tensor(np.random.default_rng(6).uniform(0, 255, shape).astype("float32"))
    assert cls(**kwargs)(x, training=False) is x
    assert cls(**kwargs)(x[0], training=True).shape == x[0].shape
    first, second = cls(**kwargs, seed=4), cls(**kwargs, seed=4)
    assert torch.equal(first(x), second(x))  # a seed repeats the draws
    assert torch.equal(first(x), second(x))


def test_mixing_labels_and_areas():
    x = torch.rand(6, 8, 8, 3)
    labels = torch.eye(6)
    out = layers.MixUp(alpha=0.5, seed=1)({"images": x, "labels": labels})
    assert torch.allclose(out["labels"].sum(dim=1), torch.ones(6))
    cut = layers.CutMix(seed=2)
    t = cut.get_random_transformation(x)
    kept = 1 - t["batch_masks"][..., 0].float().mean(dim=(1, 2))
    # The label weight is the kept fraction of the continuous box (a pixel at most per side).
    assert torch.allclose(kept, t["mix_weight"], atol=2 / 8 + 1 / 64)
    assert layers.CutMix(seed=1)(x[0], training=True) is not None  # one image: unchanged
    assert torch.equal(layers.CutMix(seed=1)(x[0], training=True), x[0])


def test_mixup_in_dataset_map_and_fit():
    images = np.random.default_rng(7).uniform(0, 1, (16, 8, 8, 3)).astype("float32")
    labels = np.eye(2, dtype="float32")[np.arange(16) % 2]
    mix_up = layers.MixUp(alpha=0.2, seed=1)
    data = deepfit.data.Dataset.from_tensor_slices((images, labels)).batch(8).map(
        lambda x, y: tuple(mix_up({"images": x, "labels": y}).values()))
    model = deepfit.Sequential([deepfit.Input((8, 8, 3)),
                                layers.RandAugment(value_range=(0, 1), seed=1),
                                layers.Flatten(), layers.Dense(2, activation="softmax")])
    model.compile("adam", "categorical_crossentropy")
    history = model.fit(data, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


@pytest.mark.parametrize("make, error, message", [
    (lambda: layers.CutMix(1.5), ValueError, "factor"),
    (lambda: layers.RandomShear(x_factor=1.5), ValueError, "x_factor"),
    (lambda: layers.RandomShear(fill_mode="mirror"), NotImplementedError, "fill_mode"),
    (lambda: layers.RandomPerspective(scale=2.0), ValueError, "scale"),
    (lambda: layers.RandomPerspective(interpolation="cubic"), NotImplementedError,
     "interpolation"),
    (lambda: layers.RandomElasticTransform(fill_mode="edge"), NotImplementedError, "fill_mode"),
    (lambda: layers.RandomGaussianBlur(kernel_size=4), ValueError, "odd"),
    (lambda: layers.RandomErasing(fill_value=[1, 2]), ValueError, "fill_value"),
    (lambda: layers.RandAugment(factor=3), ValueError, "factor"),
    (lambda: layers.Pipeline("not layers"), ValueError, "layers"),
])
def test_bad_arguments_raise_like_keras(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_saved_model_loads_in_keras_with_the_same_predictions(tmp_path):
    model = deepfit.Sequential([
        deepfit.Input((8, 8, 3)), layers.RandomHue(0.1, seed=1), layers.MixUp(),
        layers.RandomShear(0.1), layers.RandomErasing(fill_value=3.0),
        layers.Pipeline([layers.AutoContrast(),
                         layers.ContrastLimitedAdaptiveHistogramEqualization(
                             tile_grid_size=(2, 2))]),
        layers.Flatten(), layers.Dense(2),
    ])
    # (A Pipeline holding a geometric layer loads too, but Keras's torch backend then spends
    # half a minute inferring its shape; each layer's config is checked above.)
    images = np.random.default_rng(8).uniform(0, 255, (4, 8, 8, 3)).astype("float32")
    path = tmp_path / "augment.keras"
    model.save(path)
    # predict: inference, where only AutoContrast and CLAHE change the images.
    expected = run_keras(f"""
model = keras.models.load_model({str(path)!r})
result["y"] = keras.ops.convert_to_numpy(model.predict(inputs["x"], verbose=0))
""", x=images)["y"]
    np.testing.assert_allclose(model.predict(images, verbose=0), expected, rtol=1e-5, atol=1e-4)
    again = deepfit.models.load_model(path)
    np.testing.assert_allclose(again.predict(images, verbose=0), expected, rtol=1e-5, atol=1e-4)


def test_dict_boxes_and_masks_pass_colour_layers_and_are_refused_by_moving_ones():
    data = {"images": torch.rand(2, 8, 8, 3) * 255, "labels": torch.eye(2),
            "segmentation_masks": torch.ones(2, 8, 8, 1)}
    out = layers.RandomHue(0.2, seed=1)(data)
    assert torch.equal(out["segmentation_masks"], data["segmentation_masks"])
    assert torch.equal(out["labels"], data["labels"])
    with pytest.raises(NotImplementedError, match="RandomShear: transforming segmentation_masks"):
        layers.RandomShear(0.2)(data)
