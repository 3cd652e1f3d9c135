"""RMSNormalization: scales each sample by the reciprocal root mean square over `axis` and a
learned `scale`, as Keras's layer (Zhang & Sennrich, 2019): `x * rsqrt(mean(x**2) + epsilon) *
scale`, with no centering and no offset.

Example:
    >>> RMSNormalization()(torch.randn(2, 5, 8)).shape
    torch.Size([2, 5, 8])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F

from deepfit.layers.layer import Layer
from deepfit.layers.normalization import _check_number, _incompatible

_HALF_TYPES = (torch.float16, torch.bfloat16)


class RMSNormalization(Layer):
    """Root-mean-square normalization over `axis`, times a learned `scale` (ones at first).

    Args:
        axis: the axis or axes (a list/tuple) to normalize over, which `scale` spans; -1 by
            default. After building, the config reports them as a sorted list, as Keras's does.
        epsilon: added to the mean square before the square root, 1e-6 by default.

    Example:
        >>> layer = RMSNormalization(axis=[1, 2])
        >>> tuple(layer(torch.randn(2, 3, 4)).shape), tuple(layer.scale.shape)
        ((2, 3, 4), (3, 4))
    """

    supports_masking = True

    def __init__(self, axis: int | Sequence[int] = -1, epsilon: float = 1e-6,
                 **kwargs: Any) -> None:
        if isinstance(axis, (list, tuple)) and all(
                isinstance(a, int) and not isinstance(a, bool) for a in axis):
            axis = list(axis)
        elif isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError(f"RMSNormalization: axis must be an int or a list/tuple of ints, "
                            f"received {axis!r}")
        super().__init__(**kwargs)
        self.axis: int | list[int] = axis
        self.epsilon = _check_number("RMSNormalization", "epsilon", epsilon)

    def build(self, input_shape: tuple) -> None:
        ndim = len(input_shape)
        given = self.axis if isinstance(self.axis, list) else [self.axis]
        if any(not -ndim <= a < ndim for a in given):
            raise ValueError(f"RMSNormalization '{self.name}': axis {self.axis} is out of bounds "
                             f"for input shape {tuple(input_shape)}")
        axes = sorted(given) if isinstance(self.axis, list) else given
        shape = tuple(input_shape[a] for a in axes)
        if None in shape:
            raise ValueError(f"RMSNormalization '{self.name}': the normalized axes must have "
                             f"known sizes, received input shape {tuple(input_shape)}")
        self.axis = axes  # Keras keeps a list (sorted when several were given)
        self._dims = sorted(a % ndim for a in axes)
        # `scale` spans the axes in `self.axis`'s order (which -1 may lead): its axes in order
        self._scale_order = sorted(range(len(axes)), key=lambda i: axes[i] % ndim)
        self._ndim, self._shape = ndim, tuple(input_shape[d] for d in self._dims)
        self.add_weight("scale", shape, "ones")
        self.built = True

    def call(self, inputs: torch.Tensor) -> torch.Tensor:
        if inputs.dim() != self._ndim or tuple(inputs.shape[d] for d in self._dims) != (
                self._shape):
            raise _incompatible(self, f"expected axes {self.axis} of input shape to have values "
                                      f"{self._shape}", inputs)
        x = inputs.float() if inputs.dtype in _HALF_TYPES else inputs
        trailing = list(range(self._ndim - len(self._dims), self._ndim))
        scale = self.scale.permute(self._scale_order)
        if self._dims == trailing:
            outputs = F.rms_norm(x, self._shape, scale, self.epsilon)
        else:
            moved = x.movedim(self._dims, trailing)
            outputs = F.rms_norm(moved, self._shape, scale, self.epsilon).movedim(
                trailing, self._dims)
        return outputs.to(inputs.dtype)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}
