"""The benchmark workloads, written once against the Keras API so the same code builds the
model in deepfit and in Keras (`k` is either module), plus deterministic data for each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np


def mnist_like(samples: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """MNIST-shaped data: 784 features in [0, 1], 10 classes tied to the features."""
    rng = np.random.default_rng(seed)
    x = rng.random((samples, 784), dtype=np.float32)
    y = (x[:, :10].argmax(axis=1)).astype("int64")
    return x, y


def sigmoid_data(samples: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    x = rng.random((samples, 400), dtype=np.float32)
    y = (x[:, :200].mean(axis=1) > 0.5).astype("float32")
    return x, y


def celsius_data() -> tuple[np.ndarray, np.ndarray]:
    celsius = np.array([-40, -10, 0, 8, 15, 22, 38], dtype="float32")
    return celsius, (celsius * 1.8 + 32).astype("float32")


def digits_images(samples: int = 8000) -> tuple[np.ndarray, np.ndarray]:
    """Real handwritten digits when ../shared has them, else MNIST-shaped noise."""
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "mnist_t10k_split.npz"
    if path.exists():
        with np.load(path) as data:
            x, y = data["x_train"][:samples], data["y_train"][:samples]
        return (x.astype("float32") / 255.0)[..., None], y.astype("int64")
    rng = np.random.default_rng(2)
    return rng.random((samples, 28, 28, 1), dtype=np.float32), rng.integers(0, 10, samples)


def build_mlp(k: Any) -> Any:
    return k.Sequential([k.Input((784,)), k.layers.Dense(128, activation="relu"),
                         k.layers.Dense(10, activation="softmax")])


def build_sigmoid(k: Any) -> Any:
    return k.Sequential([k.Input((400,)), k.layers.Dense(25, activation="sigmoid"),
                         k.layers.Dense(15, activation="sigmoid"),
                         k.layers.Dense(1, activation="sigmoid")])


def build_celsius(k: Any) -> Any:
    return k.Sequential([k.layers.Dense(units=1, input_shape=[1])])


def build_convnet(k: Any) -> Any:
    inputs = k.Input(shape=(28, 28, 1))
    x = k.layers.Conv2D(32, kernel_size=(3, 3), activation="relu")(inputs)
    x = k.layers.MaxPooling2D(pool_size=(2, 2))(x)
    x = k.layers.Conv2D(64, kernel_size=(3, 3), activation="relu")(x)
    x = k.layers.MaxPooling2D(pool_size=(2, 2))(x)
    x = k.layers.Flatten()(x)
    x = k.layers.Dropout(0.5)(x)
    outputs = k.layers.Dense(10, activation="softmax")(x)
    return k.Model(inputs, outputs)


@dataclass
class Workload:
    """One benchmark: a model, its data, how it's compiled and fitted, and its FLOPs."""

    name: str
    title: str
    build: Callable[[Any], Any]
    data: Callable[[], tuple[np.ndarray, np.ndarray]]
    optimizer: str | tuple[str, float]
    loss: str
    batch_size: int
    epochs: int
    #: time the whole fit (a fresh model, first epoch included) rather than steady epochs
    whole_fit: bool = False
    flops_per_sample: float = 0.0
    metrics: list[str] = field(default_factory=lambda: ["accuracy"])


WORKLOADS = {
    w.name: w for w in [
        Workload("mlp32", "MLP 784-128-10, Adam, batch 32, 60k samples", build_mlp,
                 lambda: mnist_like(60000), "adam", "sparse_categorical_crossentropy", 32, 1,
                 flops_per_sample=6 * (784 * 128 + 128 * 10)),
        Workload("mlp256", "MLP 784-128-10, Adam, batch 256, 60k samples", build_mlp,
                 lambda: mnist_like(60000), "adam", "sparse_categorical_crossentropy", 256, 1,
                 flops_per_sample=6 * (784 * 128 + 128 * 10)),
        Workload("sigmoid", "400-25-15-1 sigmoid, binary CE, 1,000 samples, 100 epochs",
                 build_sigmoid, sigmoid_data, "adam", "binary_crossentropy", 32, 100,
                 whole_fit=True, flops_per_sample=6 * (400 * 25 + 25 * 15 + 15)),
        Workload("celsius", "Celsius, Dense(1), Adam(0.1), 7 samples, 500 epochs",
                 build_celsius, celsius_data, ("adam", 0.1), "mean_squared_error", 32, 500,
                 whole_fit=True, flops_per_sample=6, metrics=[]),
        Workload("convnet", "MNIST convnet (2x Conv2D+MaxPool), batch 128, 8,000 digits",
                 build_convnet, digits_images, "adam", "sparse_categorical_crossentropy", 128, 1,
                 flops_per_sample=6 * (26 * 26 * 9 * 32 + 11 * 11 * 9 * 32 * 64 + 1600 * 10)),
    ]
}
