"""deepfit: the Keras training system on PyTorch.

Example:
    >>> import deepfit as keras
    >>> model = keras.Sequential([keras.layers.Dense(10, activation="softmax", input_dim=64)])
    >>> model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
    ...               metrics=["accuracy"])
"""

from deepfit import (
    activations,
    applications,
    backend,
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
    random,
    regularizers,
    saving,
    tree,
    utils,
    wrappers,
)
from deepfit.backend import GradientTape, Variable
from deepfit.initializers import Initializer
from deepfit.insight.warnings import TrainingWarning
from deepfit.layers import Input, InputSpec, Layer
from deepfit.layers.symbolic import KerasTensor
from deepfit.losses import Loss
from deepfit.metrics import Metric
from deepfit.models import Model, Sequential
from deepfit.optimizers import Optimizer
from deepfit.regularizers import Regularizer

__version__ = "0.1.0"

__all__ = [
    "GradientTape", "Initializer", "Input", "InputSpec", "KerasTensor", "Layer", "Loss",
    "Metric", "Model",
    "Optimizer", "Regularizer", "Sequential", "TrainingWarning", "Variable", "activations",
    "applications", "backend", "callbacks",
    "config", "constraints", "data", "datasets", "distribute", "initializers", "layers",
    "losses", "metrics", "mixed_precision", "models", "ops", "optimizers", "random",
    "regularizers", "saving", "tree", "utils", "version", "wrappers",
]

# Keras 3's other top-level names: each raises NotImplementedError (an AttributeError too)
# naming it, until deepfit provides it.
KERAS_TOP_LEVEL = frozenset({
    "DTypePolicy", "FloatDTypePolicy", "Function", "Operation", "Quantizer",
    "RematScope", "StatelessScope", "SymbolicScope",
    "device", "distillation", "distribution", "dtype_policies", "export", "legacy",
    "name_scope", "preprocessing", "quantizers", "remat", "visualization",
})


def version() -> str:
    """deepfit's version (`keras.version()` gives Keras's)."""
    return __version__


def __getattr__(name: str):  # noqa: ANN202 - the module protocol
    if name in KERAS_TOP_LEVEL:
        from deepfit.compat.namespace import NotProvidedError

        raise NotProvidedError(f"keras.{name} is not provided by deepfit")
    raise AttributeError(f"module 'deepfit' has no attribute {name!r}")
