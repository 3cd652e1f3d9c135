"""Conv1DTranspose, Conv2DTranspose and Conv3DTranspose."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F

from deepfit import constraints, initializers, regularizers
from deepfit.layers.conv.base import _Conv
from deepfit.layers.conv.utils import _lift, _torch_kernel, standardize_tuple, transpose_crops

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
