"""The baseline fit records: the compiled loss of the best constant prediction."""

from __future__ import annotations

import numpy as np
import pytest

import deepfit
from deepfit import layers

RNG = np.random.default_rng(0)
X = RNG.normal(size=(200, 3)).astype("float32")
LABELS = np.repeat([0, 1, 2], [100, 60, 40])


def _baseline(model, y, loss, x=X, **fit_kwargs):
    model.compile(optimizer="sgd", loss=loss)
    history = model.fit(x, y, epochs=0, verbose=0, checks=False, **fit_kwargs)
    return history.baseline, history.baseline_kind


def _entropy(counts):
    p = np.asarray(counts, dtype=float) / np.sum(counts)
    return float(-(p * np.log(p)).sum())


def _softmax_model(units=3, activation="softmax"):
    return deepfit.Sequential([layers.Dense(units, activation=activation)])


@pytest.mark.parametrize("loss", [
    "sparse_categorical_crossentropy",
    deepfit.losses.SparseCategoricalCrossentropy(from_logits=True),
    "crossentropy",
])
def test_sparse_labels_give_the_entropy_of_the_class_frequencies(loss):
    activation = None if not isinstance(loss, str) else "softmax"
    value, kind = _baseline(_softmax_model(activation=activation), LABELS, loss)
    assert kind == "class_frequencies"
    assert value == pytest.approx(_entropy([100, 60, 40]), rel=1e-5)


def test_one_hot_labels():
    value, kind = _baseline(_softmax_model(), np.eye(3)[LABELS], "categorical_crossentropy")
    assert (value, kind) == (pytest.approx(_entropy([100, 60, 40]), rel=1e-5),
                             "class_frequencies")


def test_binary_labels_with_and_without_logits():
    y = (LABELS == 0).astype("float32")           # 100 of 200
    for activation, loss in (("sigmoid", "binary_crossentropy"),
                             (None, deepfit.losses.BinaryCrossentropy(from_logits=True))):
        value, kind = _baseline(_softmax_model(1, activation), y, loss)
        assert kind == "class_frequencies"
        assert value == pytest.approx(np.log(2), rel=1e-5)


def test_regression_mean_and_median():
    y = RNG.exponential(size=200).astype("float32")
    value, kind = _baseline(_softmax_model(1, None), y, "mse")
    assert (value, kind) == (pytest.approx(float(np.var(y)), rel=1e-4), "mean")
    value, kind = _baseline(_softmax_model(1, None), y, "mae")
    median = float(np.sort(y)[99])                # torch's median: the lower middle value
    assert kind == "median"
    assert value == pytest.approx(float(np.abs(y - median).mean()), rel=1e-4)


def test_several_outputs_add_their_weighted_baselines():
    inputs = deepfit.Input(shape=(3,))
    hidden = layers.Dense(4)(inputs)
    outputs = {"a": layers.Dense(1, name="a")(hidden),
               "b": layers.Dense(3, activation="softmax", name="b")(hidden)}
    model = deepfit.Model(inputs, outputs)
    y_a = RNG.normal(size=200).astype("float32")
    model.compile(optimizer="sgd", loss={"a": "mse", "b": "sparse_categorical_crossentropy"},
                  loss_weights={"a": 2.0, "b": 1.0})
    history = model.fit(X, {"a": y_a, "b": LABELS}, epochs=0, verbose=0)
    expected = 2.0 * float(np.var(y_a)) + _entropy([100, 60, 40])
    assert history.baseline == pytest.approx(expected, rel=1e-4)


def test_a_dataset_uses_its_first_batch():
    dataset = deepfit.data.Dataset.from_tensor_slices((X, LABELS)).batch(50)
    model = _softmax_model()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    history = model.fit(dataset, epochs=0, verbose=0)
    assert history.baseline == pytest.approx(0.0, abs=1e-5)   # the first 50 are all class 0


def test_a_custom_loss_still_gets_the_mean():
    def squared(y_true, y_pred):
        return ((y_true - y_pred) ** 2).mean(dim=-1)

    y = RNG.normal(size=(200, 1)).astype("float32")
    value, kind = _baseline(_softmax_model(1, None), y, squared)
    assert (value, kind) == (pytest.approx(float(np.var(y)), rel=1e-4), "mean")
