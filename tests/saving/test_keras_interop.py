"""Files go both ways between deepfit and real Keras 3 (torch backend): a model one saves, the
other loads and predicts the same (within 1e-5), optimizer variables included."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

import deepfit
from deepfit import layers
from deepfit.saving import load_model
from deepfit.saving.optimizer_variables import optimizer_arrays
from deepfit.saving.weights_file import keras_trainable_weights

os.environ["KERAS_BACKEND"] = "torch"
keras = pytest.importorskip("keras", reason="real Keras 3 (the 'parity' test extra) is needed "
                                            "to check files against it")

RNG = np.random.default_rng(0)
X_IMAGES = RNG.random((8, 10, 10, 3)).astype("float32")
X_FLAT = RNG.random((8, 5)).astype("float32")
X_TOKENS = RNG.integers(0, 20, (8, 7))


def _close(a, b):
    if isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _close(x, y)
        return
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=0, atol=1e-5)


def _keras_optimizer_values(model):
    return [np.asarray(v.numpy()) for v in model.optimizer.variables]


def _deepfit_cnn():
    model = deepfit.Sequential([
        deepfit.Input((10, 10, 3)), layers.Conv2D(4, 3, activation="relu"),
        layers.BatchNormalization(), layers.MaxPooling2D(), layers.Flatten(),
        layers.Dropout(0.3), layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(X_IMAGES, RNG.integers(0, 3, 8), epochs=2, batch_size=4, verbose=0)
    return model


def test_a_deepfit_sequential_model_loads_in_keras(tmp_path):
    model = _deepfit_cnn()
    model.save(tmp_path / "cnn.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # e.g. Keras skipping optimizer variables
        loaded = keras.saving.load_model(tmp_path / "cnn.keras")
    _close(loaded.predict(X_IMAGES, verbose=0), model.predict(X_IMAGES, verbose=0))
    assert [type(layer).__name__ for layer in loaded.layers] == [
        type(layer).__name__ for layer in model.layers]
    expected = optimizer_arrays(model.optimizer, model, keras_trainable_weights(model))
    _close(_keras_optimizer_values(loaded), expected)
    assert int(loaded.optimizer.iterations) == 4


def test_a_deepfit_functional_model_loads_in_keras(tmp_path):
    inputs = deepfit.Input((5,), name="x")
    aux = deepfit.Input((2,), name="aux")
    shared = layers.Dense(4, activation="relu", name="shared")
    deep = shared(layers.Dense(5, name="pre")(inputs))
    merged = layers.Concatenate(name="merge")([shared(inputs), deep, aux])
    model = deepfit.Model([inputs, aux], [layers.Dense(2, name="b")(deep),
                                          layers.Dense(1, name="a")(merged)])
    model.compile(optimizer=deepfit.optimizers.SGD(0.05, momentum=0.5), loss=["mse", "mse"])
    x = [X_FLAT, X_FLAT[:, :2]]
    model.fit(x, [X_FLAT[:, :2], X_FLAT[:, :1]], epochs=1, batch_size=4, verbose=0)
    model.save(tmp_path / "functional.keras")
    loaded = keras.saving.load_model(tmp_path / "functional.keras")
    _close(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    expected = optimizer_arrays(model.optimizer, model, keras_trainable_weights(model))
    _close(_keras_optimizer_values(loaded), expected)


def _keras_models():
    cnn = keras.Sequential([
        keras.Input((10, 10, 3)), keras.layers.Conv2D(4, 3, activation="relu"),
        keras.layers.BatchNormalization(), keras.layers.MaxPooling2D(),
        keras.layers.Flatten(), keras.layers.Dropout(0.3),
        keras.layers.Dense(3, activation="softmax")])
    inputs = keras.Input((5,), name="x")
    hidden = keras.layers.Dense(4, name="h")(inputs)
    second = keras.layers.Dense(2, name="second")(keras.layers.Concatenate()([hidden, inputs]))
    functional = keras.Model(inputs, [second, keras.layers.Dense(1, name="first")(hidden)])
    recurrent = keras.Sequential([
        keras.Input((7,), dtype="int32"), keras.layers.Embedding(20, 6),
        keras.layers.LSTM(5, return_sequences=True), keras.layers.GRU(3),
        keras.layers.Dense(2)])
    return {"cnn": (cnn, X_IMAGES, RNG.random((8, 3))),
            "functional": (functional, X_FLAT, [RNG.random((8, 2)), RNG.random((8, 1))]),
            "recurrent": (recurrent, X_TOKENS, RNG.random((8, 2)))}


@pytest.mark.parametrize("kind", ["cnn", "functional", "recurrent"])
def test_a_keras_model_loads_in_deepfit(tmp_path, kind):
    model, x, y = _keras_models()[kind]
    metrics = [["mae"], ["mae"]] if kind == "functional" else ["mae"]
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse", metrics=metrics)
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    model.save(tmp_path / f"{kind}.keras")
    loaded = load_model(tmp_path / f"{kind}.keras")
    _close(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.compiled and type(loaded.optimizer).__name__ == "Adam"
    state = optimizer_arrays(loaded.optimizer, loaded, keras_trainable_weights(loaded))
    _close(state, _keras_optimizer_values(model))
    assert loaded.optimizer.iterations == 2


_OPTIMIZERS = {
    "sgd_nesterov": ("SGD", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}),
    "adam_amsgrad": ("Adam", {"amsgrad": True}),
    "adamw": ("AdamW", {"weight_decay": 0.01}),
    "rmsprop_centered": ("RMSprop", {"momentum": 0.5, "centered": True}),
    "adagrad": ("Adagrad", {}),
    "adadelta": ("Adadelta", {"learning_rate": 1.0}),
    "adamax": ("Adamax", {}),
    "nadam": ("Nadam", {}),
    "ema_accumulation": ("Adam", {"use_ema": True, "gradient_accumulation_steps": 2}),
    "schedule": ("SGD", {"learning_rate": {"class_name": "ExponentialDecay", "config": {
        "initial_learning_rate": 0.1, "decay_steps": 2, "decay_rate": 0.5}}}),
}


@pytest.mark.parametrize("case", sorted(_OPTIMIZERS))
def test_optimizer_variables_follow_keras_order_both_ways(tmp_path, case):
    name, config = _OPTIMIZERS[case]
    model = deepfit.Sequential([deepfit.Input((5,)), layers.Dense(3, activation="tanh"),
                                layers.BatchNormalization(), layers.Dense(2)])
    model.compile(optimizer=deepfit.optimizers.deserialize(
        {"class_name": name, "config": config}), loss="mse")
    model.fit(X_FLAT, X_FLAT[:, :2], epochs=1, batch_size=2, verbose=0)
    model.save(tmp_path / "ours.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        theirs = keras.saving.load_model(tmp_path / "ours.keras")
    expected = optimizer_arrays(model.optimizer, model, keras_trainable_weights(model))
    values = _keras_optimizer_values(theirs)
    if name == "Nadam":  # Keras accumulates its u-product in float32 step by step
        np.testing.assert_allclose(values[-1], expected[-1], rtol=1e-6)
        values, expected = values[:-1], expected[:-1]
    _close(values, expected)
    theirs.fit(X_FLAT, X_FLAT[:, :2], epochs=1, batch_size=2, verbose=0)
    theirs.save(tmp_path / "theirs.keras")
    back = load_model(tmp_path / "theirs.keras")
    got = optimizer_arrays(back.optimizer, back, keras_trainable_weights(back))
    wanted = _keras_optimizer_values(theirs)
    _close(got[:-1] if name == "Nadam" else got, wanted[:-1] if name == "Nadam" else wanted)


def _single_layer_cases():
    k = keras.layers
    return {
        "conv1d_transpose": (k.Conv1DTranspose(4, 3, strides=2), (8, 3)),
        "conv2d_transpose": (k.Conv2DTranspose(2, 3), (5, 5, 3)),
        "depthwise_conv2d": (k.DepthwiseConv2D(3, depth_multiplier=2), (6, 6, 3)),
        "separable_conv2d": (k.SeparableConv2D(4, 3), (6, 6, 3)),
        "average_pooling2d": (k.AveragePooling2D(2, padding="same"), (5, 5, 3)),
        "layer_normalization": (k.LayerNormalization(), (5,)),
        "bidirectional_lstm": (k.Bidirectional(k.LSTM(3)), (4, 5)),
        "simple_rnn": (k.SimpleRNN(3, return_sequences=True), (4, 5)),
        "spatial_dropout": (k.SpatialDropout1D(0.3), (6, 3)),
        "regularized_dense": (k.Dense(3, kernel_regularizer=keras.regularizers.L1L2(0.01, 0.02),
                                      bias_constraint=keras.constraints.NonNeg()), (5,)),
    }


@pytest.mark.parametrize("case", sorted(_single_layer_cases()))
def test_more_layers_round_trip_between_keras_and_deepfit(tmp_path, case):
    layer, shape = _single_layer_cases()[case]
    inputs = keras.Input(shape)
    model = keras.Model(inputs, layer(inputs))
    x = RNG.random((3, *shape)).astype("float32")
    model.save(tmp_path / "keras.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        ours = load_model(tmp_path / "keras.keras")
    _close(ours.predict(x, verbose=0), model.predict(x, verbose=0))
    ours.save(tmp_path / "deepfit.keras")
    back = keras.saving.load_model(tmp_path / "deepfit.keras")
    _close(back.predict(x, verbose=0), model.predict(x, verbose=0))
