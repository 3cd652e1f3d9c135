"""`make demo`: the tutorial models, trained offline on the handwritten digits that ship with
scikit-learn (8x8 images, 1,797 samples).

1. A 64-128-10 relu/softmax MLP on all ten digits: progress bars, the History, held-out accuracy.
2. The 25-15-1 sigmoid network on the digits 0 and 1 (no declared input shape, rmsprop).
3. Celsius → Fahrenheit with one Dense unit.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import deepfit as keras
from deepfit.datasets import digits

CURVES = Path("demo-output") / "curves.png"


def mlp_on_digits() -> tuple[float, object]:
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    x_train = x_train.reshape(-1, 64) / 16.0
    x_test = x_test.reshape(-1, 64) / 16.0
    model = keras.Sequential([
        keras.layers.Dense(128, activation="relu", input_dim=64),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.summary()
    history = model.fit(x_train, y_train, epochs=10, batch_size=32, validation_split=0.1)
    print("History:", {key: [round(v, 4) for v in values]
                       for key, values in history.history.items()})
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"Held-out accuracy on {len(x_test)} digits: {accuracy:.4f} (loss {loss:.4f})")
    return accuracy, history


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
    accuracy, history = mlp_on_digits()
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


if __name__ == "__main__":
    main()
