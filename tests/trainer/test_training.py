"""The tutorial models must actually learn, and one seed must give one result."""

from __future__ import annotations

import numpy as np

import deepfit
from deepfit import layers


def test_celsius_to_fahrenheit_predicts_212():
    celsius = np.array([-40, -10, 0, 8, 15, 22, 38], dtype=float)
    fahrenheit = np.array([-40, 14, 32, 46, 59, 72, 100], dtype=float)
    l0 = layers.Dense(units=1, input_shape=[1])
    model = deepfit.Sequential([l0])
    model.compile(loss="mean_squared_error", optimizer=deepfit.optimizers.Adam(0.1))
    history = model.fit(celsius, fahrenheit, epochs=500, verbose=False)
    prediction = model.predict(np.array([100.0]), verbose=0)
    assert prediction.shape == (1, 1)
    assert abs(prediction[0, 0] - 211.5) <= 2.0
    kernel, bias = l0.get_weights()
    # The TensorFlow tutorial prints weights near 1.82 and 29.1 after these 500 epochs.
    assert abs(kernel[0, 0] - 1.82) < 0.05 and 25 < bias[0] < 33
    assert len(history.history["loss"]) == 500
    assert history.history["loss"][-1] < history.history["loss"][0] / 100


def test_sigmoid_network_on_zeros_and_ones(digits_data):
    (x, y), _ = digits_data
    keep = y < 2
    x, y = x[keep], y[keep]
    model = deepfit.Sequential([
        layers.Dense(25, activation="sigmoid"),
        layers.Dense(15, activation="sigmoid"),
        layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=30, verbose=0)
    assert model.optimizer.__class__.__name__ == "RMSprop"
    assert history.history["accuracy"][-1] >= 0.99


def test_mlp_on_ten_digits_reaches_95_percent(digits_data):
    (x_train, y_train), (x_test, y_test) = digits_data
    model = deepfit.Sequential([
        layers.Dense(128, activation="relu", input_dim=64),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=20, batch_size=32, validation_split=0.1,
                        verbose=0)
    assert list(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert accuracy >= 0.95
    assert history.history["val_accuracy"][-1] >= 0.9
    probabilities = model.predict(x_test, verbose=0)
    assert probabilities.shape == (len(x_test), 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    assert np.isclose(np.mean(probabilities.argmax(axis=1) == y_test), accuracy)


def _train_once(digits_data, seed):
    deepfit.utils.set_random_seed(seed)
    (x, y), _ = digits_data
    model = deepfit.Sequential([
        layers.Dense(32, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=3, validation_split=0.2, verbose=0)
    return history.history, model.get_weights()


def test_one_seed_gives_identical_history_and_weights(digits_data):
    first_history, first_weights = _train_once(digits_data, 7)
    second_history, second_weights = _train_once(digits_data, 7)
    assert first_history == second_history
    for a, b in zip(first_weights, second_weights):
        np.testing.assert_array_equal(a, b)
    third_history, _ = _train_once(digits_data, 8)
    assert third_history != first_history


def test_training_values_are_running_means_over_batches():
    x = np.arange(10, dtype="float32").reshape(10, 1)
    y = 2 * x
    model = deepfit.Sequential([layers.Dense(1, kernel_initializer="zeros", input_dim=1)])
    model.compile(optimizer=deepfit.optimizers.SGD(0.0), loss="mse")
    history = model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    # With a learning rate of 0 the prediction is 0: the epoch loss is the mean of (2x)^2
    # weighted by batch size — batches of 4, 4 and 2 samples.
    assert np.isclose(history.history["loss"][0], np.mean((2 * x) ** 2))


def test_fit_learning_rate_sets_the_optimizer_rate():
    model = deepfit.Sequential([layers.Dense(1, input_dim=2)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.ones((4, 2)), np.ones(4), epochs=1, learning_rate=0.25, verbose=0)
    assert np.isclose(model.optimizer.learning_rate, 0.25)


def test_history_params_epoch_and_model_history():
    model = deepfit.Sequential([layers.Dense(1, input_dim=2)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    history = model.fit(np.ones((10, 2)), np.ones(10), epochs=3, batch_size=4, verbose=0)
    assert history.epoch == [0, 1, 2]
    assert history.params == {"verbose": 0, "epochs": 3, "steps": 3}
    assert model.history is history
    assert sorted(history.history) == ["loss", "mae"]


def test_metric_keys_are_the_strings_the_user_wrote(digits_data):
    (x, y), _ = digits_data
    model = deepfit.Sequential([layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["acc"])
    history = model.fit(x[:64], y[:64], epochs=1, verbose=0)
    assert sorted(history.history) == ["acc", "loss"]


def test_evaluate_return_forms(digits_data):
    (x, y), _ = digits_data
    model = deepfit.Sequential([layers.Dense(10, activation="softmax", input_dim=64)])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    assert isinstance(model.evaluate(x, y, verbose=0), float)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    loss, accuracy = model.evaluate(x, y, verbose=0)
    as_dict = model.evaluate(x, y, verbose=0, return_dict=True)
    assert as_dict == {"loss": loss, "accuracy": accuracy}


def test_batch_methods(digits_data):
    (x, y), _ = digits_data
    model = deepfit.Sequential([layers.Dense(10, activation="softmax", input_dim=64)])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    before = model.test_on_batch(x[:32], y[:32])
    for _ in range(20):
        model.train_on_batch(x[:32], y[:32])
    after = model.test_on_batch(x[:32], y[:32], return_dict=True)
    assert after["loss"] < before[0]
    assert model.predict_on_batch(x[:5]).shape == (5, 10)


def test_uint8_images_and_lists_are_accepted():
    images = np.random.default_rng(0).integers(0, 255, size=(40, 4, 4), dtype=np.uint8)
    labels = [int(v) for v in images.reshape(40, -1).mean(axis=1) > 127]
    model = deepfit.Sequential([layers.Flatten(input_shape=(4, 4)),
                                layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(images, labels, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert model.predict(images[:3].tolist(), verbose=0).shape == (3, 1)
