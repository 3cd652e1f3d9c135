"""Dice, Tversky, Circle and CategoricalGeneralizedCrossEntropy against real Keras: function
values, reduced losses with sample weights, configs, string identifiers and errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

import deepfit
from deepfit import losses
from tests.trainer.keras_process import run_keras

RNG = np.random.default_rng(3)
MASK_TRUE = (RNG.random((6, 4, 4, 1)) > 0.5).astype("float32")
MASK_PRED = RNG.random((6, 4, 4, 1)).astype("float32")
W = RNG.random(6).astype("float32")
EMB = RNG.normal(size=(8, 5)).astype("float32")
EMB /= np.linalg.norm(EMB, axis=1, keepdims=True)
EMB_LABELS = np.array([0, 0, 1, 1, 2, 2, 0, 1], "int32")
REF = RNG.normal(size=(5, 5)).astype("float32")
REF /= np.linalg.norm(REF, axis=1, keepdims=True)
REF_LABELS = np.array([0, 1, 2, 0, 1], "int32")
PROBS = RNG.dirichlet(np.ones(4), 10).astype("float32")
CLASSES = RNG.integers(0, 4, 10).astype("int32")

# (class name, constructor kwargs, y_true key, y_pred key)
CASES = {
    "dice": ("Dice", {}, "mask_true", "mask_pred"),
    "dice_axis": ("Dice", {"axis": [1, 2, 3]}, "mask_true", "mask_pred"),
    "tversky": ("Tversky", {"alpha": 0.3, "beta": 0.7, "axis": [1, 2, 3]}, "mask_true",
                "mask_pred"),
    "tversky_all": ("Tversky", {}, "mask_true", "mask_pred"),
    "circle": ("Circle", {}, "emb_labels", "emb"),
    "circle_opts": ("Circle", {"gamma": 16.0, "margin": 0.25, "remove_diagonal": False},
                    "emb_labels", "emb"),
    "gce": ("CategoricalGeneralizedCrossEntropy", {"q": 0.7}, "classes", "probs"),
}
FUNCTIONS = {  # function name, kwargs, y_true key, y_pred key
    "f_dice": ("dice", {"axis": [1, 2]}, "mask_true", "mask_pred"),
    "f_tversky": ("tversky", {"alpha": 0.2, "beta": 0.8, "axis": [1, 2, 3]}, "mask_true",
                  "mask_pred"),
    "f_circle_ref": ("circle", {"ref_labels": "ref_labels", "ref_embeddings": "ref",
                                "gamma": 10}, "emb_labels", "emb"),
    "f_gce": ("categorical_generalized_cross_entropy", {"q": 0.3}, "classes", "probs"),
}
ARRAYS = {"mask_true": MASK_TRUE, "mask_pred": MASK_PRED, "emb": EMB, "emb_labels": EMB_LABELS,
          "ref": REF, "ref_labels": REF_LABELS, "probs": PROBS, "classes": CLASSES, "w": W}


RNG_W = {"mask_true": W, "emb_labels": np.linspace(0.2, 1.5, 8).astype("float32"),
         "classes": np.linspace(0.0, 2.0, 10).astype("float32")}
ARRAYS.update({f"w_{key}": value for key, value in RNG_W.items()})


@pytest.fixture(scope="module")
def theirs():
    return run_keras(f"""
for name, (cls, kwargs, yk, pk) in {CASES!r}.items():
    y, p, w = inputs[yk], inputs[pk], inputs["w_" + yk]
    for reduction in ("sum_over_batch_size", "sum", None):
        loss = getattr(keras.losses, cls)(reduction=reduction, **kwargs)
        result[f"{{name}}_{{reduction}}"] = keras.ops.convert_to_numpy(loss(y, p))
        weighted = loss(y, p, sample_weight=w)
        result[f"{{name}}_w_{{reduction}}"] = keras.ops.convert_to_numpy(weighted)
    result[f"{{name}}_config"] = json.dumps(getattr(keras.losses, cls)(**kwargs).get_config())
