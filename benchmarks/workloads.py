"""The benchmark workloads, written once against the Keras API so the same code builds the
model in deepfit and in Keras (`k` is either module), plus deterministic data for each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
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


def tokens(samples: int, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """IMDB-shaped text: `samples` sequences of 200 token ids in [1, 20000), binary labels
    tied to the tokens (whether most of the first 50 are in the lower half of the vocabulary)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(1, VOCABULARY, (samples, SEQUENCE), dtype=np.int64)
    y = ((x[:, :50] < VOCABULARY // 2).mean(axis=1) > 0.5).astype("float32")
    return x, y


def small_images(samples: int, seed: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """CIFAR-shaped data: 32x32x3 in [0, 1], 10 classes tied to the pixels."""
    rng = np.random.default_rng(seed)
    x = rng.random((samples, 32, 32, 3), dtype=np.float32)
    y = x[:, :10, 0, 0].argmax(axis=1).astype("int64")
    return x, y


VOCABULARY, SEQUENCE, EMBED = 20000, 200, 128


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


def _text_model(k: Any, recurrent: Any) -> Any:
    return k.Sequential([k.Input((SEQUENCE,), dtype="int32"),
                         k.layers.Embedding(VOCABULARY, EMBED), recurrent,
                         k.layers.Dense(1, activation="sigmoid")])


def build_lstm(k: Any) -> Any:
    return _text_model(k, k.layers.LSTM(64))


def build_gru(k: Any) -> Any:
    return _text_model(k, k.layers.GRU(64))


def build_bigru(k: Any) -> Any:
    return _text_model(k, k.layers.Bidirectional(k.layers.GRU(64)))


def build_bow(k: Any) -> Any:
    return _text_model(k, k.layers.GlobalAveragePooling1D())


def _residual_block(k: Any, x: Any, filters: int, stride: int) -> Any:
    layers = k.layers
    y = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False)(x)
    y = layers.Activation("relu")(layers.BatchNormalization()(y))
    y = layers.BatchNormalization()(
        layers.Conv2D(filters, 3, padding="same", use_bias=False)(y))
    shortcut = x
    if stride != 1:
        shortcut = layers.BatchNormalization()(
            layers.Conv2D(filters, 1, strides=stride, use_bias=False)(x))
    return layers.Activation("relu")(layers.Add()([y, shortcut]))


def build_resnet(k: Any) -> Any:
    """A small ResNet: a 16-filter stem, three residual stages (16, 32, 64 filters; the last
    two halve the size with a 1x1 projection shortcut), global average pooling, Dense(10)."""
    layers = k.layers
    inputs = k.Input((32, 32, 3))
    x = layers.Conv2D(16, 3, padding="same", use_bias=False)(inputs)
    x = layers.Activation("relu")(layers.BatchNormalization()(x))
    for filters, stride in ((16, 1), (32, 2), (64, 2)):
        x = _residual_block(k, x, filters, stride)
    x = layers.GlobalAveragePooling2D()(x)
    return k.Model(inputs, layers.Dense(10, activation="softmax")(x))


def _conv_macs(size: int, kernel: int, channels_in: int, channels_out: int) -> int:
    return size * size * kernel * kernel * channels_in * channels_out


#: multiply-accumulates of one forward pass of build_resnet on one image
RESNET_MACS = (_conv_macs(32, 3, 3, 16) + 2 * _conv_macs(32, 3, 16, 16)
               + _conv_macs(16, 3, 16, 32) + _conv_macs(16, 3, 32, 32) + _conv_macs(16, 1, 16, 32)
               + _conv_macs(8, 3, 32, 64) + _conv_macs(8, 3, 64, 64) + _conv_macs(8, 1, 32, 64)
               + 64 * 10)


def _recurrent_macs(gates: int, units: int = 64) -> int:
    return SEQUENCE * gates * units * (EMBED + units) + units


#: Keras's torch backend runs recurrent layers one Python step at a time (keras#20902): seconds
#: per batch. It is timed on 640 sequences (10 batches) and scaled to the epoch.
SLOW_RECURRENT_PEER = {"keras-torch": 640}


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
    #: samples of the untimed warm-up fit before the timed one
    warmup: int = 4096
    #: systems timed on only this many samples, their time scaled up to the whole epoch (a peer
    #: whose steps take seconds would otherwise take most of the run)
    partial: dict[str, int] = field(default_factory=dict)

    def limited(self, samples: int) -> Workload:
        """This workload on its first `samples` samples only (smoke runs of the harness)."""
        data = self.data

        def head() -> tuple[np.ndarray, np.ndarray]:
            x, y = data()
            return x[:samples], y[:samples]

        return replace(self, data=head, warmup=min(self.warmup, samples),
                       partial={k: min(v, samples) for k, v in self.partial.items()})


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
        Workload("lstm", "Embedding 20k×128 → LSTM(64) → Dense(1), Adam, batch 64, 3,200 "
                 "sequences of 200", build_lstm, lambda: tokens(3200), "adam",
                 "binary_crossentropy", 64, 1, flops_per_sample=6 * _recurrent_macs(4),
                 warmup=640, partial=SLOW_RECURRENT_PEER),
        Workload("gru", "Embedding 20k×128 → GRU(64) → Dense(1), Adam, batch 64, 3,200 "
                 "sequences of 200", build_gru, lambda: tokens(3200), "adam",
                 "binary_crossentropy", 64, 1, flops_per_sample=6 * _recurrent_macs(3),
                 warmup=640, partial=SLOW_RECURRENT_PEER),
        Workload("bigru", "Embedding 20k×128 → Bidirectional(GRU(64)) → Dense(1), Adam, "
                 "batch 64, 1,600 sequences of 200", build_bigru, lambda: tokens(1600), "adam",
                 "binary_crossentropy", 64, 1, flops_per_sample=12 * _recurrent_macs(3),
                 warmup=640, partial=SLOW_RECURRENT_PEER),
        Workload("bow", "Embedding 20k×128 → GlobalAveragePooling1D → Dense(1), Adam, "
                 "batch 64, 12,800 sequences of 200", build_bow, lambda: tokens(12800), "adam",
                 "binary_crossentropy", 64, 1, flops_per_sample=6 * (SEQUENCE * EMBED + EMBED),
                 warmup=1280),
        Workload("resnet", "ResNet (3 stages, BatchNorm, skips) on 32×32×3, Adam, batch 128, "
                 "2,048 images", build_resnet, lambda: small_images(2048), "adam",
                 "sparse_categorical_crossentropy", 128, 1, flops_per_sample=6 * RESNET_MACS,
                 warmup=512),
    ]
}
