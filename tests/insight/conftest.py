"""Small runs and synthetic histories shared by the insight tests."""

from __future__ import annotations

import numpy as np
import pytest

import deepfit
from deepfit.callbacks import History


def make_history(loss, val_loss=None, baseline=None, baseline_kind=None, **extra):
    """A History as fit would leave it, from plain lists."""
    history = History()
    history.history["loss"] = list(loss)
    if val_loss is not None:
        history.history["val_loss"] = list(val_loss)
    for key, values in extra.items():
        history.history[key] = list(values)
    history.epoch = list(range(len(loss)))
    history.baseline = baseline
    history.baseline_kind = baseline_kind
    return history


@pytest.fixture
def fitted_history():
    """A short real classification run with validation, accuracy and a recorded baseline."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 4)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("int64")
    model = deepfit.Sequential([
        deepfit.layers.Dense(16, activation="relu"),
        deepfit.layers.Dense(2, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model.fit(x, y, epochs=8, validation_split=0.25, verbose=0)
