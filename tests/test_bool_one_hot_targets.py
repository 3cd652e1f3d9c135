"""Boolean one-hot targets (Keras's addition-RNN example builds them with dtype=bool) work with
'accuracy' and the categorical accuracies, as in Keras."""

from __future__ import annotations

import numpy as np
import torch

import deepfit
from deepfit.metrics.accuracy_functions import (
    categorical_accuracy,
    top_k_categorical_accuracy,
)


def test_categorical_accuracies_take_boolean_labels():
    scores = torch.tensor([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2], [0.2, 0.3, 0.5]])
    labels = np.eye(3, dtype=bool)[[1, 2, 2]]
    assert categorical_accuracy(labels, scores).tolist() == [1.0, 0.0, 1.0]
    assert top_k_categorical_accuracy(labels, scores, k=2).tolist() == [1.0, 0.0, 1.0]


def test_fit_reports_accuracy_for_boolean_one_hot_sequences():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4, 3)).astype("float32")
    y = np.eye(5, dtype=bool)[rng.integers(0, 5, (64, 4))]  # (64, 4, 5) booleans
    model = deepfit.Sequential([deepfit.layers.Input((4, 3)),
                                deepfit.layers.Dense(5, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    logs = model.evaluate(x, y, batch_size=64, verbose=0, return_dict=True)
    scores = model.predict(x, verbose=0)
    expected = np.mean(scores.argmax(-1) == y.argmax(-1))
    np.testing.assert_allclose(logs["accuracy"], expected, atol=1e-6)
    history = model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    assert 0.0 <= history.history["accuracy"][0] <= 1.0
