"""deepfit: the Keras training system on PyTorch.

Example:
    >>> import deepfit as keras
    >>> model = keras.Sequential([keras.layers.Dense(10, activation="softmax", input_dim=64)])
    >>> model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
    ...               metrics=["accuracy"])
"""

from deepfit import (
    activations,
    callbacks,
    config,
    constraints,
    data,
    datasets,
    distribute,
    initializers,
    layers,
    losses,
    metrics,
    mixed_precision,
    models,
    ops,
    optimizers,
    regularizers,
    utils,
)
from deepfit.insight.warnings import TrainingWarning
from deepfit.layers import Input, Layer
from deepfit.models import Model, Sequential

__version__ = "0.1.0"

__all__ = [
    "Input", "Layer", "Model", "Sequential", "TrainingWarning", "activations", "callbacks",
    "config", "constraints", "data", "datasets", "distribute", "initializers", "layers",
    "losses", "metrics", "mixed_precision", "models", "ops", "optimizers", "regularizers", "utils",
]
