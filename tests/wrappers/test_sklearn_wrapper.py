"""keras.wrappers' scikit-learn estimators: the same predictions, labels, scores and transforms
as real Keras for the same builder, weights and data; cloning, warm starts and errors."""

from __future__ import annotations

import numpy as np
import pytest

import deepfit
from deepfit.wrappers import SKLearnClassifier, SKLearnRegressor, SKLearnTransformer
from tests.keras_process import keras_available, run_keras

sklearn = pytest.importorskip("sklearn")

BUILD = """
def weights_for(model):
    rng = np.random.default_rng(7)
    return [rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()]

def build(X, y, loss, units=5, activation="softmax"):
    n_out = y.shape[1] if y.ndim > 1 else 1
    model = keras.Sequential([keras.Input((X.shape[1],)), keras.layers.Dense(units, "relu"),
                              keras.layers.Dense(n_out, activation)])
    model.set_weights(weights_for(model))
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss=loss)
    return model
"""

USE = """
fit = {"epochs": 3, "batch_size": 8, "shuffle": False, "verbose": 0}
clf = SKLearnClassifier(build, model_kwargs={"loss": "categorical_crossentropy"},
                        fit_kwargs=fit).fit(X, labels)
reg = SKLearnRegressor(build, model_kwargs={"loss": "mse", "activation": None},
                       fit_kwargs=fit).fit(X, target)
trs = SKLearnTransformer(build, model_kwargs={"loss": "mse", "units": 4, "activation": "tanh"},
                         fit_kwargs=fit).fit(X, target)
results["decision"] = clf.decision_function(X)
results["labels"] = clf.predict(X)
results["classes"] = clf.classes_
results["score"] = np.array(clf.score(X, labels))
results["regression"] = reg.predict(X)
results["r2"] = np.array(reg.score(X, target))
results["transform"] = trs.transform(X)
results["epochs"] = np.array(clf.history_.epoch)
"""


def _data():
    rng = np.random.default_rng(0)
    X = rng.random((40, 4)).astype("float32")
    labels = np.array(["cat", "dog", "eel"])[(X[:, 0] * 3).astype(int)]
    target = (X @ np.array([1.0, -2.0, 0.5, 0.3])).astype("float32")
    target2 = np.stack([target, -target], axis=1)
    return X, labels, target, target2


@pytest.mark.skipif(not keras_available(), reason="needs Keras")
def test_estimators_give_keras_predictions_scores_and_transforms():
    X, labels, target, target2 = _data()
    keras_found = run_keras(
        "from keras.wrappers import SKLearnClassifier, SKLearnRegressor, SKLearnTransformer\n"
        "X, labels, target, target2 = (inputs[k] for k in ('X', 'labels', 'target', "
        "'target2'))\n" + BUILD + USE, X=X, labels=labels, target=target, target2=target2)
    ours: dict = {}
    namespace = {"keras": deepfit, "np": np, "results": ours, "X": X, "labels": labels,
                 "target": target, "target2": target2, "SKLearnClassifier": SKLearnClassifier,
                 "SKLearnRegressor": SKLearnRegressor, "SKLearnTransformer": SKLearnTransformer}
    exec(BUILD + USE, namespace)  # the same program text on deepfit
    for key in ("decision", "regression", "transform", "score", "r2"):
        np.testing.assert_allclose(ours[key], keras_found[key], rtol=1e-5, atol=1e-6,
                                   err_msg=key)
    assert ours["labels"].tolist() == keras_found["labels"].tolist()
    assert ours["classes"].tolist() == keras_found["classes"].tolist() == ["cat", "dog", "eel"]
    assert ours["regression"].shape == (40,)  # 1-D targets come back 1-D
    assert ours["epochs"].tolist() == [0, 1, 2]


def _compiled(units: int = 3) -> deepfit.Model:
    model = deepfit.Sequential([deepfit.Input((4,)), deepfit.layers.Dense(units, "softmax")])
    model.compile("adam", "categorical_crossentropy")
    return model


def test_a_model_instance_is_cloned_unless_warm_start():
    X, labels, _, _ = _data()
    given = _compiled()
    before = [w.copy() for w in given.get_weights()]
    estimator = SKLearnClassifier(given, fit_kwargs={"epochs": 1, "verbose": 0}).fit(X, labels)
    assert estimator.model_ is not given and estimator.model_.compiled
    assert all(np.array_equal(a, b) for a, b in zip(given.get_weights(), before))
    warm = SKLearnClassifier(given, warm_start=True, fit_kwargs={"epochs": 1, "verbose": 0})
    warm.fit(X, labels)
    first = warm.model_
    warm.fit(X, labels)
    assert warm.model_ is first is given and warm.epoch_ == 1


def test_grid_search_clones_keep_fit_kwargs():
    from sklearn.base import clone
    from sklearn.model_selection import cross_val_score

    X, labels, _, _ = _data()
    estimator = SKLearnClassifier(_compiled(), fit_kwargs={"epochs": 2, "verbose": 0})
    twin = clone(estimator)
    assert twin.fit_kwargs == {"epochs": 2, "verbose": 0}
    scores = cross_val_score(estimator, X, labels, cv=2)
    assert scores.shape == (2,) and np.all((scores >= 0) & (scores <= 1))


def test_bad_models_and_targets_are_refused_with_keras_messages():
    X, labels, target, _ = _data()
    uncompiled = deepfit.Sequential([deepfit.Input((4,)), deepfit.layers.Dense(3)])
    with pytest.raises(RuntimeError, match="needs to be compiled"):
        SKLearnClassifier(uncompiled).fit(X, labels)
    with pytest.raises(ValueError, match="only one class"):
        SKLearnClassifier(_compiled(1)).fit(X, np.zeros(40, int))
    with pytest.raises(ValueError, match="Only binary and multiclass"):
        SKLearnClassifier(_compiled()).fit(X, target)
    with pytest.raises(ValueError, match="1d array"):  # as Keras: scikit-learn's validation
        SKLearnRegressor(_compiled(2)).fit(X, np.stack([target, target], axis=1))
