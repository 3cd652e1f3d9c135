"""`make demo`: the tutorial models, trained offline on the handwritten digits that ship with
scikit-learn (8x8 images, 1,797 samples).

1. A 64-128-10 relu/softmax MLP on all ten digits: progress bars, the History, held-out accuracy.
2. The 25-15-1 sigmoid network on the digits 0 and 1 (no declared input shape, rmsprop).
3. Celsius → Fahrenheit with one Dense unit.
Then the MLP's curves and diagnosis, a learning-rate range test, and its classification report
(per-class numbers, most-confused digits, the worst samples) as text and as an HTML page.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import deepfit as keras
from deepfit.datasets import digits

OUTPUT = Path("demo-output")
CURVES = OUTPUT / "curves.png"
LR_FINDER = OUTPUT / "lr_finder.png"
REPORT = OUTPUT / "report.html"


def digits_mlp() -> keras.Sequential:
    model = keras.Sequential([
        keras.layers.Dense(128, activation="relu", input_dim=64),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def digits_data() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    return (x_train.reshape(-1, 64) / 16.0, y_train), (x_test.reshape(-1, 64) / 16.0, y_test)


def mlp_on_digits() -> tuple[float, object, keras.Sequential]:
    (x_train, y_train), (x_test, y_test) = digits_data()
    model = digits_mlp()
    model.summary()
    history = model.fit(x_train, y_train, epochs=10, batch_size=32, validation_split=0.1)
    print("History:", {key: [round(v, 4) for v in values]
                       for key, values in history.history.items()})
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"Held-out accuracy on {len(x_test)} digits: {accuracy:.4f} (loss {loss:.4f})")
    return accuracy, history, model


def learning_rate_and_classes(history: object, model: keras.Sequential) -> None:
    """A range test on a fresh MLP, then what the trained one gets wrong, digit by digit."""
    (x_train, y_train), (x_test, y_test) = digits_data()
    finder = digits_mlp().find_learning_rate(x_train, y_train, num_steps=150)
    print(finder)
    report = keras.insight.classification_report(model, x_test, y_test)
    print(report)
    history.save_report(REPORT, model=model, data=(x_test, y_test))
    print(f"Saved the report (curves, diagnosis, confusion matrix, worst samples) to {REPORT}")
    try:
        finder.plot(LR_FINDER)
        print(f"Saved the learning-rate range test to {LR_FINDER}")
    except ImportError as error:  # matplotlib is an optional extra
        print(f"(no plot: {error})")


def sigmoid_network_on_zeros_and_ones() -> float:
    (x_train, y_train), _ = digits.load_data()
    keep = y_train < 2
    x, y = x_train[keep].reshape(-1, 64) / 16.0, y_train[keep]
    model = keras.Sequential([
        keras.layers.Dense(25, activation="sigmoid"),
        keras.layers.Dense(15, activation="sigmoid"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=20, verbose=2)
    return history.history["accuracy"][-1]


def celsius_to_fahrenheit() -> float:
    celsius = np.array([-40, -10, 0, 8, 15, 22, 38], dtype=float)
    fahrenheit = np.array([-40, 14, 32, 46, 59, 72, 100], dtype=float)
    layer = keras.layers.Dense(units=1, input_shape=[1])
    model = keras.Sequential([layer])
    model.compile(loss="mean_squared_error", optimizer=keras.optimizers.Adam(0.1))
    model.fit(celsius, fahrenheit, epochs=500, verbose=0)
    prediction = float(model.predict(np.array([100.0]), verbose=0)[0, 0])
    kernel, bias = layer.get_weights()
    print(f"100 °C → {prediction:.1f} °F (weights: {kernel[0, 0]:.4f}, {bias[0]:.4f}; "
          "exact: 1.8, 32)")
    return prediction


def main() -> None:
    keras.utils.set_random_seed(0)
    print("== 1. A 64-128-10 MLP on the ten digits ==")
    accuracy, history, model = mlp_on_digits()
    print("\n== 2. The 25-15-1 sigmoid network on digits 0 and 1 ==")
    sigmoid_accuracy = sigmoid_network_on_zeros_and_ones()
    print("\n== 3. Celsius to Fahrenheit ==")
    celsius_to_fahrenheit()
    print(f"\nDone. Held-out accuracy (10 digits): {accuracy:.4f}; "
          f"training accuracy (0 vs 1): {sigmoid_accuracy:.4f}")
    print("\n== Training curves and diagnosis of the MLP ==")
    try:
        CURVES.parent.mkdir(exist_ok=True)
        history.plot(CURVES)
        print(f"Saved the training curves to {CURVES}")
    except ImportError as error:  # matplotlib is an optional extra
        print(f"(no curves: {error})")
    print(history.diagnose())
    print("\n== Learning-rate range test and classification report of the MLP ==")
    learning_rate_and_classes(history, model)


if __name__ == "__main__":
    main()
