"""The MNIST MLP of the TensorFlow beginner tutorial, in deepfit: 784-128-10, relu/softmax, adam.

Offline by default: scikit-learn's 8x8 digits (1,797 images that ship with scikit-learn) stand in
for MNIST. `--mnist` trains on the real MNIST (downloaded once into ~/.deepfit/datasets, or read
from Keras's cache).

    python examples/mnist_mlp.py [--mnist] [--epochs 10]
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import numpy as np

import deepfit as keras
from deepfit.datasets import digits, mnist


def load(real_mnist: bool) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Images flattened and scaled to [0, 1], with their labels."""
    (x_train, y_train), (x_test, y_test) = (mnist if real_mnist else digits).load_data()
    scale = 255.0 if real_mnist else 16.0
    pixels = x_train.shape[1] * x_train.shape[2]
    return ((x_train.reshape(-1, pixels) / scale, y_train),
            (x_test.reshape(-1, pixels) / scale, y_test))


def main(argv: Sequence[str] | None = None) -> float:
    """Train and evaluate; returns the test accuracy."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnist", action="store_true", help="use the real MNIST")
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args(argv)

    keras.utils.set_random_seed(0)
    (x_train, y_train), (x_test, y_test) = load(args.mnist)
    model = keras.Sequential([
        keras.layers.Dense(128, activation="relu", input_dim=x_train.shape[1]),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=args.epochs, batch_size=32)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=2)
    print(f"Test accuracy: {accuracy:.4f}")
    return accuracy


if __name__ == "__main__":
    main()
