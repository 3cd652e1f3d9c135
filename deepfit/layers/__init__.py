"""deepfit's layers, with Keras's names."""

from __future__ import annotations

from typing import Any

from deepfit.identifiers import resolve
from deepfit.layers.core import (
    Activation,
    Dense,
    Dropout,
    Flatten,
    Identity,
    Input,
    InputLayer,
    Lambda,
    Reshape,
)
from deepfit.layers.embedding import Embedding
from deepfit.layers.merging import (
    Add,
    Average,
    Concatenate,
    Dot,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    dot,
    maximum,
    minimum,
    multiply,
    subtract,
)
from deepfit.layers.normalization import BatchNormalization, LayerNormalization
from deepfit.layers.recurrent import (
    GRU,
    LSTM,
    RNN,
    Bidirectional,
    GRUCell,
    LSTMCell,
    SimpleRNN,
    SimpleRNNCell,
)
from deepfit.layers.torch_module import TorchModule
from deepfit.models.layer import Layer

__all__ = [
    "GRU", "LSTM", "RNN", "Activation", "Add", "Average", "BatchNormalization", "Bidirectional",
    "Concatenate", "Dense", "Dot", "Dropout", "Embedding", "Flatten", "GRUCell", "Identity",
    "Input", "InputLayer", "LSTMCell", "Lambda", "Layer", "LayerNormalization", "Maximum",
    "Minimum", "Multiply", "Reshape", "SimpleRNN", "SimpleRNNCell", "Subtract", "TorchModule",
    "add", "average", "concatenate", "deserialize", "dot", "maximum", "minimum", "multiply",
    "serialize", "subtract",
]


def _registry() -> dict[str, Any]:
    names = {name: value for name, value in globals().items()
             if isinstance(value, type) and issubclass(value, Layer)}
    return names


def serialize(layer: Layer) -> dict[str, Any]:
    """A layer → `{'module', 'class_name', 'config'}` (Keras's layout)."""
    return {"module": "deepfit.layers", "class_name": type(layer).__name__,
            "config": layer.get_config()}


def deserialize(config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Layer:
    """A layer from `serialize`'s output (or a Keras layer config), by class name."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"layers.deserialize: expected a dict with 'class_name' and 'config', "
                         f"received {config!r}")
    return resolve("layer", config, _registry(), custom_objects=custom_objects,
                   allow_callable=False)
