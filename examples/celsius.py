"""Celsius to Fahrenheit with one Dense unit (the "Intro to deep learning" Colab), in deepfit:
the network learns F = 1.8 C + 32 from seven examples.

    python examples/celsius.py [--epochs 500]
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import numpy as np

import deepfit as keras


def main(argv: Sequence[str] | None = None) -> tuple[float, float, float]:
    """Train; returns (prediction for 100 °C, learned slope, learned intercept)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=500)
    args = parser.parse_args(argv)

    keras.utils.set_random_seed(0)
    celsius = np.array([-40, -10, 0, 8, 15, 22, 38], dtype=float)
    fahrenheit = np.array([-40, 14, 32, 46, 59, 72, 100], dtype=float)
    layer = keras.layers.Dense(units=1, input_shape=[1])
    model = keras.Sequential([layer])
    model.compile(loss="mean_squared_error", optimizer=keras.optimizers.Adam(0.1))
    history = model.fit(celsius, fahrenheit, epochs=args.epochs, verbose=0)
    print(f"Finished training: loss {history.history['loss'][-1]:.4f}")
    prediction = float(model.predict(np.array([100.0]), verbose=0)[0, 0])
    kernel, bias = layer.get_weights()
    print(f"100 °C -> {prediction:.2f} °F (exact: 212)")
    print(f"learned F = {kernel[0, 0]:.4f} C + {bias[0]:.4f} (exact: 1.8 C + 32)")
    return prediction, float(kernel[0, 0]), float(bias[0])


if __name__ == "__main__":
    main()
