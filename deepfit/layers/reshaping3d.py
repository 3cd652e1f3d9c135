"""The volumetric (3-D) reshaping layers, as Keras's: ZeroPadding3D, Cropping3D and UpSampling3D
over `(batch, dim1, dim2, dim3, channels)` (or channels first).

Example:
    >>> ZeroPadding3D(1)(torch.zeros(2, 4, 4, 4, 3)).shape
    torch.Size([2, 6, 6, 6, 3])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F

from deepfit.layers.conv.utils import check_ndim, standardize_data_format, standardize_tuple
from deepfit.layers.layer import Layer
from deepfit.layers.reshaping import _resize_shape, _spatial_axes

_ORDINALS = ("1st", "2nd", "3rd")


def _triple_pairs(value: Any, name: str, layer: str) -> tuple[tuple[int, int], ...]:
    """An int, 3 ints or 3 pairs → three (before, after) pairs of non-negative ints."""
    if isinstance(value, Sequence) and not isinstance(value, str):
        if len(value) != 3:
            raise ValueError(f"{layer}: `{name}` should have 3 elements. Received: {value!r}.")
        return tuple(standardize_tuple(part, 2, f"{_ORDINALS[i]} entry of {name}", layer,
                                       allow_zero=True) for i, part in enumerate(value))
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{layer}: `{name}` should be either a non-negative int, a tuple of 3 "
                         f"ints or a tuple of 3 tuples of 2 ints. Received: {name}={value!r}.")
    return ((value, value),) * 3


class _Volume(Layer):
    """A weightless layer over 5-D volumes in either data format."""

    def __init__(self, data_format: str | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format, type(self).__name__)
        self._axes = _spatial_axes(self.data_format, 3)

    def _check(self, inputs: torch.Tensor) -> None:
        if inputs.dim() != 5:
            check_ndim(self, inputs.shape, 5)


class ZeroPadding3D(_Volume):
    """Adds zeros around the three spatial axes of volumes.

    Args:
        padding: an int for every side, 3 ints (symmetric per axis), or 3 `(before, after)`
            pairs; `((1, 1), (1, 1), (1, 1))` by default.
        data_format: 'channels_last' (default) or 'channels_first'.

    Example:
        >>> ZeroPadding3D(((1, 0), (0, 2), (1, 1)))(torch.ones(1, 3, 3, 3, 2)).shape
        torch.Size([1, 4, 5, 5, 2])
    """

    def __init__(self, padding: Any = ((1, 1), (1, 1), (1, 1)), data_format: str | None = None,
                 **kwargs: Any) -> None:
        self.padding = _triple_pairs(padding, "padding", "ZeroPadding3D")
        super().__init__(data_format, **kwargs)
        pad = [p for pair in reversed(self.padding) for p in pair]  # F.pad: last axis first
        self._pad = tuple([0, 0, *pad] if self.data_format == "channels_last" else pad)

    def call(self, inputs: torch.Tensor) -> torch.Tensor:
        self._check(inputs)
        return F.pad(inputs, self._pad)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return _resize_shape(tuple(input_shape), self._axes,
                             lambda axis, n: n + sum(self.padding[self._axes.index(axis)]))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}


class Cropping3D(_Volume):
    """Removes values from the edges of the three spatial axes of volumes (a view, no copy).

    Args:
        cropping: an int for every side, 3 ints (symmetric per axis), or 3 `(before, after)`
            pairs; `((1, 1), (1, 1), (1, 1))` by default.
        data_format: 'channels_last' (default) or 'channels_first'.

    Example:
        >>> Cropping3D((1, 0, 2))(torch.ones(1, 4, 4, 6, 2)).shape
        torch.Size([1, 2, 4, 2, 2])
    """

    def __init__(self, cropping: Any = ((1, 1), (1, 1), (1, 1)),
                 data_format: str | None = None, **kwargs: Any) -> None:
        self.cropping = _triple_pairs(cropping, "cropping", "Cropping3D")
        super().__init__(data_format, **kwargs)

    def call(self, inputs: torch.Tensor) -> torch.Tensor:
        self._check(inputs)
        self._check_sizes(inputs.shape)
        for axis, (start, end) in zip(self._axes, self.cropping):
            inputs = inputs.narrow(axis, start, inputs.shape[axis] - start - end)
        return inputs

    def _check_sizes(self, shape: Sequence[int | None]) -> None:
        for axis, crop in zip(self._axes, self.cropping):
            if shape[axis] is not None and sum(crop) >= shape[axis]:
                raise ValueError(f"Cropping3D '{self.name}': values in `cropping` argument "
                                 f"should be smaller than the corresponding spatial dimension "
                                 f"of the input. Received: input_shape={tuple(shape)}, "
                                 f"cropping={self.cropping}")

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        self._check_sizes(tuple(input_shape))
        return _resize_shape(tuple(input_shape), self._axes,
                             lambda axis, n: n - sum(self.cropping[self._axes.index(axis)]))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "cropping": self.cropping,
                "data_format": self.data_format}


class UpSampling3D(_Volume):
    """Repeats each value `size[i]` times along spatial axis `i` of volumes.

    Args:
        size: the factors for the three spatial axes, or one int for all; `(2, 2, 2)` by default.
        data_format: 'channels_last' (default) or 'channels_first'.

    Example:
        >>> UpSampling3D((1, 2, 3))(torch.ones(1, 2, 2, 2, 4)).shape
        torch.Size([1, 2, 4, 6, 4])
    """

    def __init__(self, size: int | Sequence[int] = (2, 2, 2), data_format: str | None = None,
                 **kwargs: Any) -> None:
        self.size = standardize_tuple(size, 3, "size", "UpSampling3D")
        super().__init__(data_format, **kwargs)

    def call(self, inputs: torch.Tensor) -> torch.Tensor:
        self._check(inputs)
        for axis, factor in zip(self._axes, self.size):
            if factor > 1:
                inputs = inputs.repeat_interleave(factor, dim=axis)
        return inputs

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return _resize_shape(tuple(input_shape), self._axes,
                             lambda axis, n: n * self.size[self._axes.index(axis)])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "size": self.size, "data_format": self.data_format}
