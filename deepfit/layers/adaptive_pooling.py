"""Adaptive pooling, as Keras's layers: AdaptiveAveragePooling1D/2D/3D and
AdaptiveMaxPooling1D/2D/3D pool any spatial size down to a fixed `output_size` (torch's
adaptive windows: window `i` of an axis of length `n` covers `[floor(i n / out),
ceil((i + 1) n / out))`).

Example:
    >>> AdaptiveAveragePooling2D((2, 3))(torch.randn(4, 7, 9, 5)).shape
    torch.Size([4, 2, 3, 5])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F

from deepfit.layers.conv.utils import check_ndim, standardize_data_format
from deepfit.layers.layer import Layer

_SIZE_NAMES = {1: "tuple of 1 integer", 2: "(height, width) tuple",
               3: "(depth, height, width) tuple"}
_AVERAGE = {1: F.adaptive_avg_pool1d, 2: F.adaptive_avg_pool2d, 3: F.adaptive_avg_pool3d}
_MAX = {1: F.adaptive_max_pool1d, 2: F.adaptive_max_pool2d, 3: F.adaptive_max_pool3d}


def _output_size(value: Any, rank: int, layer: str) -> tuple[int, ...]:
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * rank
    if isinstance(value, Sequence) and not isinstance(value, str):
        if len(value) != rank:
            raise ValueError(f"For {rank}D input, `output_size` tuple must have length {rank}. "
                             f"Received: {value!r} ({layer})")
        return tuple(value)
    raise TypeError(f"`output_size` must be an integer or {_SIZE_NAMES[rank]}. Received: "
                    f"{value!r} of type {type(value)} ({layer})")


class _AdaptivePooling(Layer):
    """Pools each spatial axis into `output_size` windows of adaptive extent."""

    rank = 2
    _ops = _AVERAGE

    def __init__(self, output_size: int | Sequence[int], data_format: str | None = None,
                 **kwargs: Any) -> None:
        cls = type(self).__name__
        self.output_size = _output_size(output_size, self.rank, cls)
        data_format = standardize_data_format(data_format, cls)
        super().__init__(**kwargs)
        self.data_format = data_format

    def call(self, inputs: torch.Tensor) -> torch.Tensor:
        if inputs.dim() != self.rank + 2:
            check_ndim(self, inputs.shape, self.rank + 2)
        last = self.data_format == "channels_last"
        x = inputs.movedim(-1, 1) if last else inputs
        pooled = self._ops[self.rank](x, self.output_size)
        if isinstance(pooled, tuple):  # max pooling may return the indices too
            pooled = pooled[0]
        return pooled.movedim(1, -1) if last else pooled

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        batch = input_shape[0]
        if self.data_format == "channels_last":
            return (batch, *self.output_size, input_shape[-1])
        return (batch, input_shape[1], *self.output_size)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "output_size": self.output_size,
                "data_format": self.data_format}


class AdaptiveAveragePooling1D(_AdaptivePooling):
    """Mean over adaptive windows of `(batch, steps, features)`, giving `output_size` steps.

    Args:
        output_size: the number of output steps (an int or a tuple of 1 int).
        data_format: 'channels_last' (default) or 'channels_first'.

    Example:
        >>> AdaptiveAveragePooling1D(4)(torch.randn(2, 10, 3)).shape
        torch.Size([2, 4, 3])
    """

    rank = 1


class AdaptiveAveragePooling2D(_AdaptivePooling):
    """Mean over adaptive windows of images, giving `output_size` rows and columns.

    Args:
        output_size: an int, or `(height, width)`.
        data_format: 'channels_last' (default) or 'channels_first'.
    """

    rank = 2


class AdaptiveAveragePooling3D(_AdaptivePooling):
    """Mean over adaptive windows of volumes, giving `output_size` along each spatial axis.

    Args:
        output_size: an int, or `(depth, height, width)`.
        data_format: 'channels_last' (default) or 'channels_first'.
    """

    rank = 3


class AdaptiveMaxPooling1D(_AdaptivePooling):
    """Max over adaptive windows of `(batch, steps, features)`. Args: as
    `AdaptiveAveragePooling1D`'s."""

    rank = 1
    _ops = _MAX


class AdaptiveMaxPooling2D(_AdaptivePooling):
    """Max over adaptive windows of images. Args: as `AdaptiveAveragePooling2D`'s."""

    rank = 2
    _ops = _MAX


class AdaptiveMaxPooling3D(_AdaptivePooling):
    """Max over adaptive windows of volumes. Args: as `AdaptiveAveragePooling3D`'s."""

    rank = 3
    _ops = _MAX
