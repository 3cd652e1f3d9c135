"""ActivityRegularization: passes its input through and adds an L1/L2 penalty on it to the loss,
as Keras's layer (the penalty is divided by the batch size, as every activity regularizer).

Example:
    >>> layer = ActivityRegularization(l2=0.1)
    >>> _ = layer(torch.ones(2, 3))
    >>> round(float(layer.losses[0]), 3)  # 0.1 * 6 / 2
    0.3
"""

from __future__ import annotations

from typing import Any

import torch

from deepfit import regularizers
from deepfit.layers.layer import Layer


class ActivityRegularization(Layer):
    """The identity, with `l1 * sum(|x|) + l2 * sum(x**2)` (per sample) added to the loss.

    Args:
        l1: the L1 factor.
        l2: the L2 factor.
    """

    supports_masking = True

    def __init__(self, l1: float = 0.0, l2: float = 0.0, **kwargs: Any) -> None:
        kwargs.pop("activity_regularizer", None)  # fixed by l1 and l2, as in Keras
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1, self.l2 = l1, l2

    def call(self, inputs: torch.Tensor) -> torch.Tensor:
        return inputs

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("activity_regularizer", None)
        return {**config, "l1": self.l1, "l2": self.l2}
