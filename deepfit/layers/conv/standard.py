"""Conv1D, Conv2D and Conv3D."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from deepfit import activations, constraints, initializers, regularizers
from deepfit.backend import conv_relu
from deepfit.layers.conv.base import _Conv
from deepfit.layers.conv.utils import _torch_kernel, from_channels_first, to_channels_first

# ----------------------------------------------------------------------------- Conv1D/2D/3D


class _BaseConv(_Conv):
    """A plain (optionally grouped) convolution with a `kernel` of shape `(*window, in/groups,
    filters)`."""

    def __init__(
        self,
        filters: int,
        kernel_size: int | Sequence[int],
        strides: int | Sequence[int] = 1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate: int | Sequence[int] = 1,
        groups: int = 1,
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        cls = type(self).__name__
        self.filters = self._check_positive("filters", filters)
        self.groups = self._check_positive("groups", groups)
        if self.filters % self.groups:
            raise ValueError(f"{cls}: filters must be divisible by groups, received "
                             f"filters={filters}, groups={groups}")
        self._init_window(kernel_size, strides, padding, data_format, dilation_rate,
                          allow_causal=self.rank == 1)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{cls}: strides > 1 cannot be combined with dilation_rate > 1, "
                             f"received strides={self.strides}, "
                             f"dilation_rate={self.dilation_rate}")
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self._init_output(activation, use_bias, bias_initializer, bias_regularizer,
                          activity_regularizer, bias_constraint)

    def build(self, input_shape: tuple) -> None:
        channels = self._input_channels(input_shape)
        if channels % self.groups:
            raise ValueError(
                f"{type(self).__name__} '{self.name}': the number of input channels must be "
                f"divisible by groups={self.groups}, received input shape {tuple(input_shape)}"
            )
        self._check_output_size(input_shape)
        self.add_weight("kernel", (*self.kernel_size, channels // self.groups, self.filters),
                        self.kernel_initializer, regularizer=self.kernel_regularizer,
                        constraint=self.kernel_constraint)
        self._add_bias(self.filters)
        self.built = True

    def _convolve(self, x: torch.Tensor) -> torch.Tensor:
        x, padding = self._padded(x)
        return self._op(x, _torch_kernel(self.kernel, self.rank), self.bias, self._stride,
                        padding, self._dilation, self.groups)

    def _convolve_relu(self, inputs: torch.Tensor) -> torch.Tensor:
        """`call` for `activation="relu"`: bias and ReLU inside the convolution where oneDNN
        can (`backend/conv_relu.py`), else the ordinary path."""
        self._check_inputs(inputs)
        x = to_channels_first(inputs, self.data_format, self.rank)
        kernel = _torch_kernel(self.kernel, self.rank)
        if not conv_relu.applies(x, kernel):
            return super().call(inputs)
        x, padding = self._padded(x)
        y = conv_relu.conv2d_relu(x, kernel, self.bias, self._stride, padding, self._dilation,
                                  self.groups)
        return from_channels_first(y, self.data_format, self.rank)

    def convolution_op(self, inputs: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
        """The layer's convolution of `inputs` with `kernel` (no bias, no activation), as
        Keras's `Conv.convolution_op`; a subclass may override it (e.g. to standardize the
        kernel) and `call` then uses the override.

        Args:
            inputs: a batch in the layer's `data_format`.
            kernel: a kernel shaped as `self.kernel`: `(*kernel_size, in/groups, filters)`.

        Returns:
            The convolved batch, in the layer's `data_format`.

        Example:
            >>> class Standardized(Conv2D):
            ...     def convolution_op(self, inputs, kernel):
            ...         return super().convolution_op(inputs, kernel - kernel.mean())
        """
        x, padding = self._padded(to_channels_first(inputs, self.data_format, self.rank))
        y = self._op(x, _torch_kernel(kernel, self.rank), None, self._stride, padding,
                     self._dilation, self.groups)
        return from_channels_first(y, self.data_format, self.rank)

    def call(self, inputs: torch.Tensor) -> torch.Tensor:
        if type(self).convolution_op is _BaseConv.convolution_op:
            if self.activation is activations.relu:
                return self._convolve_relu(inputs)
            return super().call(inputs)  # the fused convolution-plus-bias path
        outputs = self.convolution_op(inputs, self.kernel)
        if self.use_bias:
            shape = [1] * outputs.dim()
            shape[self._channel_axis] = -1
            outputs = outputs + self.bias.reshape(shape)
        return outputs if self._linear_activation else self.activation(outputs)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return self._spatial_output_shape(tuple(input_shape), self.filters)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "filters": self.filters,
            **self._window_config(),
            "groups": self.groups,
            **self._output_config(),
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
        }


class Conv1D(_BaseConv):
    """1D convolution over `(batch, steps, channels)`: `activation(conv1d(x, kernel) + bias)`.

    Args:
        filters: the number of output channels.
        kernel_size: the window length (int or tuple of 1 int).
        strides: the step between windows; > 1 excludes dilation_rate > 1.
        padding: 'valid', 'same' (TensorFlow's) or 'causal' (left padding only).
        data_format: 'channels_last' (default) or 'channels_first'.
        dilation_rate: spacing between kernel taps.
        groups: split channels into this many independent groups.
        activation: an activation name or callable; None for linear.
        use_bias: whether to add a bias vector.
        kernel_initializer, bias_initializer: initializers.
        kernel_regularizer, bias_regularizer, activity_regularizer: penalties added to the loss.
        kernel_constraint, bias_constraint: applied after each update.

    Example:
        >>> Conv1D(16, 3, padding="causal")(torch.zeros(4, 10, 8)).shape
        torch.Size([4, 10, 16])
    """

    rank = 1


class Conv2D(_BaseConv):
    """2D convolution over `(batch, height, width, channels)`.

    Args:
        filters: the number of output channels.
        kernel_size: the window `(height, width)`, or one int for both.
        strides: the step between windows; > 1 excludes dilation_rate > 1.
        padding: 'valid' or 'same' (TensorFlow's: extra padding at the bottom/right).
        data_format: 'channels_last' (default) or 'channels_first'.
        dilation_rate: spacing between kernel taps.
        groups: split channels into this many independent groups.
        activation: an activation name or callable; None for linear.
        use_bias: whether to add a bias vector.
        kernel_initializer, bias_initializer: initializers.
        kernel_regularizer, bias_regularizer, activity_regularizer: penalties added to the loss.
        kernel_constraint, bias_constraint: applied after each update.

    Example:
        >>> Conv2D(32, (3, 3), activation="relu")(torch.zeros(8, 28, 28, 1)).shape
        torch.Size([8, 26, 26, 32])
    """

    rank = 2


class Conv3D(_BaseConv):
    """3D convolution over `(batch, depth, height, width, channels)`.

    Args: as `Conv2D`, with 3-tuples for kernel_size, strides and dilation_rate.

    Example:
        >>> Conv3D(4, 3)(torch.zeros(2, 5, 5, 5, 1)).shape
        torch.Size([2, 3, 3, 3, 4])
    """

    rank = 3
