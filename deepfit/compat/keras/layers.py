"""`keras.layers`: deepfit's layers, found by name in `deepfit.layers` and its modules.

Layers that colleagues add to `deepfit.layers` appear here without any change, under their own
names and Keras's aliases (`Convolution2D`, `MaxPool2D`, ...). Keras 2's module paths
(`keras.layers.core`, `keras.layers.experimental.preprocessing`, ...) lead here too.

Example:
    >>> from deepfit.compat.keras import layers
    >>> import deepfit
    >>> layers.Dense is deepfit.layers.Dense
    True
"""

from __future__ import annotations

from typing import Any

from deepfit.compat import namespace as _namespace
from deepfit.layers.layer import Layer as _Layer

# Keras's names for layers whose class has another name.
_ALIASES = {
    "Convolution1D": "Conv1D", "Convolution2D": "Conv2D", "Convolution3D": "Conv3D",
    "Convolution1DTranspose": "Conv1DTranspose", "Convolution2DTranspose": "Conv2DTranspose",
    "Convolution3DTranspose": "Conv3DTranspose", "SeparableConvolution1D": "SeparableConv1D",
    "SeparableConvolution2D": "SeparableConv2D", "AvgPool1D": "AveragePooling1D",
    "AvgPool2D": "AveragePooling2D", "AvgPool3D": "AveragePooling3D",
    "MaxPool1D": "MaxPooling1D", "MaxPool2D": "MaxPooling2D", "MaxPool3D": "MaxPooling3D",
    "GlobalAvgPool1D": "GlobalAveragePooling1D", "GlobalAvgPool2D": "GlobalAveragePooling2D",
    "GlobalAvgPool3D": "GlobalAveragePooling3D", "GlobalMaxPool1D": "GlobalMaxPooling1D",
    "GlobalMaxPool2D": "GlobalMaxPooling2D", "GlobalMaxPool3D": "GlobalMaxPooling3D",
    "GroupQueryAttention": "GroupedQueryAttention",
}

# Functions (not classes) that keras.layers exports.
_FUNCTIONS = frozenset({
    "Input", "add", "average", "concatenate", "deserialize", "dot", "maximum", "minimum",
    "multiply", "serialize", "subtract",
})

# Keras 2 module paths that held layers: they all lead to this namespace.
_LEGACY_MODULES = (
    "advanced_activations", "convolutional", "core", "embeddings", "merge", "merging",
    "normalization", "pooling", "preprocessing", "recurrent", "regularization", "reshaping",
)


def _is_layer_api(name: str, obj: Any) -> bool:
    if isinstance(obj, type):
        return issubclass(obj, _Layer)
    return name in _FUNCTIONS and callable(obj)


experimental = _namespace.make(
    "keras.layers.experimental", modules={"preprocessing": __name__},
)

_namespace.install(globals(), _namespace.Lookup(
    "keras.layers",
    sources=["deepfit.layers"],
    scan=["deepfit.layers"],
    aliases=_ALIASES,
    modules=dict.fromkeys(_LEGACY_MODULES, __name__),
    accept=_is_layer_api,
    extras={"InputSpec": "deepfit.layers.input_spec:InputSpec"},
))