for name, (fn, kwargs, yk, pk) in {FUNCTIONS!r}.items():
    kwargs = {{k: inputs[v] if isinstance(v, str) else v for k, v in kwargs.items()}}
    tensor = keras.ops.convert_to_tensor
    value = getattr(keras.losses, fn)(tensor(inputs[yk]), tensor(inputs[pk]), **kwargs)
    result[name] = keras.ops.convert_to_numpy(value)
from keras.src.losses.losses import LossFunctionWrapper
wrapped = LossFunctionWrapper(keras.losses.circle, gamma=10)
result["wrapped_circle"] = keras.ops.convert_to_numpy(wrapped(inputs["emb_labels"], inputs["emb"]))
""", **ARRAYS)


def test_losses_equal_keras(theirs):
    for name, (cls, kwargs, yk, pk) in CASES.items():
        y, p, w = ARRAYS[yk], ARRAYS[pk], ARRAYS["w_" + yk]
        for reduction in ("sum_over_batch_size", "sum", None):
            loss = getattr(losses, cls)(reduction=reduction, **kwargs)
            for key, value in ((f"{name}_{reduction}", loss(y, p)),
                               (f"{name}_w_{reduction}", loss(y, p, sample_weight=w))):
                np.testing.assert_allclose(np.asarray(value), theirs[key], rtol=2e-5,
                                           atol=2e-6, err_msg=key)
                assert np.asarray(value).shape == theirs[key].shape, key
        config = getattr(losses, cls)(**kwargs).get_config()
        assert config == json.loads(theirs[f"{name}_config"]), name
        rebuilt = getattr(losses, cls).from_config(config)
        assert rebuilt.get_config() == config
        assert type(losses.deserialize(losses.serialize(rebuilt))) is getattr(losses, cls)
        assert type(losses.get(cls)) is getattr(losses, cls)


def test_functions_equal_keras(theirs):
    for name, (fn, kwargs, yk, pk) in FUNCTIONS.items():
        kwargs = {k: ARRAYS[v] if isinstance(v, str) else v for k, v in kwargs.items()}
        value = getattr(losses, fn)(ARRAYS[yk], ARRAYS[pk], **kwargs)
        np.testing.assert_allclose(np.asarray(value), theirs[name], rtol=2e-5, atol=2e-6,
                                   err_msg=name)
        assert losses.get(fn) is getattr(losses, fn)
    # The function form masks its zero losses, so a wrapper of it reduces as Circle does.
    wrapped = losses.LossFunctionWrapper(losses.circle, gamma=10)
    np.testing.assert_allclose(np.asarray(wrapped(EMB_LABELS, EMB)), theirs["wrapped_circle"],
                               rtol=2e-5)


def test_compat_namespace_and_a_model_learns_with_dice():
    from deepfit.compat.keras import losses as keras_losses

    for name in ("CTC", "ctc", "Dice", "dice", "Tversky", "tversky", "Circle", "circle",
                 "CategoricalGeneralizedCrossEntropy", "categorical_generalized_cross_entropy"):
        assert getattr(keras_losses, name) is getattr(losses, name)
    deepfit.utils.set_random_seed(0)
    x = RNG.normal(size=(256, 4)).astype("float32")
    y = (x[:, :1] - x[:, 1:2] > 0).astype("float32")
    model = deepfit.Sequential([deepfit.Input((4,)), deepfit.layers.Dense(1, "sigmoid")])
    model.compile(deepfit.optimizers.Adam(0.05), losses.Dice(), metrics=["accuracy"])
    history = model.fit(x, y, epochs=15, batch_size=32, verbose=0).history
    assert history["accuracy"][-1] > 0.9


def test_bad_arguments():
    with pytest.raises(ValueError, match="q must be in the interval"):
        losses.CategoricalGeneralizedCrossEntropy(q=1.5)
    with pytest.raises(ValueError, match="y_true: expected class indices"):
        losses.categorical_generalized_cross_entropy([5], [[0.5, 0.5]], q=0.5)
    with pytest.raises(ValueError, match="reduction"):
        losses.Dice(reduction="average")
