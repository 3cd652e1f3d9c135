"""Layers that move, pad, crop or repeat values without weights: ZeroPadding1D/2D,
Cropping1D/2D, UpSampling1D/2D, RepeatVector, Permute, and SpatialDropout1D/2D/3D (which drop
whole feature maps, so they live with the layers that work on the spatial layout).

Cropping, RepeatVector and Permute return views of their input (no copy).

Example:
    >>> ZeroPadding2D(1)(torch.zeros(2, 5, 5, 3)).shape
    torch.Size([2, 7, 7, 3])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F

from deepfit.backend.dropout_mask import keep_mask
from deepfit.layers.conv.utils import (
    check_ndim,
    from_channels_first,
    standardize_data_format,
    standardize_tuple,
    to_channels_first,
)
from deepfit.layers.layer import Layer


def _pairs(value: Any, name: str, layer: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """An int, 2 ints or 2 pairs → ((top, bottom), (left, right)), each non-negative."""
    if isinstance(value, Sequence) and not isinstance(value, str):
        if len(value) != 2:
            raise ValueError(f"{layer}: {name} must be an int, a tuple of 2 ints or a tuple of "
                             f"2 tuples of 2 ints, received {value!r}")
        return (standardize_tuple(value[0], 2, f"{name}[0]", layer, allow_zero=True),
                standardize_tuple(value[1], 2, f"{name}[1]", layer, allow_zero=True))
    both = standardize_tuple(value, 2, name, layer, allow_zero=True)
    return both, both


def _spatial_axes(data_format: str, rank: int) -> tuple[int, ...]:
    first = 1 if data_format == "channels_last" else 2
    return tuple(range(first, first + rank))


def _resize_shape(input_shape: tuple, axes: Sequence[int], change: Any) -> tuple:
    """`input_shape` with `change(axis, size)` applied to each of `axes` (None stays None)."""
    shape = list(input_shape)
    for axis in axes:
        if shape[axis] is not None:
            shape[axis] = change(axis, shape[axis])
    return tuple(shape)


# ----------------------------------------------------------------------------- padding


class ZeroPadding1D(Layer):
    """Adds zeros at the start and end of the steps axis of `(batch, steps, features)`.

    Args:
        padding: an int for both ends, or `(start, end)`.
        data_format: 'channels_last' (default) or 'channels_first'.

    Example:
        >>> ZeroPadding1D((1, 2))(torch.ones(2, 5, 3)).shape
        torch.Size([2, 8, 3])
    """

    def __init__(self, padding: int | Sequence[int] = 1, data_format: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.padding = standardize_tuple(padding, 2, "padding", "ZeroPadding1D", allow_zero=True)
        self.data_format = standardize_data_format(data_format, "ZeroPadding1D")
        self._axis = 1 if self.data_format == "channels_last" else 2

    def call(self, inputs: torch.Tensor) -> torch.Tensor:
        if inputs.dim() != 3:
            check_ndim(self, inputs.shape, 3)
        if self._axis == 2:
            return F.pad(inputs, self.padding)
        return F.pad(inputs, (0, 0, *self.padding))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return _resize_shape(tuple(input_shape), (self._axis,), lambda _, n: n + sum(self.padding))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}


class ZeroPadding2D(Layer):
    """Adds rows and columns of zeros around `(batch, height, width, channels)` images.

    Args:
        padding: an int for all sides, `(rows, columns)` for symmetric padding, or
            `((top, bottom), (left, right))`.
        data_format: 'channels_last' (default) or 'channels_first'.

    Example:
        >>> ZeroPadding2D(((1, 0), (2, 2)))(torch.ones(2, 5, 5, 3)).shape
        torch.Size([2, 6, 9, 3])
    """

    def __init__(self, padding: Any = (1, 1), data_format: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.padding = _pairs(padding, "padding", "ZeroPadding2D")
        self.data_format = standardize_data_format(data_format, "ZeroPadding2D")
        (top, bottom), (left, right) = self.padding
        self._pad = (left, right, top, bottom)
        if self.data_format == "channels_last":
            self._pad = (0, 0, *self._pad)

    def call(self, inputs: torch.Tensor) -> torch.Tensor:
        if inputs.dim() != 4:
            check_ndim(self, inputs.shape, 4)
        return F.pad(inputs, self._pad)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        axes = _spatial_axes(self.data_format, 2)
        return _resize_shape(tuple(input_shape), axes,
                             lambda axis, n: n + sum(self.padding[axes.index(axis)]))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}


# ----------------------------------------------------------------------------- cropping


class Cropping1D(Layer):
    """Removes steps from the start and end of `(batch, steps, features)`.

    Args:
        cropping: an int for both ends, or `(start, end)`.

    Example:
        >>> Cropping1D((1, 2))(torch.ones(2, 8, 3)).shape
        torch.Size([2, 5, 3])
    """

    def __init__(self, cropping: int | Sequence[int] = (1, 1), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cropping = standardize_tuple(cropping, 2, "cropping", "Cropping1D",
                                          allow_zero=True)

    def call(self, inputs: torch.Tensor) -> torch.Tensor:
        if inputs.dim() != 3:
            check_ndim(self, inputs.shape, 3)
        start, end = self.cropping
        if start + end >= inputs.shape[1]:
            self._raise_too_large(inputs.shape)
        return inputs[:, start:inputs.shape[1] - end]

    def _raise_too_large(self, shape: Sequence[int | None]) -> None:
        raise ValueError(f"Cropping1D '{self.name}': cropping {self.cropping} must leave at "
                         f"least one step, received input shape {tuple(shape)}")

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        input_shape = tuple(input_shape)
        if input_shape[1] is not None and sum(self.cropping) >= input_shape[1]:
            self._raise_too_large(input_shape)
        return _resize_shape(input_shape, (1,), lambda _, n: n - sum(self.cropping))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "cropping": self.cropping}


class Cropping2D(Layer):
    """Removes rows and columns from the edges of `(batch, height, width, channels)` images.

    Args:
        cropping: an int for all sides, `(rows, columns)` for symmetric cropping, or
            `((top, bottom), (left, right))`.
        data_format: 'channels_last' (default) or 'channels_first'.

    Example:
        >>> Cropping2D(((2, 2), (4, 4)))(torch.ones(2, 28, 28, 3)).shape
        torch.Size([2, 24, 20, 3])
    """

    def __init__(self, cropping: Any = ((0, 0), (0, 0)), data_format: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cropping = _pairs(cropping, "cropping", "Cropping2D")
        self.data_format = standardize_data_format(data_format, "Cropping2D")
        self._axes = _spatial_axes(self.data_format, 2)

    def call(self, inputs: torch.Tensor) -> torch.Tensor:
        if inputs.dim() != 4:
            check_ndim(self, inputs.shape, 4)
        for axis, (start, end) in zip(self._axes, self.cropping):
            size = inputs.shape[axis]
            if start + end >= size:
                self._raise_too_large(inputs.shape)
            inputs = inputs.narrow(axis, start, size - start - end)
        return inputs

    def _raise_too_large(self, shape: Sequence[int | None]) -> None:
        raise ValueError(f"Cropping2D '{self.name}': cropping {self.cropping} must be smaller "
                         f"than the spatial size, received input shape {tuple(shape)}")

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        input_shape = tuple(input_shape)
        for axis, crop in zip(self._axes, self.cropping):
            if input_shape[axis] is not None and sum(crop) >= input_shape[axis]:
                self._raise_too_large(input_shape)
        return _resize_shape(input_shape, self._axes,
                             lambda axis, n: n - sum(self.cropping[self._axes.index(axis)]))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "cropping": self.cropping,
                "data_format": self.data_format}


# ----------------------------------------------------------------------------- upsampling


class UpSampling1D(Layer):
    """Repeats each step `size` times along the steps axis of `(batch, steps, features)`.

    Args:
        size: the repetition factor.

    Example:
        >>> UpSampling1D(3)(torch.ones(2, 4, 5)).shape
        torch.Size([2, 12, 5])
    """

    def __init__(self, size: int = 2, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.size = standardize_tuple(size, 1, "size", "UpSampling1D")[0]

    def call(self, inputs: torch.Tensor) -> torch.Tensor:
        if inputs.dim() != 3:
            check_ndim(self, inputs.shape, 3)
        return inputs.repeat_interleave(self.size, dim=1)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return _resize_shape(tuple(input_shape), (1,), lambda _, n: n * self.size)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "size": self.size}


class UpSampling2D(Layer):
    """Enlarges `(batch, height, width, channels)` images by integer factors.

    Args:
        size: the factors `(rows, columns)`, or one int for both.
        data_format: 'channels_last' (default) or 'channels_first'.
        interpolation: 'nearest' (repeat pixels), 'bilinear' or 'bicubic' (half-pixel
            centres, no antialiasing: torch's `interpolate(align_corners=False)`).

    Example:
        >>> UpSampling2D((2, 3))(torch.ones(2, 4, 4, 3)).shape
        torch.Size([2, 8, 12, 3])
    """

    _INTERPOLATIONS = ("nearest", "bilinear", "bicubic")

    def __init__(self, size: int | Sequence[int] = (2, 2), data_format: str | None = None,
                 interpolation: str = "nearest", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.size = standardize_tuple(size, 2, "size", "UpSampling2D")
        self.data_format = standardize_data_format(data_format, "UpSampling2D")
        if not isinstance(interpolation, str) or (
            interpolation.lower() not in self._INTERPOLATIONS
        ):
            raise ValueError(f"UpSampling2D: interpolation must be one of "
                             f"{self._INTERPOLATIONS}, received {interpolation!r}")
        self.interpolation = interpolation.lower()

    def call(self, inputs: torch.Tensor) -> torch.Tensor:
        if inputs.dim() != 4:
            check_ndim(self, inputs.shape, 4)
        if self.interpolation == "nearest":
            return self._repeat(inputs)
        x = to_channels_first(inputs, self.data_format, 2)
        height, width = x.shape[2:]
        y = F.interpolate(x, size=(height * self.size[0], width * self.size[1]),
                          mode=self.interpolation, align_corners=False)
        return from_channels_first(y, self.data_format, 2)

    def _repeat(self, x: torch.Tensor) -> torch.Tensor:
        # Broadcast-then-reshape repeats exactly, where interpolate's float scale may not.
        rows, cols = self.size
        if self.data_format == "channels_last":
            batch, height, width, channels = x.shape
            y = x[:, :, None, :, None, :].expand(batch, height, rows, width, cols, channels)
            return y.reshape(batch, height * rows, width * cols, channels)
        batch, channels, height, width = x.shape
        y = x[:, :, :, None, :, None].expand(batch, channels, height, rows, width, cols)
        return y.reshape(batch, channels, height * rows, width * cols)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        axes = _spatial_axes(self.data_format, 2)
        return _resize_shape(tuple(input_shape), axes,
                             lambda axis, n: n * self.size[axes.index(axis)])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "size": self.size, "data_format": self.data_format,
                "interpolation": self.interpolation}


# ----------------------------------------------------------------------------- repeat, permute


class RepeatVector(Layer):
    """Repeats `(batch, features)` `n` times into `(batch, n, features)` (a view).

    Args:
        n: the number of repetitions.

    Example:
        >>> RepeatVector(3)(torch.ones(2, 5)).shape
        torch.Size([2, 3, 5])
    """

    def __init__(self, n: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.n = standardize_tuple(n, 1, "n", "RepeatVector")[0]

    def call(self, inputs: torch.Tensor) -> torch.Tensor:
        if inputs.dim() != 2:
            check_ndim(self, inputs.shape, 2)
        return inputs.unsqueeze(1).expand(-1, self.n, -1)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "n": self.n}


class Permute(Layer):
    """Reorders the non-batch axes: `dims` is a permutation of 1..rank (a view).

    Args:
        dims: the new order of axes 1..rank, e.g. `(2, 1)` swaps the two axes after the batch.

    Example:
        >>> Permute((2, 1))(torch.ones(2, 10, 64)).shape
        torch.Size([2, 64, 10])
    """

    def __init__(self, dims: Sequence[int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        try:
            dims = tuple(int(d) for d in dims)
        except (TypeError, ValueError):
            dims = ()
        if not dims or sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(f"Permute: dims must be a permutation of 1..n (the batch axis "
                             f"stays first), received {dims!r}")
        self.dims = dims

    def call(self, inputs: torch.Tensor) -> torch.Tensor:
        if inputs.dim() != len(self.dims) + 1:
            check_ndim(self, inputs.shape, len(self.dims) + 1)
        return inputs.permute(0, *self.dims)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0], *(input_shape[d] for d in self.dims))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "dims": self.dims}


# ----------------------------------------------------------------------------- spatial dropout


class _SpatialDropout(Layer):
    """Zeroes whole channels (the same ones at every position) while training."""

    rank = 1

    def __init__(self, rate: float, data_format: str | None = None, seed: int | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        cls = type(self).__name__
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
            raise ValueError(f"{cls}: rate must be a float in [0, 1), received {rate!r}")
        self.rate = float(rate)
        self.data_format = standardize_data_format(data_format, cls)
        self.seed = seed

    def call(self, inputs: torch.Tensor, training: bool | None = None) -> torch.Tensor:
        if inputs.dim() != self.rank + 2:
            check_ndim(self, inputs.shape, self.rank + 2)
        if not training or self.rate == 0:
            return inputs
        shape = [1] * inputs.dim()
        shape[0] = inputs.shape[0]
        channel_axis = -1 if self.data_format == "channels_last" else 1
        shape[channel_axis] = inputs.shape[channel_axis]
        return inputs * keep_mask(shape, self.rate, inputs)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        config = {**super().get_config(), "rate": self.rate, "data_format": self.data_format,
                  "seed": self.seed}
        config.pop("trainable")  # Keras's spatial dropouts write name, dtype, rate, seed only
        return config


class SpatialDropout1D(_SpatialDropout):
    """Dropout of whole feature channels of `(batch, steps, features)` while training.

    Args:
        rate: the fraction of channels to drop, in [0, 1); kept ones are scaled by
            1 / (1 - rate).
        seed: accepted for Keras compatibility; use `deepfit.utils.set_random_seed`.

    Example:
        >>> SpatialDropout1D(0.5)(torch.ones(2, 10, 4), training=True).shape
        torch.Size([2, 10, 4])
    """

    rank = 1

    def __init__(self, rate: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(rate, None, seed, **kwargs)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["data_format"]
        return config


class SpatialDropout2D(_SpatialDropout):
    """Dropout of whole feature maps of `(batch, height, width, channels)` while training.

    Args:
        rate: as `SpatialDropout1D`.
        data_format: 'channels_last' (default) or 'channels_first'.
        seed: as `SpatialDropout1D`.

    Example:
        >>> SpatialDropout2D(0.2)(torch.ones(2, 8, 8, 16), training=True).shape
        torch.Size([2, 8, 8, 16])
    """

    rank = 2


class SpatialDropout3D(_SpatialDropout):
    """Dropout of whole feature volumes of `(batch, dim1, dim2, dim3, channels)` while training.

    Args: as `SpatialDropout2D`'s.

    Example:
        >>> SpatialDropout3D(0.2)(torch.ones(2, 4, 4, 4, 8), training=True).shape
        torch.Size([2, 4, 4, 4, 8])
    """

    rank = 3
