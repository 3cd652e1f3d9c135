"""Noise regularization layers: GaussianNoise (additive), GaussianDropout (multiplicative) and
AlphaDropout (SELU-preserving dropout); all act only while training, as in Keras.

Example:
    >>> GaussianNoise(0.1)(np.ones((2, 3), "float32"), training=False)
    tensor([[1., 1., 1.], [1., 1., 1.]])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
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


# SELU's constants: AlphaDropout drops units to SELU's negative saturation value
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


class AlphaDropout(Layer):
    """Dropout that keeps the inputs' mean and variance, for self-normalizing (SELU) networks.

    While training, each unit is dropped with probability `rate` and set to SELU's negative
    saturation value `-alpha * scale`; then the result is mapped by the affine `a * x + b`
    that restores zero mean and unit variance for standardized inputs.

    Args:
        rate: the fraction of units to drop, in [0, 1].
        noise_shape: shape of the drop mask (None entries take the input's size), None for the
            input's shape.
        seed: accepted for Keras compatibility; use `deepfit.utils.set_random_seed`.

    Example:
        >>> layer = AlphaDropout(0.2)
        >>> x = torch.randn(10_000)
        >>> round(float(layer(x, training=True).std()), 1)
        1.0
    """

    supports_masking = True

    def __init__(self, rate: float, noise_shape: Sequence[int | None] | None = None,
                 seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rate = _rate_in_unit_interval("AlphaDropout", rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed

    def call(self, inputs: torch.Tensor, training: bool | None = None) -> torch.Tensor:
        if not training or self.rate == 0:
            return inputs
        if self.rate == 1:
            raise ValueError(f"AlphaDropout '{self.name}': rate=1 drops every unit, for which "
                             f"the mean- and variance-preserving correction is undefined; "
                             f"use a rate below 1 while training")
        shape = inputs.shape if self.noise_shape is None else [
            inputs.shape[i] if d is None else d for i, d in enumerate(self.noise_shape)]
        kept = (torch.rand(tuple(shape), device=inputs.device) >= self.rate).to(inputs.dtype)
        dropped_value = -_SELU_ALPHA * _SELU_SCALE
        a = ((1 - self.rate) * (1 + self.rate * dropped_value ** 2)) ** -0.5
        b = -a * dropped_value * self.rate
        return a * (inputs * kept + dropped_value * (1 - kept)) + b

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape,
                "seed": self.seed}
