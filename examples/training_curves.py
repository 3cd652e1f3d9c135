"""Training curves with a validation split, in deepfit: a digits MLP trained with
`validation_split=0.1`, then the loss and accuracy per epoch plotted from `history.history`.

The figure is shown in a window when there is a display, and saved to `training_curves.png`
otherwise (or always, with `--save`).

    python examples/training_curves.py [--epochs 20] [--save training_curves.png]
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

import deepfit as keras
from deepfit.datasets import digits


def plot(history: dict, path: str | None) -> str | None:
    """Loss and accuracy curves side by side; saved to `path` (or shown). Returns the path."""
    import matplotlib

    no_display = sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if path is None and no_display:
        matplotlib.use("Agg")
        path = "training_curves.png"
    import matplotlib.pyplot as plt

    epochs = range(1, len(history["loss"]) + 1)
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for axes, key in ((left, "loss"), (right, "accuracy")):
        axes.plot(epochs, history[key], "bo-", label=f"Training {key}")
        axes.plot(epochs, history[f"val_{key}"], "r-", label=f"Validation {key}")
        axes.set_xlabel("Epochs")
        axes.set_title(f"Training and validation {key}")
        axes.legend()
    if path is None:
        plt.show()
        return None
    figure.savefig(path)
    plt.close(figure)
    print(f"Saved the curves to {os.path.abspath(path)}")
    return path


def main(argv: Sequence[str] | None = None) -> dict:
    """Train and plot; returns `history.history`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--save", metavar="PNG", help="save the figure here instead of showing")
    args = parser.parse_args(argv)

    keras.utils.set_random_seed(0)
    (x_train, y_train), _ = digits.load_data()
    x_train = x_train.reshape(-1, 64) / 16.0
    model = keras.Sequential([
        keras.layers.Dense(64, activation="relu", input_shape=(64,)),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=args.epochs, batch_size=32,
                        validation_split=0.1, learning_rate=0.001)
    plot(history.history, args.save)
    return history.history


if __name__ == "__main__":
    main()
