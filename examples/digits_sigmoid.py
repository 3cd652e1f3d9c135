"""The 25-15-1 sigmoid network of the "neural network for binary classification" lab, in
deepfit: handwritten 0s and 1s (scikit-learn's 8x8 digits), binary crossentropy, and no
optimizer given to compile (RMSprop, as Keras).

    python examples/digits_sigmoid.py [--epochs 100]
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import numpy as np

import deepfit as keras
from deepfit.datasets import digits


def zeros_and_ones() -> tuple[np.ndarray, np.ndarray]:
    """The 0 and 1 digits: X (n, 64) scaled to [0, 1], Y (n, 1) with labels 0/1."""
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    x = np.concatenate([x_train, x_test]).reshape(-1, 64) / 16.0
    y = np.concatenate([y_train, y_test])
    keep = y < 2
    return x[keep], y[keep].reshape(-1, 1).astype("float32")


def main(argv: Sequence[str] | None = None) -> float:
    """Train; returns the training accuracy of the thresholded predictions."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100)
    args = parser.parse_args(argv)

    keras.utils.set_random_seed(1234)
    X, Y = zeros_and_ones()
    print(f"The shape of X is: {X.shape}, the shape of Y is: {Y.shape}")
    model = keras.Sequential([
        keras.layers.Dense(25, activation="sigmoid"),
        keras.layers.Dense(15, activation="sigmoid"),
        keras.layers.Dense(1, activation="sigmoid"),
    ], name="my_model")
    model.compile(loss="binary_crossentropy")
    model.fit(X, Y, epochs=args.epochs, verbose=2)
    model.summary()
    print(f"predicting a zero: {model.predict(X[Y[:, 0] == 0][:1], verbose=0)[0, 0]:.4f}")
    print(f"predicting a one:  {model.predict(X[Y[:, 0] == 1][:1], verbose=0)[0, 0]:.4f}")
    accuracy = float(np.mean((model.predict(X, verbose=0) >= 0.5) == Y))
    print(f"Training accuracy: {accuracy:.4f}")
    return accuracy


if __name__ == "__main__":
    main()
