"""`Masking`: marks the timesteps whose features all equal `mask_value` as padding.

The output is the input with those steps zeroed, and it carries the mask (True where a step is
real) as `_keras_mask`, which Dense, Dropout, Activation, normalization, pooling and recurrent
layers pass on or use, as in Keras.

Example:
    >>> layer = deepfit.layers.Masking(mask_value=0.0)
    >>> out = layer(torch.tensor([[[1.0], [0.0]]]))
    >>> out._keras_mask
    tensor([[ True, False]])
"""

from __future__ import annotations

from typing import Any

import torch

from deepfit.layers.layer import Layer


class Masking(Layer):
    """Masks timesteps whose every feature equals `mask_value`.

    Args:
        mask_value: the padding value.
        **kwargs: base layer arguments (`name`, `input_shape`, ...).
    """

    supports_masking = True

    def __init__(self, mask_value: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(mask_value, bool) or not isinstance(mask_value, (int, float)):
            raise ValueError(f"Masking: mask_value must be a number, received {mask_value!r}")
        self.mask_value = float(mask_value)

    def compute_mask(self, inputs: Any, previous_mask: Any = None) -> torch.Tensor:
        return (inputs != self.mask_value).any(dim=-1)

    def call(self, inputs: torch.Tensor) -> torch.Tensor:
        keep = (inputs != self.mask_value).any(dim=-1, keepdim=True)
        outputs = inputs * keep.to(inputs.dtype)
        outputs._keras_mask = keep.squeeze(-1)
        return outputs

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "mask_value": self.mask_value}
