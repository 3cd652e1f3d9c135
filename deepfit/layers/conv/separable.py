"""SeparableConv1D and SeparableConv2D."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from deepfit import constraints, initializers, regularizers
from deepfit.layers.conv.base import _Conv
from deepfit.layers.conv.utils import _torch_kernel

# ----------------------------------------------------------------------------- separable


class _BaseSeparableConv(_Conv):
    """A depthwise convolution followed by a 1x1 convolution mixing channels."""

    def __init__(
        self,
        filters: int,
        kernel_size: int | Sequence[int],
        strides: int | Sequence[int] = 1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate: int | Sequence[int] = 1,
        depth_multiplier: int = 1,
        activation: Any = None,
        use_bias: bool = True,
        depthwise_initializer: Any = "glorot_uniform",
        pointwise_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        depthwise_regularizer: Any = None,
        pointwise_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        depthwise_constraint: Any = None,
        pointwise_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.filters = self._check_positive("filters", filters)
        self.depth_multiplier = self._check_positive("depth_multiplier", depth_multiplier)
        self._init_window(kernel_size, strides, padding, data_format, dilation_rate)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)
        self._init_output(activation, use_bias, bias_initializer, bias_regularizer,
                          activity_regularizer, bias_constraint)

    def build(self, input_shape: tuple) -> None:
        channels = self._input_channels(input_shape)
        self._check_output_size(input_shape)
        self.add_weight("depthwise_kernel", (*self.kernel_size, channels, self.depth_multiplier),
                        self.depthwise_initializer, regularizer=self.depthwise_regularizer,
                        constraint=self.depthwise_constraint)
        self.add_weight("pointwise_kernel",
                        (*(1,) * self.rank, channels * self.depth_multiplier, self.filters),
                        self.pointwise_initializer, regularizer=self.pointwise_regularizer,
                        constraint=self.pointwise_constraint)
        self._add_bias(self.filters)
        self.built = True

    def _convolve(self, x: torch.Tensor) -> torch.Tensor:
        x, padding = self._padded(x)
        depthwise = self.depthwise_kernel.reshape(*self.kernel_size, 1, -1)
        x = self._op(x, _torch_kernel(depthwise, self.rank), None, self._stride, padding,
                     self._dilation, self._in_channels)
        return self._op(x, _torch_kernel(self.pointwise_kernel, self.rank), self.bias)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return self._spatial_output_shape(tuple(input_shape), self.filters)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "depth_multiplier": self.depth_multiplier,
            "filters": self.filters,
            **self._window_config(),
            **self._output_config(),
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "pointwise_constraint": constraints.serialize(self.pointwise_constraint),
        }


class SeparableConv1D(_BaseSeparableConv):
    """Depthwise-separable 1D convolution.

    Args: as `SeparableConv2D`, with 1-tuples.

    Example:
        >>> SeparableConv1D(8, 3)(torch.zeros(2, 10, 4)).shape
        torch.Size([2, 8, 8])
    """

    rank = 1


class SeparableConv2D(_BaseSeparableConv):
    """Depthwise-separable 2D convolution: a depthwise conv, then a 1x1 conv to `filters`.

    Args:
        filters: the number of output channels.
        kernel_size, strides, padding, data_format, dilation_rate: of the depthwise step.
        depth_multiplier: depthwise output channels per input channel.
        activation, use_bias: as `Conv2D`.
        depthwise_/pointwise_ initializer, regularizer, constraint: for the two kernels,
            `(kh, kw, in, depth_multiplier)` and `(1, 1, in * depth_multiplier, filters)`.
        bias_initializer, bias_regularizer, bias_constraint, activity_regularizer: as `Conv2D`.

    Example:
        >>> SeparableConv2D(32, 3, padding="same")(torch.zeros(2, 8, 8, 16)).shape
        torch.Size([2, 8, 8, 32])
    """

    rank = 2
