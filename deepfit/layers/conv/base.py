"""`_Conv`: what every convolution layer shares (arguments, config, weights' initializers and
regularizers).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F

from deepfit import activations, constraints, initializers, regularizers
from deepfit.layers.conv.utils import (
    _is_int,
    _lift,
    check_ndim,
    conv_output_length,
    from_channels_first,
    pad_same,
    standardize_data_format,
    standardize_padding,
    standardize_tuple,
    to_channels_first,
)
from deepfit.layers.layer import Layer

# ----------------------------------------------------------------------------- base class


class _Conv(Layer):
    """What every convolution shares: window arguments, input checks, bias, activation."""

    rank = 2

    def _init_window(
        self,
        kernel_size: Any,
        strides: Any,
        padding: str,
        data_format: str | None,
        dilation_rate: Any,
        allow_causal: bool = False,
    ) -> None:
        cls = type(self).__name__
        self.kernel_size = standardize_tuple(kernel_size, self.rank, "kernel_size", cls)
        self.strides = standardize_tuple(strides, self.rank, "strides", cls)
        self.dilation_rate = standardize_tuple(dilation_rate, self.rank, "dilation_rate", cls)
        self.padding = standardize_padding(padding, cls, allow_causal)
        self.data_format = standardize_data_format(data_format, cls)
        self._channel_axis = -1 if self.data_format == "channels_last" else 1
        self._window = _lift(self.kernel_size, self.rank)
        self._stride = _lift(self.strides, self.rank)
        self._dilation = _lift(self.dilation_rate, self.rank)
        self._op = F.conv3d if self.rank == 3 else F.conv2d

    def _init_output(
        self,
        activation: Any,
        use_bias: bool,
        bias_initializer: Any,
        bias_regularizer: Any,
        activity_regularizer: Any,
        bias_constraint: Any,
    ) -> None:
        self.activation = activations.get(activation)
        self._linear_activation = self.activation is activations.linear
        self.use_bias = bool(use_bias)
        self.bias_initializer = initializers.get(bias_initializer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.bias_constraint = constraints.get(bias_constraint)

    def _check_positive(self, name: str, value: Any) -> int:
        if not _is_int(value) or value <= 0:
            raise ValueError(
                f"{type(self).__name__}: {name} must be a positive int, received {value!r}"
            )
        return int(value)

    def _input_channels(self, input_shape: Sequence[int | None]) -> int:
        check_ndim(self, input_shape, self.rank + 2)
        channels = input_shape[self._channel_axis]
        if channels is None:
            raise ValueError(
                f"{type(self).__name__} '{self.name}': the channel axis of the input must be "
                f"known, received input shape {tuple(input_shape)}"
            )
        self._in_channels = int(channels)
        return self._in_channels

    def _check_output_size(self, input_shape: Sequence[int | None]) -> None:
        shape = self.compute_output_shape(tuple(input_shape))
        spatial = shape[1:-1] if self.data_format == "channels_last" else shape[2:]
        if any(d is not None and d <= 0 for d in spatial):
            raise ValueError(
                f"{type(self).__name__} '{self.name}': computed output size would be zero or "
                f"negative for input shape {tuple(input_shape)} with kernel_size="
                f"{self.kernel_size}, strides={self.strides}, dilation_rate="
                f"{self.dilation_rate}, padding='{self.padding}'"
            )

    def _add_bias(self, size: int) -> None:
        if self.use_bias:
            self.add_weight("bias", (size,), self.bias_initializer,
                            regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.bias = None

    def call(self, inputs: torch.Tensor) -> torch.Tensor:
        self._check_inputs(inputs)
        x = to_channels_first(inputs, self.data_format, self.rank)
        outputs = from_channels_first(self._convolve(x), self.data_format, self.rank)
        if not self._linear_activation:
            outputs = self.activation(outputs)
        return outputs

    def _check_inputs(self, inputs: torch.Tensor) -> None:
        if inputs.dim() != self.rank + 2 or inputs.shape[self._channel_axis] != self._in_channels:
            self._raise_incompatible(inputs)

    def _raise_incompatible(self, inputs: torch.Tensor) -> None:
        check_ndim(self, inputs.shape, self.rank + 2)
        raise ValueError(
            f"Input 0 of layer '{self.name}' is incompatible with the layer: expected axis "
            f"{self._channel_axis} of input shape to have value {self._in_channels}, but "
            f"received input with shape {tuple(inputs.shape)}"
        )

    def _convolve(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def _padded(self, x: torch.Tensor) -> tuple[torch.Tensor, Any]:
        """Channels-first `x` and the torch `padding` argument for this layer's mode."""
        if self.padding == "same":
            return pad_same(x, self._window, self._stride, self._dilation)
        if self.padding == "causal":
            return F.pad(x, (self._dilation[-1] * (self._window[-1] - 1), 0)), 0
        return x, 0

    def _spatial_output_shape(self, input_shape: tuple, channels: int | None) -> tuple:
        if self.data_format == "channels_last":
            spatial, batch = input_shape[1:-1], input_shape[0]
        else:
            spatial, batch = input_shape[2:], input_shape[0]
        out = tuple(
            conv_output_length(n, k, s, self.padding, d)
            for n, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate)
        )
        if self.data_format == "channels_last":
            return (batch, *out, channels)
        return (batch, channels, *out)

    def _window_config(self) -> dict[str, Any]:
        return {
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
        }

    def _output_config(self) -> dict[str, Any]:
        return {
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }
