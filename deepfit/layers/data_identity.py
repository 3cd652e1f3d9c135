"""`TFDIdentity`: the pass-through preprocessor of a FeatureSpace's 'float' features, under
Keras's class name, so a model config that holds one (Keras's or deepfit's) loads.

Example:
    >>> TFDIdentity()(torch.tensor([[1.5]])).tolist()
    [[1.5]]
"""

from __future__ import annotations

from typing import Any

from deepfit.layers.layer import Layer


class TFDIdentity(Layer):
    """Return the input unchanged (Keras's FeatureSpace helper layer)."""

    def call(self, inputs: Any) -> Any:
        return inputs
