"""The `beta`/`gamma` arguments every normalization layer shares (Batch, Layer and Group
normalization): their initializers, regularizers and constraints, read and written in Keras's
config layout.

Example:
    >>> layer = deepfit.layers.LayerNormalization(gamma_regularizer="l2")
    >>> affine_config(layer)["gamma_regularizer"]["class_name"]
    'L2'
"""

from __future__ import annotations

from typing import Any

from deepfit import constraints, initializers, regularizers


def set_affine_arguments(layer: Any, beta_initializer: Any, gamma_initializer: Any,
                         beta_regularizer: Any, gamma_regularizer: Any, beta_constraint: Any,
                         gamma_constraint: Any) -> None:
    """Resolve the six arguments onto `layer` and register `gamma` and `beta` as absent until
    its `build` adds them (so `layer.gamma` reads None when `scale`/`center` are off)."""
    layer.beta_initializer = initializers.get(beta_initializer)
    layer.gamma_initializer = initializers.get(gamma_initializer)
    layer.beta_regularizer = regularizers.get(beta_regularizer)
    layer.gamma_regularizer = regularizers.get(gamma_regularizer)
    layer.beta_constraint = constraints.get(beta_constraint)
    layer.gamma_constraint = constraints.get(gamma_constraint)
    layer.register_parameter("gamma", None)
    layer.register_parameter("beta", None)


def affine_config(layer: Any) -> dict[str, Any]:
    """The six arguments of `layer`, serialized as Keras's `get_config` writes them."""
    return {
        "beta_initializer": initializers.serialize(layer.beta_initializer),
        "gamma_initializer": initializers.serialize(layer.gamma_initializer),
        "beta_regularizer": regularizers.serialize(layer.beta_regularizer),
        "gamma_regularizer": regularizers.serialize(layer.gamma_regularizer),
        "beta_constraint": constraints.serialize(layer.beta_constraint),
        "gamma_constraint": constraints.serialize(layer.gamma_constraint),
    }
