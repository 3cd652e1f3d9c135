"""Convolution layers: Conv1D/2D/3D, Conv1D/2D/3DTranspose, DepthwiseConv1D/2D, SeparableConv1D/2D.

The API is channels-last, as in Keras: `(batch, height, width, channels)` for 2D. Weights keep
Keras's layout (a Conv2D kernel is `(kh, kw, in, out)`). Each call takes a channels-first *view*
of the input (`x.permute(0, 3, 1, 2)`, no copy): that view has `torch.channels_last` memory
layout, so torch's convolution runs its channels-last kernels on it directly and returns a
channels-last result, whose permutation back to `(batch, h, w, filters)` is again a free view.
A stack of Conv2D and MaxPooling2D therefore never copies to change layout. 1D layers run as
2D ones on a unit-height view, which keeps them on the same channels-last path.

'same' padding is TensorFlow's: for output size `ceil(n / stride)` the missing total padding is
split with the extra element at the bottom/right.

This module also holds the argument checks and layout helpers shared by `pooling` and
`reshaping`.

Example:
    >>> layer = Conv2D(32, 3, activation="relu")
    >>> layer(torch.zeros(8, 28, 28, 1)).shape
    torch.Size([8, 26, 26, 32])
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F

from deepfit import activations, constraints, initializers, regularizers
from deepfit.models.layer import Layer

# ----------------------------------------------------------------------------- argument checks


def standardize_tuple(
    value: Any, n: int, name: str, layer: str, allow_zero: bool = False
) -> tuple[int, ...]:
    """An int or a sequence of `n` ints → a tuple of `n` ints, checked to be positive.

    Args:
        value: the user's value.
        n: the tuple length wanted.
        name: the argument's name, for errors.
        layer: the layer's class name, for errors.
        allow_zero: accept 0 (paddings, croppings).

    Returns:
        A tuple of `n` Python ints.

    Raises:
        ValueError: for anything else.

    Example:
        >>> standardize_tuple(3, 2, "kernel_size", "Conv2D")
        (3, 3)
    """
    if _is_int(value):
        values = (int(value),) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            values = ()
        if len(values) != n or not all(_is_int(v) for v in values):
            raise ValueError(
                f"{layer}: {name} must be an int or a tuple of {n} ints, received {value!r}"
            )
        values = tuple(int(v) for v in values)
    lowest = 0 if allow_zero else 1
    if any(v < lowest for v in values):
        requirement = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{layer}: {name} values must be {requirement}, received {value!r}")
    return values


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def standardize_data_format(value: str | None, layer: str) -> str:
    """None → 'channels_last'; otherwise 'channels_last' or 'channels_first' (any case).

    Args:
        value: the user's `data_format`.
        layer: the layer's class name, for errors.

    Returns:
        'channels_last' or 'channels_first'.
    """
    if value is None:
        return "channels_last"
    if isinstance(value, str) and value.lower() in ("channels_last", "channels_first"):
        return value.lower()
    raise ValueError(
        f"{layer}: data_format must be 'channels_last' or 'channels_first', received {value!r}"
    )


def standardize_padding(value: str, layer: str, allow_causal: bool = False) -> str:
    """'valid' or 'same' (and 'causal' where allowed), lower-cased.

    Args:
        value: the user's `padding`.
        layer: the layer's class name, for errors.
        allow_causal: accept 'causal' (Conv1D).

    Returns:
        The padding mode in lower case.
    """
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    if isinstance(value, str) and value.lower() in allowed:
        return value.lower()
    raise ValueError(f"{layer}: padding must be one of {allowed}, received {value!r}")


def check_ndim(layer: Layer, shape: Sequence[int | None], ndim: int) -> None:
    """Raise Keras's error when an input of the wrong rank reaches `layer`.

    Args:
        layer: the layer being called.
        shape: the input's shape.
        ndim: the rank the layer expects.
    """
    if len(shape) != ndim:
        raise ValueError(
            f"Input 0 of layer '{layer.name}' is incompatible with the layer: expected "
            f"ndim={ndim}, found ndim={len(shape)}. Full shape received: {tuple(shape)}"
        )


# ----------------------------------------------------------------------------- layout helpers


def to_channels_first(x: torch.Tensor, data_format: str, rank: int) -> torch.Tensor:
    """A channels-first view of `x` (no copy); rank-1 inputs get a unit height axis.

    Args:
        x: `(batch, *spatial, channels)` or `(batch, channels, *spatial)`.
        data_format: which of the two `x` is.
        rank: the number of spatial axes of `x`.

    Returns:
        `(batch, channels, *spatial)`, with `(1, length)` as spatial axes when `rank == 1`.
    """
    if data_format == "channels_last":
        if rank == 1:
            x = x.unsqueeze(1)
        return x.movedim(-1, 1)
    return x.unsqueeze(2) if rank == 1 else x


def from_channels_first(y: torch.Tensor, data_format: str, rank: int) -> torch.Tensor:
    """Undo `to_channels_first` on a result (a view again, no copy)."""
    if data_format == "channels_last":
        y = y.movedim(1, -1)
        return y.squeeze(1) if rank == 1 else y
    return y.squeeze(2) if rank == 1 else y


def same_padding(size: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """TensorFlow's 'same' padding `(before, after)` along one axis of length `size`.

    Example:
        >>> same_padding(28, 2, 2)
        (0, 0)
        >>> same_padding(5, 2, 1)
        (0, 1)
    """
    effective = (kernel - 1) * dilation + 1
    output = -(-size // stride)
    total = max(0, (output - 1) * stride + effective - size)
    return total // 2, total - total // 2


def pad_same(
    x: torch.Tensor,
    kernel: Sequence[int],
    strides: Sequence[int],
    dilation: Sequence[int] | None = None,
    value: float = 0.0,
) -> tuple[torch.Tensor, tuple[int, ...]]:
    """Prepare channels-first `x` for a 'same' window op.

    Symmetric padding is left to the torch op (returned as its `padding` argument); asymmetric
    padding is applied here with `value` and the op then gets zero padding.

    Returns:
        `(x or padded x, padding for the torch op)`.
    """
    dilation = dilation or (1,) * len(kernel)
    pads = [same_padding(n, k, s, d) for n, k, s, d in zip(x.shape[2:], kernel, strides, dilation)]
    if all(before == after for before, after in pads):
        return x, tuple(before for before, _ in pads)
    flat = [p for before, after in reversed(pads) for p in (before, after)]
    return F.pad(x, flat, value=value), (0,) * len(pads)


def conv_output_length(
    size: int | None, kernel: int, stride: int, padding: str, dilation: int = 1
) -> int | None:
    """Keras's output length of a convolution or pooling window along one axis."""
    if size is None:
        return None
    if padding in ("same", "causal"):
        return -(-size // stride)
    return (size - ((kernel - 1) * dilation + 1)) // stride + 1


def transpose_crops(
    kernel: int, stride: int, dilation: int, padding: str, output_padding: int | None
) -> tuple[int, int]:
    """How much to cut from each end of torch's full transposed convolution to get Keras's.

    Torch with no padding yields `(n - 1) * stride + effective_kernel` values; Keras (like
    TensorFlow) keeps a window of it set by `padding` and `output_padding`. A negative amount
    means zeros to add instead.

    Returns:
        `(cut_before, cut_after)`.
    """
    effective = (kernel - 1) * dilation + 1
    if padding == "valid":
        extra = max(effective, stride) - effective if output_padding is None else output_padding
        return 0, -extra
    if output_padding is None:
        total = stride + effective - 2
    else:
        total = effective + effective % 2 - 2 + output_padding
    before = min(total // 2 + total % 2, effective - 1)
    return effective - 1 - before, effective - 1 - (total - before)


def _torch_kernel(kernel: torch.Tensor, rank: int) -> torch.Tensor:
    """Keras `(*window, a, b)` → torch `(b, a, *window)`, as a view (unit height for rank 1)."""
    if rank == 1:
        kernel = kernel.unsqueeze(0)
    n = kernel.dim()
    return kernel.permute(n - 1, n - 2, *range(n - 2))


def _lift(values: tuple[int, ...], rank: int, fill: int = 1) -> tuple[int, ...]:
    """Per-axis settings for the torch op: rank-1 layers run in 2D with a unit height."""
    return (fill, *values) if rank == 1 else values


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
        if inputs.dim() != self.rank + 2 or inputs.shape[self._channel_axis] != self._in_channels:
            self._raise_incompatible(inputs)
        x = to_channels_first(inputs, self.data_format, self.rank)
        outputs = from_channels_first(self._convolve(x), self.data_format, self.rank)
        if not self._linear_activation:
            outputs = self.activation(outputs)
        if self.activity_regularizer is not None:
            self.add_loss(self.activity_regularizer(outputs) / outputs.shape[0])
        return outputs

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


# ----------------------------------------------------------------------------- transposed


class _BaseConvTranspose(_Conv):
    """A transposed convolution with a `kernel` of shape `(*window, filters, in)`."""

    def __init__(
        self,
        filters: int,
        kernel_size: int | Sequence[int],
        strides: int | Sequence[int] = 1,
        padding: str = "valid",
        output_padding: int | Sequence[int] | None = None,
        data_format: str | None = None,
        dilation_rate: int | Sequence[int] = 1,
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
        self._init_window(kernel_size, strides, padding, data_format, dilation_rate)
        self.output_padding = None if output_padding is None else standardize_tuple(
            output_padding, self.rank, "output_padding", cls, allow_zero=True)
        if self.output_padding is not None and any(
            p >= s for p, s in zip(self.output_padding, self.strides)
        ):
            raise ValueError(f"{cls}: each output_padding value must be less than the stride, "
                             f"received output_padding={self.output_padding}, "
                             f"strides={self.strides}")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{cls}: strides > 1 cannot be combined with dilation_rate > 1, "
                             f"received strides={self.strides}, "
                             f"dilation_rate={self.dilation_rate}")
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self._init_output(activation, use_bias, bias_initializer, bias_regularizer,
                          activity_regularizer, bias_constraint)
        self._op = F.conv_transpose3d if self.rank == 3 else F.conv_transpose2d
        self._plan_crops()

    def _plan_crops(self) -> None:
        """Express Keras's output window as torch's (padding, output_padding) when possible."""
        paddings = self.output_padding or (None,) * self.rank
        self._crops = [
            transpose_crops(k, s, d, self.padding, p)
            for k, s, d, p in zip(self.kernel_size, self.strides, self.dilation_rate, paddings)
        ]
        native = all(
            before >= 0 and 0 <= before - after < max(s, d)
            for (before, after), s, d in zip(self._crops, self.strides, self.dilation_rate)
        )
        self._torch_padding = _lift(tuple(b for b, _ in self._crops), self.rank, 0)
        self._torch_output_padding = _lift(tuple(b - a for b, a in self._crops), self.rank, 0)
        self._native = native

    def build(self, input_shape: tuple) -> None:
        channels = self._input_channels(input_shape)
        self.add_weight("kernel", (*self.kernel_size, self.filters, channels),
                        self.kernel_initializer, regularizer=self.kernel_regularizer,
                        constraint=self.kernel_constraint)
        self._add_bias(self.filters)
        self.built = True

    def _convolve(self, x: torch.Tensor) -> torch.Tensor:
        kernel = _torch_kernel(self.kernel, self.rank)
        if self._native:
            return self._op(x, kernel, self.bias, self._stride, self._torch_padding,
                            self._torch_output_padding, 1, self._dilation)
        full = self._op(x, kernel, None, self._stride, 0, 0, 1, self._dilation)
        out = _crop_or_pad(full, self._crops, spatial_start=full.dim() - self.rank)
        if self.bias is not None:
            out = out + self.bias.view(-1, *(1,) * (out.dim() - 2))
        return out

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        input_shape = tuple(input_shape)
        spatial = input_shape[1:-1] if self.data_format == "channels_last" else input_shape[2:]
        out = tuple(
            None if n is None else (n - 1) * s + (k - 1) * d + 1 - before - after
            for n, k, s, d, (before, after) in zip(
                spatial, self.kernel_size, self.strides, self.dilation_rate, self._crops)
        )
        if self.data_format == "channels_last":
            return (input_shape[0], *out, self.filters)
        return (input_shape[0], self.filters, *out)

    def get_config(self) -> dict[str, Any]:
        window = self._window_config()
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": window.pop("kernel_size"),
            "strides": window.pop("strides"),
            "padding": window.pop("padding"),
            "output_padding": self.output_padding,
            **window,
            **self._output_config(),
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
        }


def _crop_or_pad(y: torch.Tensor, crops: list[tuple[int, int]], spatial_start: int) -> torch.Tensor:
    """Cut `crops[i]` from both ends of spatial axis i (zeros added where negative)."""
    pads = []
    for axis, (before, after) in enumerate(crops, start=spatial_start):
        start, stop = max(before, 0), y.shape[axis] - max(after, 0)
        y = y.narrow(axis, start, stop - start)
        pads.append((max(-before, 0), max(-after, 0)))
    if any(p for pair in pads for p in pair):
        y = F.pad(y, [p for pair in reversed(pads) for p in pair])
    return y


class Conv1DTranspose(_BaseConvTranspose):
    """Transposed 1D convolution (the gradient of Conv1D), for learned upsampling of sequences.

    Args: as `Conv2DTranspose`, with 1-tuples.

    Example:
        >>> Conv1DTranspose(4, 3, strides=2, padding="same")(torch.zeros(2, 5, 8)).shape
        torch.Size([2, 10, 4])
    """

    rank = 1


class Conv2DTranspose(_BaseConvTranspose):
    """Transposed 2D convolution (the gradient of Conv2D), for learned upsampling.

    Args:
        filters: the number of output channels.
        kernel_size: the window `(height, width)`, or one int for both.
        strides: the upsampling factor; > 1 excludes dilation_rate > 1.
        padding: 'valid' or 'same' ('same' with no output_padding gives `input * strides`).
        output_padding: extra rows/columns at the bottom/right, each less than its stride;
            None to infer them as Keras does.
        data_format: 'channels_last' (default) or 'channels_first'.
        dilation_rate: spacing between kernel taps.
        activation, use_bias, kernel_/bias_ initializer, regularizer and constraint,
            activity_regularizer: as `Conv2D`.

    Example:
        >>> Conv2DTranspose(8, 3, strides=2, padding="same")(torch.zeros(2, 7, 7, 16)).shape
        torch.Size([2, 14, 14, 8])
    """

    rank = 2


class Conv3DTranspose(_BaseConvTranspose):
    """Transposed 3D convolution.

    Args: as `Conv2DTranspose`, with 3-tuples.

    Example:
        >>> Conv3DTranspose(2, 2, strides=2)(torch.zeros(1, 3, 3, 3, 4)).shape
        torch.Size([1, 6, 6, 6, 2])
    """

    rank = 3


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


Convolution1D = Conv1D
Convolution2D = Conv2D
Convolution3D = Conv3D
Convolution1DTranspose = Conv1DTranspose
Convolution2DTranspose = Conv2DTranspose
Convolution3DTranspose = Conv3DTranspose
SeparableConvolution1D = SeparableConv1D
SeparableConvolution2D = SeparableConv2D
