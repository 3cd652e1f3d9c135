"""UnitNormalization: scales each sample to an L2 norm of 1 over `axis`, as Keras's layer.

Keras computes `x * min(rsqrt(sum(x**2)), 1e12)`: a zero vector stays zero instead of
becoming NaN.

Example:
    >>> out = UnitNormalization()(np.array([[3.0, 4.0]], "float32"))
    >>> out.tolist()
    [[0.6000000238418579, 0.800000011920929]]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from deepfit.layers.layer import Layer

# Keras's lower bound on the norm (`ops.normalize(..., epsilon=1e-12)`)
_EPSILON = 1e-12
_HALF_TYPES = (torch.float16, torch.bfloat16)


class UnitNormalization(Layer):
    """Divides each sample by its L2 norm over `axis`, so that norm becomes 1.

    Args:
        axis: the axis or axes (a list/tuple of ints) the norm runs over, -1 by default.

    Example:
        >>> layer = UnitNormalization(axis=[1, 2])
        >>> float(layer(torch.ones(2, 3, 4)).square().sum(dim=(1, 2))[0])
        1.0
    """

    supports_masking = True

    def __init__(self, axis: int | Sequence[int] = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)) and all(
                isinstance(a, int) and not isinstance(a, bool) for a in axis):
            self.axis: int | list[int] = list(axis)
        elif isinstance(axis, int) and not isinstance(axis, bool):
            self.axis = axis
        else:
            raise TypeError(f"Invalid value for `axis` argument: expected an int or a "
                            f"list/tuple of ints. Received: axis={axis!r} (UnitNormalization)")

    def _dims(self, rank: int) -> tuple[int, ...]:
        axes = [self.axis] if isinstance(self.axis, int) else self.axis
        for axis in axes:
            if not -rank <= axis < rank:
                raise ValueError(f"UnitNormalization '{self.name}': axis {self.axis} is out of "
                                 f"bounds for an input of rank {rank}")
        return tuple(axes)

    def build(self, input_shape: tuple) -> None:
        self._dims(len(input_shape))
        self.built = True

    def call(self, inputs: torch.Tensor) -> torch.Tensor:
        x = inputs.float() if inputs.dtype in _HALF_TYPES or not inputs.is_floating_point() \
            else inputs
        squares = x.square().sum(dim=self._dims(x.dim()), keepdim=True)
        factor = torch.clamp(torch.rsqrt(squares), max=1.0 / _EPSILON)
        outputs = x * factor
        return outputs.to(inputs.dtype) if inputs.dtype in _HALF_TYPES else outputs

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        self._dims(len(input_shape))
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis}
