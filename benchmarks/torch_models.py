"""The benchmark models written as a PyTorch user writes them (`torch.nn` modules returning
logits, channels-first images), shared by the plain torch loop and the Lightning peer, plus the
loss and the data layout each workload needs on the torch side.

Imported only by worker processes of the torch-based peers (it imports torch).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from workloads import EMBED, VOCABULARY, Workload


class MLP(nn.Sequential):
    def __init__(self) -> None:
        super().__init__(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))


class ConvNet(nn.Sequential):
    """The keras.io MNIST convnet on (batch, 1, 28, 28) images."""

    def __init__(self) -> None:
        super().__init__(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Dropout(0.5), nn.Linear(1600, 10))


class TextClassifier(nn.Module):
    """Embedding → recurrent layer (last hidden state) or mean over steps → Linear(1)."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self.embedding = nn.Embedding(VOCABULARY, EMBED)
        width = EMBED
        if kind == "lstm":
            self.recurrent = nn.LSTM(EMBED, 64, batch_first=True)
            width = 64
        elif kind in ("gru", "bigru"):
            self.recurrent = nn.GRU(EMBED, 64, batch_first=True, bidirectional=kind == "bigru")
            width = 128 if kind == "bigru" else 64
        self.head = nn.Linear(width, 1)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        x = self.embedding(tokens)
        if self.kind == "bow":
            features = x.mean(dim=1)
        else:
            _, hidden = self.recurrent(x)
            hidden = hidden[0] if self.kind == "lstm" else hidden  # (directions, batch, 64)
            features = hidden.transpose(0, 1).flatten(1)
        return self.head(features).squeeze(-1)


class ResidualBlock(nn.Module):
    def __init__(self, channels_in: int, channels: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels_in, channels, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.shortcut = nn.Identity()
        if stride != 1:
            self.shortcut = nn.Sequential(nn.Conv2d(channels_in, channels, 1, stride, bias=False),
                                          nn.BatchNorm2d(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(y)) + self.shortcut(x))


class ResNet(nn.Sequential):
    """The same small ResNet as workloads.build_resnet, on (batch, 3, 32, 32) images."""

    def __init__(self) -> None:
        super().__init__(nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
                         ResidualBlock(16, 16, 1), ResidualBlock(16, 32, 2),
                         ResidualBlock(32, 64, 2), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(64, 10))


def build(name: str) -> nn.Module:
    """The torch module for workload `name`."""
    builders = {"mlp32": MLP, "mlp256": MLP, "convnet": ConvNet, "resnet": ResNet,
                "lstm": lambda: TextClassifier("lstm"), "gru": lambda: TextClassifier("gru"),
                "bigru": lambda: TextClassifier("bigru"), "bow": lambda: TextClassifier("bow")}
    if name not in builders:
        raise NotImplementedError(f"no torch module is written for the {name} workload")
    return builders[name]()


def loss_fn(workload: Workload) -> nn.Module:
    """Keras's loss on probabilities as the torch user writes it, on logits."""
    if workload.loss == "binary_crossentropy":
        return nn.BCEWithLogitsLoss()
    return nn.CrossEntropyLoss()


def tensors(workload: Workload) -> tuple[torch.Tensor, torch.Tensor]:
    """The workload's data as torch tensors: images channels-first, labels as the loss wants."""
    x, y = workload.data()
    if x.ndim == 4:
        x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    return torch.from_numpy(x), torch.from_numpy(y)


def correct(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """How many predictions in the batch are right (Keras's accuracy numerator)."""
    if logits.dim() == 1:
        return ((logits > 0).to(labels.dtype) == labels).sum()
    return (logits.argmax(1) == labels).sum()
