"""The keras.io MNIST convnet, built with the Functional API, on real handwritten digits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import deepfit as keras
from deepfit import layers

DIGITS = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "mnist_t10k_split.npz"


@pytest.mark.skipif(not DIGITS.exists(), reason=f"real digits not found at {DIGITS}")
def test_convnet_reaches_975_percent_on_held_out_digits():
    with np.load(DIGITS) as data:
        x_train, y_train = data["x_train"], data["y_train"]
        x_test, y_test = data["x_test"], data["y_test"]
    x_train = (x_train.astype("float32") / 255.0)[..., None]
    x_test = (x_test.astype("float32") / 255.0)[..., None]

    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(32, kernel_size=(3, 3), activation="relu")(inputs)
    x = layers.MaxPooling2D(pool_size=(2, 2))(x)
    x = layers.Conv2D(64, kernel_size=(3, 3), activation="relu")(x)
    x = layers.MaxPooling2D(pool_size=(2, 2))(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    assert model.count_params() == 34826  # keras.io's summary for this model

    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam",
                  metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=128, epochs=10, validation_split=0.1, verbose=0)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert accuracy >= 0.975
