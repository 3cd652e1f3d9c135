"""Pooling layers: MaxPooling1D/2D/3D, AveragePooling1D/2D/3D and the global poolings.

Like the convolutions (see `deepfit.layers.conv`), window pooling works on a channels-first
*view* of the channels-last input, which torch's pooling kernels handle in `channels_last`
memory layout without copying; 1D pooling runs as 2D pooling on a unit-height view.

'same' padding is TensorFlow's (extra padding at the bottom/right); average pooling leaves the
padding out of each window's count, as TensorFlow does.

Example:
    >>> MaxPooling2D()(torch.zeros(8, 26, 26, 32)).shape
    torch.Size([8, 13, 13, 32])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F

from deepfit.layers.conv.utils import (
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


class _Pooling(Layer):
    """A sliding-window reduction over `rank` spatial axes."""

    rank = 2

    def __init__(
        self,
        pool_size: int | Sequence[int],
        strides: int | Sequence[int] | None = None,
        padding: str = "valid",
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        cls = type(self).__name__
        self.pool_size = standardize_tuple(pool_size, self.rank, "pool_size", cls)
        self.strides = standardize_tuple(
            self.pool_size if strides is None else strides, self.rank, "strides", cls)
        self.padding = standardize_padding(padding, cls)
        self.data_format = standardize_data_format(data_format, cls)
        lift = (lambda t: (1, *t)) if self.rank == 1 else (lambda t: t)
        self._window, self._stride = lift(self.pool_size), lift(self.strides)

    def call(self, inputs: torch.Tensor) -> torch.Tensor:
        if inputs.dim() != self.rank + 2:
            check_ndim(self, inputs.shape, self.rank + 2)
        x = to_channels_first(inputs, self.data_format, self.rank)
        return from_channels_first(self._pool(x), self.data_format, self.rank)

    def _pool(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        input_shape = tuple(input_shape)
        first = 1 if self.data_format == "channels_last" else 2
        spatial = tuple(
            conv_output_length(n, k, s, self.padding)
            for n, k, s in zip(input_shape[first:first + self.rank], self.pool_size, self.strides)
        )
        return (*input_shape[:first], *spatial, *input_shape[first + self.rank:])

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "pool_size": self.pool_size,
            "padding": self.padding,
            "strides": self.strides,
            "data_format": self.data_format,
        }


class _MaxPooling(_Pooling):
    def _pool(self, x: torch.Tensor) -> torch.Tensor:
        padding: Any = 0
        if self.padding == "same":
            x, padding = pad_same(x, self._window, self._stride, value=float("-inf"))
        pool = F.max_pool3d if self.rank == 3 else F.max_pool2d
        return pool(x, self._window, self._stride, padding)


class _AveragePooling(_Pooling):
    def _pool(self, x: torch.Tensor) -> torch.Tensor:
        pool = F.avg_pool3d if self.rank == 3 else F.avg_pool2d
        if self.padding == "valid":
            return pool(x, self._window, self._stride)
        padded, padding = pad_same(x, self._window, self._stride)
        if padded is x:
            return pool(x, self._window, self._stride, padding, count_include_pad=False)
        # Asymmetric padding was added by hand, so the op cannot tell it apart: divide by the
        # share of each window that lies inside the input instead.
        ones = torch.ones((1, 1, *x.shape[2:]), dtype=x.dtype, device=x.device)
        inside = pool(pad_same(ones, self._window, self._stride)[0], self._window, self._stride)
        return pool(padded, self._window, self._stride) / inside


class MaxPooling1D(_MaxPooling):
    """Max over windows of `pool_size` steps of `(batch, steps, features)`.

    Args:
        pool_size: the window length.
        strides: the step between windows; None for `pool_size`.
        padding: 'valid' or 'same'.
        data_format: 'channels_last' (default) or 'channels_first'.

    Example:
        >>> MaxPooling1D()(torch.zeros(2, 10, 4)).shape
        torch.Size([2, 5, 4])
    """

    rank = 1

    def __init__(self, pool_size: int | Sequence[int] = 2,
                 strides: int | Sequence[int] | None = None, padding: str = "valid",
                 data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling2D(_MaxPooling):
    """Max over `pool_size` windows of `(batch, height, width, channels)`.

    Args:
        pool_size: the window `(height, width)`, or one int for both.
        strides: the step between windows; None for `pool_size`.
        padding: 'valid' or 'same'.
        data_format: 'channels_last' (default) or 'channels_first'.

    Example:
        >>> MaxPooling2D((2, 2))(torch.zeros(8, 26, 26, 32)).shape
        torch.Size([8, 13, 13, 32])
    """

    rank = 2

    def __init__(self, pool_size: int | Sequence[int] = (2, 2),
                 strides: int | Sequence[int] | None = None, padding: str = "valid",
                 data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling3D(_MaxPooling):
    """Max over `pool_size` windows of `(batch, dim1, dim2, dim3, channels)`.

    Args: as `MaxPooling2D`, with 3-D windows (`(2, 2, 2)` by default).

    Example:
        >>> MaxPooling3D()(torch.zeros(2, 8, 8, 8, 3)).shape
        torch.Size([2, 4, 4, 4, 3])
    """

    rank = 3

    def __init__(self, pool_size: int | Sequence[int] = (2, 2, 2),
                 strides: int | Sequence[int] | None = None, padding: str = "valid",
                 data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling1D(_AveragePooling):
    """Mean over windows of `pool_size` steps; 'same' padding is left out of the mean.

    Args: as `MaxPooling1D`, with `pool_size` required.

    Example:
        >>> AveragePooling1D(2)(torch.zeros(2, 10, 4)).shape
        torch.Size([2, 5, 4])
    """

    rank = 1


class AveragePooling2D(_AveragePooling):
    """Mean over `pool_size` windows; 'same' padding is left out of the mean.

    Args: as `MaxPooling2D`, with `pool_size` required.

    Example:
        >>> AveragePooling2D(2)(torch.zeros(8, 26, 26, 32)).shape
        torch.Size([8, 13, 13, 32])
    """

    rank = 2


class AveragePooling3D(_AveragePooling):
    """Mean over `pool_size` windows of `(batch, dim1, dim2, dim3, channels)`; 'same' padding
    is left out of the mean.

    Args: as `MaxPooling3D`, with `pool_size` required.

    Example:
        >>> AveragePooling3D(2)(torch.zeros(2, 8, 8, 8, 3)).shape
        torch.Size([2, 4, 4, 4, 3])
    """

    rank = 3


class _GlobalPooling(Layer):
    """A reduction over every spatial axis."""

    rank = 2

    def __init__(self, data_format: str | None = None, keepdims: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format, type(self).__name__)
        self.keepdims = bool(keepdims)
        first = 1 if self.data_format == "channels_last" else 2
        self._axes = tuple(range(first, first + self.rank))

    def call(self, inputs: torch.Tensor) -> torch.Tensor:
        if inputs.dim() != self.rank + 2:
            check_ndim(self, inputs.shape, self.rank + 2)
        return self._reduce(inputs)

    def _reduce(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        input_shape = tuple(input_shape)
        if self.keepdims:
            return tuple(1 if i in self._axes else d for i, d in enumerate(input_shape))
        return tuple(d for i, d in enumerate(input_shape) if i not in self._axes)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "data_format": self.data_format,
                "keepdims": self.keepdims}


class _GlobalAverage(_GlobalPooling):
    def _reduce(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=self._axes, keepdim=self.keepdims)


class _GlobalMax(_GlobalPooling):
    def _reduce(self, x: torch.Tensor) -> torch.Tensor:
        return x.amax(dim=self._axes, keepdim=self.keepdims)


class GlobalAveragePooling1D(_GlobalAverage):
    """Mean over the steps of `(batch, steps, features)`, skipping masked steps.

    Args:
        data_format: 'channels_last' (default) or 'channels_first'.
        keepdims: keep the steps axis with length 1.

    Example:
        >>> GlobalAveragePooling1D()(torch.ones(2, 10, 4)).shape
        torch.Size([2, 4])
    """

    supports_masking = True

    def compute_mask(self, inputs: Any, previous_mask: Any = None) -> None:
        """Pooling over the steps consumes the mask."""
        return None

    rank = 1

    def call(self, inputs: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        if mask is None:
            return super().call(inputs)
        if inputs.dim() != 3:
            check_ndim(self, inputs.shape, 3)
        weights = mask.to(inputs.dtype).unsqueeze(2 if self.data_format == "channels_last" else 1)
        total = (inputs * weights).sum(dim=self._axes, keepdim=self.keepdims)
        return total / weights.sum(dim=self._axes, keepdim=self.keepdims)


class GlobalAveragePooling2D(_GlobalAverage):
    """Mean over height and width of `(batch, height, width, channels)`.

    Args:
        data_format: 'channels_last' (default) or 'channels_first'.
        keepdims: keep the spatial axes with length 1.

    Example:
        >>> GlobalAveragePooling2D()(torch.ones(2, 7, 7, 64)).shape
        torch.Size([2, 64])
    """

    rank = 2


class GlobalMaxPooling1D(_GlobalMax):
    """Max over the steps of `(batch, steps, features)`.

    Args: as `GlobalAveragePooling1D`.

    Example:
        >>> GlobalMaxPooling1D(keepdims=True)(torch.ones(2, 10, 4)).shape
        torch.Size([2, 1, 4])
    """

    rank = 1


class GlobalMaxPooling2D(_GlobalMax):
    """Max over height and width of `(batch, height, width, channels)`.

    Args: as `GlobalAveragePooling2D`.

    Example:
        >>> GlobalMaxPooling2D()(torch.ones(2, 7, 7, 64)).shape
        torch.Size([2, 64])
    """

    rank = 2


class GlobalAveragePooling3D(_GlobalAverage):
    """Mean over the three spatial axes of `(batch, dim1, dim2, dim3, channels)`.

    Args: as `GlobalAveragePooling2D`.

    Example:
        >>> GlobalAveragePooling3D()(torch.ones(2, 4, 4, 4, 8)).shape
        torch.Size([2, 8])
    """

    rank = 3


class GlobalMaxPooling3D(_GlobalMax):
    """Max over the three spatial axes of `(batch, dim1, dim2, dim3, channels)`.

    Args: as `GlobalAveragePooling2D`.

    Example:
        >>> GlobalMaxPooling3D(keepdims=True)(torch.ones(2, 4, 4, 4, 8)).shape
        torch.Size([2, 1, 1, 1, 8])
    """

    rank = 3


MaxPool1D = MaxPooling1D
MaxPool2D = MaxPooling2D
MaxPool3D = MaxPooling3D
AvgPool1D = AveragePooling1D
AvgPool2D = AveragePooling2D
AvgPool3D = AveragePooling3D
GlobalAvgPool1D = GlobalAveragePooling1D
GlobalAvgPool2D = GlobalAveragePooling2D
GlobalAvgPool3D = GlobalAveragePooling3D
GlobalMaxPool1D = GlobalMaxPooling1D
GlobalMaxPool2D = GlobalMaxPooling2D
GlobalMaxPool3D = GlobalMaxPooling3D
