"""Noise regularization layers: GaussianNoise (additive) and GaussianDropout
(multiplicative); both act only while training, as in Keras.

Example:
    >>> GaussianNoise(0.1)(np.ones((2, 3), "float32"), training=False)
    tensor([[1., 1., 1.], [1., 1., 1.]])
"""

from __future__ import annotations

import math
from typing import Any

import torch

from deepfit.layers.layer import Layer


def _rate_in_unit_interval(layer: str, rate: Any) -> float:
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
        raise ValueError(f"Invalid value received for argument `rate`. Expected a float value "
                         f"between 0 and 1. Received: rate={rate} ({layer})")
    return float(rate)


class GaussianNoise(Layer):
    """Adds zero-mean Gaussian noise of standard deviation `stddev` while training.

    Args:
        stddev: the noise's standard deviation.
        seed: accepted for Keras compatibility; use `deepfit.utils.set_random_seed`.
    """

    supports_masking = True

    def __init__(self, stddev: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(stddev, bool) or not isinstance(stddev, (int, float)) or stddev < 0:
            raise ValueError(f"GaussianNoise: stddev must be a non-negative number, received "
                             f"{stddev!r}")
        self.stddev = float(stddev)
        self.seed = seed

    def call(self, inputs: torch.Tensor, training: bool | None = None) -> torch.Tensor:
        if not training or self.stddev == 0:
            return inputs
        return inputs + torch.randn_like(inputs) * self.stddev

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


class GaussianDropout(Layer):
    """Multiplies inputs by Gaussian noise of mean 1 and standard deviation
    `sqrt(rate / (1 - rate))` while training.

    Args:
        rate: the drop probability the noise's variance stands for, in [0, 1].
        seed: accepted for Keras compatibility; use `deepfit.utils.set_random_seed`.
    """

    supports_masking = True

    def __init__(self, rate: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rate = _rate_in_unit_interval("GaussianDropout", rate)
        self.seed = seed

    def call(self, inputs: torch.Tensor, training: bool | None = None) -> torch.Tensor:
        if not training or not 0 < self.rate < 1:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        return inputs * (1.0 + torch.randn_like(inputs) * stddev)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
