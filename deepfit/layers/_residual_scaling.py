"""The residual-branch layers of Keras's applications: `LayerScale` and `StochasticDepth`
(ConvNeXt) and `CustomScaleLayer` (InceptionResNetV2). They live among the layers so that a
saved model holding them (deepfit's or Keras's, which names them by class) loads again; the
module is private so that `keras.layers` does not offer them (Keras does not): the
applications modules export them as Keras does (`keras.applications.convnext.LayerScale`).

Example:
    >>> from deepfit.applications.convnext import LayerScale
    >>> LayerScale(1e-6, 96)(x)  # x of shape (..., 96)
"""

from __future__ import annotations

from typing import Any

import torch

from deepfit.layers.layer import Layer

__all__ = ["CustomScaleLayer", "LayerScale", "StochasticDepth"]


class StochasticDepth(Layer):
    """While training, drops the whole residual branch of each sample with probability
    `drop_path_rate` (the kept ones scaled by 1 / (1 - rate)); the identity otherwise.

    Args:
        drop_path_rate: the probability of dropping a sample's branch, in [0, 1).

    Example:
        >>> StochasticDepth(0.1)(x, training=True)
    """

    def __init__(self, drop_path_rate: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.drop_path_rate = drop_path_rate

    def call(self, x: torch.Tensor, training: bool | None = None) -> torch.Tensor:
        if not training:
            return x
        keep = 1.0 - self.drop_path_rate
        shape = (x.shape[0],) + (1,) * (x.ndim - 1)
        mask = torch.floor(keep + torch.rand(shape, dtype=x.dtype, device=x.device))
        return x / keep * mask

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "drop_path_rate": self.drop_path_rate}


class LayerScale(Layer):
    """Multiplies the last axis by a learned vector (`gamma`) started at `init_values`.

    Args:
        init_values: the initial value of every factor (small: 1e-6 in ConvNeXt).
        projection_dim: the size of the last axis.

    Example:
        >>> LayerScale(1e-6, 96)(x)  # x of shape (..., 96)
    """

    def __init__(self, init_values: float, projection_dim: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.init_values = init_values
        self.projection_dim = projection_dim

    def build(self, input_shape: Any) -> None:
        self.gamma = self.add_weight(
            shape=(self.projection_dim,), trainable=True,
            initializer={"class_name": "Constant", "config": {"value": self.init_values}})

    def call(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gamma

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "init_values": self.init_values,
                "projection_dim": self.projection_dim}


class CustomScaleLayer(Layer):
    """`inputs[0] + inputs[1] * scale`: a residual branch scaled down, added to its input.

    Args:
        scale: the residual branch's factor.

    Example:
        >>> CustomScaleLayer(0.17)([x, branch])
    """

    def __init__(self, scale: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scale = scale

    def call(self, inputs: list[torch.Tensor]) -> torch.Tensor:
        return inputs[0] + inputs[1] * self.scale

    def compute_output_shape(self, input_shape: Any) -> tuple:
        return tuple(input_shape[0])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "scale": self.scale}
