"""TimeDistributed: apply one layer to every step of a sequence (Keras's wrapper).

The steps are folded into the batch axis, the layer runs once on `(batch * steps, ...)`, and
the result is unfolded: the same weights for every step, as in Keras.

Example:
    >>> layer = TimeDistributed(Dense(4))
    >>> layer(np.zeros((2, 5, 3), "float32")).shape
    torch.Size([2, 5, 4])
"""

from __future__ import annotations

from typing import Any

import torch

from deepfit.layers.layer import Layer


class TimeDistributed(Layer):
    """Applies `layer` to each step (axis 1) of its input.

    Args:
        layer: a layer instance; it sees inputs of shape `(batch * steps, *rest)`.

    Call arguments:
        inputs: `(batch, steps, *rest)`; mask: optional `(batch, steps)` (passed through).
    """

    def __init__(self, layer: Layer, **kwargs: Any) -> None:
        if not isinstance(layer, Layer):
            raise ValueError(f"TimeDistributed: `layer` must be a Layer instance, received "
                             f"{layer!r}")
        super().__init__(**kwargs)
        self.layer = layer
        self.supports_masking = True

    def build(self, input_shape: tuple) -> None:
        if len(input_shape) < 3:
            raise ValueError(f"TimeDistributed '{self.name}': the input must have at least 3 "
                             f"axes (batch, steps, ...), received shape {tuple(input_shape)}")
        if not self.layer.built:
            self.layer._build_for(torch.zeros((1, *(d or 1 for d in input_shape[2:]))))
        self.built = True

    def call(self, inputs: torch.Tensor, training: bool | None = None,
             mask: Any = None) -> torch.Tensor:
        if inputs.dim() < 3:
            raise ValueError(f"TimeDistributed '{self.name}': the input must have at least 3 "
                             f"axes (batch, steps, ...), received shape {tuple(inputs.shape)}")
        batch, steps = inputs.shape[0], inputs.shape[1]
        folded = inputs.reshape(batch * steps, *inputs.shape[2:])
        outputs = self.layer(folded, training=training)
        return outputs.reshape(batch, steps, *outputs.shape[1:])

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        inner = self.layer.compute_output_shape((None, *tuple(input_shape)[2:]))
        return (input_shape[0], input_shape[1], *tuple(inner)[1:])

    def get_config(self) -> dict[str, Any]:
        from deepfit.layers import serialize

        return {**super().get_config(), "layer": serialize(self.layer)}

    @classmethod
    def from_config(cls, config: dict[str, Any],
                    custom_objects: dict | None = None) -> TimeDistributed:
        from deepfit.layers import deserialize

        config = dict(config)
        config["layer"] = deserialize(config["layer"], custom_objects=custom_objects)
        return cls(**config)
