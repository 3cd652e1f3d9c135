"""Subclassed models: layers in __init__, call() with training, custom train_step."""

from __future__ import annotations

import numpy as np
import torch

import deepfit
from deepfit import layers


class Net(deepfit.Model):
    def __init__(self):
        super().__init__()
        self.hidden = layers.Dense(32, activation="relu")
        self.dropout = layers.Dropout(0.5)
        self.out = layers.Dense(3, activation="softmax")

    def call(self, inputs, training=False):
        return self.out(self.dropout(self.hidden(inputs), training=training))


def _blobs(n=300, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    centers = np.array([[2, 0], [-2, 0], [0, 2]], dtype="float32")
    return (centers[labels] + rng.normal(scale=0.5, size=(n, 2))).astype("float32"), labels


def test_subclassed_model_builds_on_first_call_and_trains():
    model = Net()
    x, y = _blobs()
    model.compile(optimizer=deepfit.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=20, verbose=0)
    assert [l.name for l in model.layers][:1] and len(model.layers) == 3
    assert model.count_params() == 2 * 32 + 32 + 32 * 3 + 3
    assert history.history["accuracy"][-1] > 0.9
    first = model.predict(x[:10], verbose=0)
    np.testing.assert_array_equal(first, model.predict(x[:10], verbose=0))


class CountingModel(deepfit.Model):
    """A custom train_step, written as the Keras torch-backend guide does."""

    def __init__(self):
        super().__init__()
        self.dense = layers.Dense(1)
        self.steps_seen = 0

    def call(self, inputs):
        return self.dense(inputs)

    def train_step(self, data):
        x, y = data
        self.zero_grad()
        y_pred = self(x, training=True)
        loss = self.compute_loss(y=y, y_pred=y_pred)
        loss.backward()
        trainable = [v for v in self.trainable_weights]
        gradients = [v.grad for v in trainable]
        with torch.no_grad():
            self.optimizer.apply(gradients, trainable)
        self.steps_seen += 1
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def test_custom_train_step_is_used():
    model = CountingModel()
    x = np.random.default_rng(0).normal(size=(64, 2)).astype("float32")
    y = x @ np.array([[1.0], [-2.0]], dtype="float32")
    model.compile(optimizer=deepfit.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    history = model.fit(x, y, batch_size=16, epochs=15, verbose=0)
    assert model.steps_seen == 4 * 15
    assert history.history["loss"][-1] < 0.01
    assert "mae" in history.history
