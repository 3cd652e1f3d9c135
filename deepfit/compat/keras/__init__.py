"""`import keras` (and `tf.keras`) for scripts run by deepfit: Keras's names, deepfit's objects.

Every name is looked up in deepfit when first used — `keras.layers.Dense is
deepfit.layers.Dense` — so nothing is copied and new deepfit layers, losses or callbacks appear
on their own. A name deepfit lacks raises `NotImplementedError` naming it.

Example:
    >>> from deepfit.compat import keras
    >>> model = keras.Sequential([keras.layers.Dense(10, activation="softmax", input_dim=64)])
    >>> model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
"""

from __future__ import annotations

from typing import Any

from deepfit.backend.tensor import returns_for_user as _for_user
from deepfit.compat import namespace as _namespace
from deepfit.compat.keras import (
    activations,
    backend,
    callbacks,
    constraints,
    datasets,
    initializers,
    layers,
    losses,
    metrics,
    mixed_precision,
    models,
    ops,
    optimizers,
    preprocessing,
    regularizers,
    utils,
)

__all__ = [
    "Initializer", "Input", "InputSpec", "KerasTensor", "Layer", "Loss", "Metric", "Model",
    "Optimizer", "Regularizer", "Sequential", "Variable", "__version__", "activations",
    "applications", "backend",
    "callbacks", "config", "constraints", "datasets", "initializers", "layers", "losses",
    "metrics", "mixed_precision", "models", "ops", "optimizers", "preprocessing", "random",
    "regularizers", "saving", "tree", "utils", "version", "wrappers",
]

# The Keras API level these names follow (deepfit's own version is deepfit.__version__).
__version__ = "3.5.0"


def version() -> str:
    """The Keras API version these names follow."""
    return __version__


config = _namespace.make(
    "keras.config",
    extras={**{name: getattr(backend, name) for name in (
        "backend", "epsilon", "floatx", "image_data_format", "set_epsilon", "set_floatx",
        "set_image_data_format")},
        "dtype_policy": "deepfit.mixed_precision:global_policy",
        "set_dtype_policy": "deepfit.mixed_precision:set_global_policy",
        "enable_unsafe_deserialization": "deepfit.config:enable_unsafe_deserialization",
        **{name: f"deepfit.config:{name}" for name in (
            "enable_interactive_logging", "disable_interactive_logging",
            "is_interactive_logging_enabled", "enable_traceback_filtering",
            "disable_traceback_filtering", "is_traceback_filtering_enabled",
            "enable_flash_attention", "disable_flash_attention", "is_flash_attention_enabled",
            "max_epochs", "set_max_epochs", "max_steps_per_epoch", "set_max_steps_per_epoch",
            "is_nnx_enabled", "set_backend")}},
)
saving = _namespace.make(
    "keras.saving", sources=["deepfit.saving"],
    accept=lambda name, obj: name in (
        "load_model", "save_model", "load_weights", "save_weights", "register_keras_serializable",
        "get_registered_name", "get_registered_object", "get_custom_objects", "CustomObjectScope",
        "custom_object_scope", "serialize_keras_object", "deserialize_keras_object"),
)
applications = _namespace.make(
    "keras.applications", sources=["deepfit.applications"],
    modules={"convnext": "deepfit.applications.convnext",
             "mobilenet": "deepfit.applications.mobilenet",
             "mobilenet_v2": "deepfit.applications.mobilenet_v2",
             "mobilenet_v3": "deepfit.applications.mobilenet_v3",
             "nasnet": "deepfit.applications.nasnet",
             "efficientnet": "deepfit.applications.efficientnet",
             "efficientnet_v2": "deepfit.applications.efficientnet_v2",
             "densenet": "deepfit.applications.densenet",
             "imagenet_utils": "deepfit.applications.imagenet_utils",
             "inception_resnet_v2": "deepfit.applications.inception_resnet_v2",
             "inception_v3": "deepfit.applications.inception_v3",
             "resnet": "deepfit.applications.resnet",
             "resnet50": "deepfit.applications.resnet50",
             "resnet_v2": "deepfit.applications.resnet_v2",
             "vgg16": "deepfit.applications.vgg16",
             "vgg19": "deepfit.applications.vgg19",
             "xception": "deepfit.applications.xception"})
random = _namespace.make("keras.random", sources=["deepfit.random"], wrap=_for_user)
tree = _namespace.make("keras.tree", sources=["deepfit.tree"],
                      accept=lambda name, obj: callable(obj))
wrappers = _namespace.make("keras.wrappers", sources=["deepfit.wrappers"])

_TOP_LEVEL = frozenset({"Input", "Layer", "Model", "Sequential", "Variable"})


def _is_top_level(name: str, obj: Any) -> bool:
    return name in _TOP_LEVEL


_namespace.install(globals(), _namespace.Lookup(
    "keras",
    sources=["deepfit"],
    accept=_is_top_level,
    extras={
        "Loss": "deepfit.losses:Loss",
        "Metric": "deepfit.metrics:Metric",
        "Optimizer": "deepfit.optimizers:Optimizer",
        "Regularizer": "deepfit.regularizers:Regularizer",
        "Initializer": "deepfit.initializers:Initializer",
        "KerasTensor": "deepfit.layers.symbolic:KerasTensor",
        "InputSpec": "deepfit.layers.input_spec:InputSpec",
    },
))
