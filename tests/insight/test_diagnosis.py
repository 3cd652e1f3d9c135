"""diagnose(): crafted real runs get the right verdict; synthetic histories cover the edges."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import deepfit
from deepfit import layers
from deepfit.insight import VERDICTS, Diagnosis, diagnose
from tests.insight.conftest import make_history


def _fit(model, x, y, optimizer, loss, **kwargs):
    model.compile(optimizer=optimizer, loss=loss)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", deepfit.TrainingWarning)
        return model.fit(x, y, verbose=0, **kwargs)


# ----------------------------------------------------------------------------- real runs
def test_large_network_on_60_noisy_samples_overfits_and_names_the_best_epoch():
    rng = np.random.default_rng(0)
    w = rng.normal(size=5)
    x = rng.normal(size=(60, 5)).astype("float32")
    y = (x @ w + rng.normal(size=60)).astype("float32")
    x_val = rng.normal(size=(200, 5)).astype("float32")
    y_val = (x_val @ w + rng.normal(size=200)).astype("float32")
    model = deepfit.Sequential([layers.Dense(256, activation="relu"),
                                layers.Dense(256, activation="relu"), layers.Dense(1)])
    history = _fit(model, x, y, deepfit.optimizers.Adam(0.003), "mse", epochs=150,
                   validation_data=(x_val, y_val))
    diagnosis = history.diagnose()
    val = history.history["val_loss"]
    best = int(np.argmin(val))
    assert diagnosis.verdict == "overfitting"
    assert diagnosis.evidence["best_epoch"] == best + 1
    assert diagnosis.evidence["best_val_loss"] == pytest.approx(val[best])
    assert diagnosis.evidence["final_val_loss"] > 1.1 * val[best]
    assert str(diagnosis).startswith(f"Overfitting from epoch {best + 2}: val_loss rose from "
                                     f"{val[best]:.3g} (epoch {best + 1}, the best)")
    assert "EarlyStopping(restore_best_weights=True)" in str(diagnosis)


def test_linear_model_on_a_nonlinear_problem_underfits():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(512, 1)).astype("float32")
    y = (x[:, 0] ** 2 + 1).astype("float32")
    history = _fit(deepfit.Sequential([layers.Dense(1)]), x, y,
                   deepfit.optimizers.Adam(0.05), "mse", epochs=40, validation_split=0.2)
    # The baseline is the MSE of predicting the mean: the variance of the training targets.
    train_y = y[: int(512 * 0.8)]
    assert history.baseline == pytest.approx(float(np.var(train_y)), rel=1e-4)
    assert history.baseline_kind == "mean"
    diagnosis = history.diagnose()
    assert diagnosis.verdict == "underfitting"
    assert diagnosis.evidence["ratio"] > 0.95
    assert "always predicting the mean" in diagnosis.message


def test_sgd_with_a_huge_learning_rate_diverges():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 4)).astype("float32")
    y = (3 * x.sum(axis=1)).astype("float32")
    model = deepfit.Sequential([layers.Dense(16, activation="relu"), layers.Dense(1)])
    history = _fit(model, x, y, deepfit.optimizers.SGD(5.0), "mse", epochs=10)
    diagnosis = history.diagnose()
    assert diagnosis.verdict == "diverging"
    assert not math.isfinite(history.history["loss"][diagnosis.evidence["epoch"] - 1])
    assert "learning rate (it was 5; model.find_learning_rate(x, y) suggests one)" in str(
        diagnosis)


def test_tiny_learning_rate_is_not_learning():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 4)).astype("float32")
    y = (x.sum(axis=1) > 0).astype("float32")
    model = deepfit.Sequential([layers.Dense(16, activation="relu"),
                                layers.Dense(1, activation="sigmoid")])
    history = _fit(model, x, y, deepfit.optimizers.SGD(1e-6), "binary_crossentropy",
                   epochs=10)
    diagnosis = history.diagnose()
    assert diagnosis.verdict == "not_learning"
    loss = history.history["loss"]
    assert diagnosis.evidence["improvement"] == pytest.approx((loss[0] - min(loss)) / loss[0])
    assert "higher learning rate (it was 1e-06; model.find_learning_rate" in str(diagnosis)


def test_healthy_run_is_ok():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(512, 4)).astype("float32")
    y = (x[:, 0] * x[:, 1] > 0).astype("int64")
    model = deepfit.Sequential([layers.Dense(32, activation="relu"),
                                layers.Dense(2, activation="softmax")])
    history = _fit(model, x, y, "adam", "sparse_categorical_crossentropy", epochs=30,
                   validation_split=0.25)
    # Two balanced-ish classes: the baseline is the entropy of the class frequencies.
    counts = np.bincount(y[:384], minlength=2) / 384
    assert history.baseline == pytest.approx(float(-(counts * np.log(counts)).sum()), rel=1e-4)
    diagnosis = history.diagnose()
    assert diagnosis.verdict == "ok"
    assert diagnosis.evidence["final_loss"] < 0.7 * history.baseline


# ----------------------------------------------------------------------------- synthetic
def test_synthetic_overfitting_message_matches_the_issue_example():
    val = [0.3, 0.2, 0.12, 0.09, 0.081, 0.09, 0.1, 0.12, 0.134]
    loss = [0.3, 0.2, 0.1, 0.08, 0.06, 0.05, 0.04, 0.03, 0.02]
    diagnosis = diagnose(make_history(loss, val))
    assert diagnosis.verdict == "overfitting"
    assert str(diagnosis) == (
        "Overfitting from epoch 6: val_loss rose from 0.081 (epoch 5, the best) to 0.134 while "
        "loss kept falling (from 0.06 to 0.02). Try EarlyStopping(restore_best_weights=True), "
        "Dropout, or more data.")


def test_val_loss_a_little_above_its_best_is_not_overfitting():
    loss = [1.0, 0.8, 0.6, 0.5, 0.45, 0.44, 0.43, 0.42]
    val = [1.0, 0.8, 0.6, 0.5, 0.45, 0.46, 0.47, 0.48]   # under 10% above the best
    assert diagnose(make_history(loss, val)).verdict == "ok"


def test_noisy_loss():
    loss = [1.0, 0.6, 0.9, 0.5, 0.85, 0.45, 0.8, 0.5, 0.75, 0.55]
    diagnosis = diagnose(make_history(loss))
    assert diagnosis.verdict == "noisy"
    assert diagnosis.evidence["rises"] == 4
    assert diagnosis.evidence["largest_rise"] == pytest.approx(0.35)
    assert diagnosis.evidence["largest_rise_epoch"] == 7


def test_small_bumps_near_convergence_are_not_noise():
    loss = [2.3, 1.0, 0.5, 0.2, 0.05, 0.01, 0.003, 0.004, 0.002, 0.003]
    assert diagnose(make_history(loss)).verdict == "ok"


def test_growing_loss_diverges_without_nan():
    loss = [1.0, 0.8, 0.9, 1.5, 2.5, 4.0, 7.0]
    diagnosis = diagnose(make_history(loss))
    assert diagnosis.verdict == "diverging"
    assert diagnosis.evidence["best_epoch"] == 2


def test_nan_in_val_loss_diverges():
    diagnosis = diagnose(make_history([1.0, 0.5, 0.4], [1.0, 0.6, math.inf]))
    assert diagnosis.verdict == "diverging"
    assert diagnosis.evidence == {"metric": "val_loss", "epoch": 3, "value": math.inf}
    assert diagnosis.message == "Diverging: val_loss became inf at epoch 3 (it was 0.6 at epoch 2)."


def test_flat_loss_already_far_below_the_baseline_is_not_flagged():
    loss = [0.0101, 0.0100, 0.0100, 0.0100]
    assert diagnose(make_history(loss, baseline=2.3)).verdict == "ok"
    assert diagnose(make_history(loss)).verdict == "not_learning"


def test_underfitting_needs_a_baseline():
    loss = [1.2, 1.0, 0.95, 0.93, 0.92]
    assert diagnose(make_history(loss)).verdict == "ok"
    diagnosis = diagnose(make_history(loss, baseline=1.0, baseline_kind="class_frequencies"))
    assert diagnosis.verdict == "underfitting"
    assert diagnosis.evidence["best_epoch"] == 5
    assert diagnosis.evidence["ratio"] == pytest.approx(0.92)
    assert "always predicting the class frequencies" in diagnosis.message


def test_epochs_are_numbered_from_the_recorded_epoch_plus_one():
    history = make_history([1.0, 0.5, 1.0, 2.0, 4.0])
    history.epoch = [10, 11, 12, 13, 14]   # a resumed run (initial_epoch=10)
    diagnosis = diagnose(history)
    assert diagnosis.verdict == "diverging"
    assert "(epoch 11)" in diagnosis.message and "(epoch 15)" in diagnosis.message


def test_one_epoch_is_ok_but_says_it_is_too_short():
    diagnosis = diagnose(make_history([0.5]))
    assert diagnosis.verdict == "ok"
    assert "too short" in diagnosis.message


def test_empty_history_is_a_clear_error():
    with pytest.raises(ValueError, match="no 'loss' values"):
        diagnose(make_history([]))


def test_diagnosis_str_and_dict():
    diagnosis = Diagnosis("noisy", "Noisy.", {"a": 1}, ["x", "y", "z"])
    assert str(diagnosis) == "Noisy. Try x, y, or z."
    assert diagnosis.to_dict()["text"] == "Noisy. Try x, y, or z."
    assert str(Diagnosis("ok", "Fine.")) == "Fine."
    assert set(VERDICTS) == {"ok", "overfitting", "underfitting", "not_learning", "diverging",
                             "noisy"}
