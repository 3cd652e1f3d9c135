"""DepthwiseConv1D and DepthwiseConv2D."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from deepfit import constraints, initializers, regularizers
from deepfit.layers.conv.base import _Conv
from deepfit.layers.conv.utils import _torch_kernel

# ----------------------------------------------------------------------------- depthwise


class _BaseDepthwiseConv(_Conv):
    """One filter bank per input channel: `kernel` `(*window, in, depth_multiplier)`; output
    channel `c * depth_multiplier + m` comes from input channel c."""

    def __init__(
        self,
        kernel_size: int | Sequence[int],
        strides: int | Sequence[int] = 1,
        padding: str = "valid",
        depth_multiplier: int = 1,
        data_format: str | None = None,
        dilation_rate: int | Sequence[int] = 1,
        activation: Any = None,
        use_bias: bool = True,
        depthwise_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        depthwise_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        depthwise_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.depth_multiplier = self._check_positive("depth_multiplier", depth_multiplier)
        self._init_window(kernel_size, strides, padding, data_format, dilation_rate)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self._init_output(activation, use_bias, bias_initializer, bias_regularizer,
                          activity_regularizer, bias_constraint)

    def build(self, input_shape: tuple) -> None:
        channels = self._input_channels(input_shape)
        self._check_output_size(input_shape)
        self.add_weight("kernel", (*self.kernel_size, channels, self.depth_multiplier),
                        self.depthwise_initializer, regularizer=self.depthwise_regularizer,
                        constraint=self.depthwise_constraint)
        self._add_bias(channels * self.depth_multiplier)
        self.built = True

    def _convolve(self, x: torch.Tensor) -> torch.Tensor:
        x, padding = self._padded(x)
        kernel = self.kernel.reshape(*self.kernel_size, 1, -1)
        return self._op(x, _torch_kernel(kernel, self.rank), self.bias, self._stride, padding,
                        self._dilation, self._in_channels)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        channels = input_shape[self._channel_axis]
        out = None if channels is None else channels * self.depth_multiplier
        return self._spatial_output_shape(tuple(input_shape), out)

    def get_config(self) -> dict[str, Any]:
        window = self._window_config()
        return {
            **super().get_config(),
            "depth_multiplier": self.depth_multiplier,
            **window,
            **self._output_config(),
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
        }


class DepthwiseConv1D(_BaseDepthwiseConv):
    """Depthwise 1D convolution: each input channel convolved with its own filters.

    Args: as `DepthwiseConv2D`, with 1-tuples.

    Example:
        >>> DepthwiseConv1D(3, depth_multiplier=2)(torch.zeros(2, 10, 4)).shape
        torch.Size([2, 8, 8])
    """

    rank = 1


class DepthwiseConv2D(_BaseDepthwiseConv):
    """Depthwise 2D convolution: each input channel convolved with `depth_multiplier` filters.

    Args:
        kernel_size: the window `(height, width)`, or one int for both.
        strides: the step between windows.
        padding: 'valid' or 'same'.
        depth_multiplier: output channels per input channel.
        data_format: 'channels_last' (default) or 'channels_first'.
        dilation_rate: spacing between kernel taps.
        activation, use_bias: as `Conv2D`.
        depthwise_initializer, depthwise_regularizer, depthwise_constraint: for the kernel
            `(kh, kw, in, depth_multiplier)`.
        bias_initializer, bias_regularizer, bias_constraint, activity_regularizer: as `Conv2D`.

    Example:
        >>> DepthwiseConv2D(3, padding="same")(torch.zeros(2, 8, 8, 16)).shape
        torch.Size([2, 8, 8, 16])
    """

    rank = 2
