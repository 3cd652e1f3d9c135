"""Strided layers on an axis of unknown length keep it unknown, as in Keras: a Conv1D/pooling
stack over `Input(shape=(None,))` (the pretrained word embeddings example) and a strided
Conv2D/pooling stack over `Input(shape=(None, None, 3))`. Shape inference runs each layer on
two dummy lengths; lengths that pool to the same size made the axis look known, and the next
pooling failed inside torch."""

from __future__ import annotations

import numpy as np

import deepfit
from deepfit import layers
from tests.keras_process import run_keras

# Built by the same code in both libraries (`keras` is deepfit in this process).
TEXT_CNN = """
inputs = keras.Input(shape=(None,), dtype="int32")
x = keras.layers.Embedding(50, 8)(inputs)
for _ in range(2):
    x = keras.layers.Conv1D(4, 5, activation="relu")(x)
    x = keras.layers.MaxPooling1D(5)(x)
x = keras.layers.Conv1D(4, 5, activation="relu")(x)
x = keras.layers.GlobalMaxPooling1D()(x)
model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(x))
shapes = np.array([[-1 if d is None else d for d in layer.output.shape]
                   for layer in model.layers[1:6]])
"""


def _text_cnn() -> tuple[deepfit.Model, np.ndarray]:
    space = {"keras": deepfit, "np": np}
    exec(TEXT_CNN, space)
    return space["model"], space["shapes"]


def test_conv_and_pooling_keep_an_unknown_length_unknown_as_keras():
    model, ours = _text_cnn()
    expected = run_keras(TEXT_CNN + 'results["shapes"] = shapes')["shapes"]
    np.testing.assert_array_equal(ours, expected)
    assert (ours[:, 1] == -1).all()  # every conv and pooling output: length unknown
    assert tuple(model.output.shape) == (None, 3)
    # the model runs on sequences of any length long enough for its windows
    for length in (200, 160):
        out = model.predict(np.ones((2, length), "int32"), verbose=0)
        assert out.shape == (2, 3)


def test_strided_conv2d_on_unknown_image_size_keeps_it_unknown():
    inputs = deepfit.Input(shape=(None, None, 3))
    x = layers.Conv2D(4, 3, strides=2, padding="same")(inputs)
    pooled = layers.MaxPooling2D(4)(x)
    patches = layers.Conv2D(4, 16, strides=16)(inputs)
    assert tuple(x.shape) == (None, None, None, 4)
    assert tuple(pooled.shape) == (None, None, None, 4)
    assert tuple(patches.shape) == (None, None, None, 4)
