"""`keras.ops.image.map_coordinates` and the 2-D resampler under the image warps: values read
at fractional coordinates by nearest-neighbour or linear interpolation, with points outside the
input placed back in it per `fill_mode`, exactly as Keras's (scipy's) rules:

- 'constant': outside points read `fill_value` (per interpolation corner);
- 'nearest': the edge value extends (a a a a | a b c d | d d d d);
- 'wrap': the input repeats (a b c d | a b c d | a b c d);
- 'mirror': reflected about the edge pixels' centers (d c b | a b c d | c b a);
- 'reflect': reflected about the edges (d c b a | a b c d | d c b a).

Example:
    >>> from deepfit import ops
    >>> ops.image.map_coordinates(torch.tensor([1.0, 2.0, 3.0]), [torch.tensor([0.5])], order=1)
    tensor([1.5000])
"""

from __future__ import annotations

import functools
import itertools
import operator
from collections.abc import Callable
from typing import Any

import torch

from deepfit.ops.core import convert_to_tensor as _t
from deepfit.ops.symbolic import op

__all__ = ["FILL_MODES", "map_coordinates", "sample_2d"]

FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


def _mirror(index: torch.Tensor, size: int) -> torch.Tensor:
    period = size - 1
    if period == 0:
        return torch.zeros_like(index)
    return ((index + period) % (2 * period) - period).abs()


def _reflect(index: torch.Tensor, size: int) -> torch.Tensor:
    return torch.div(_mirror(2 * index + 1, 2 * size + 1) - 1, 2, rounding_mode="floor")


_FIXERS: dict[str, Callable[[torch.Tensor, int], torch.Tensor]] = {
    "constant": lambda index, size: index.clamp(0, size - 1),
    "nearest": lambda index, size: index.clamp(0, size - 1),
    "wrap": lambda index, size: index % size,
    "mirror": _mirror,
    "reflect": _reflect,
}


def check_fill_mode(name: str, fill_mode: str) -> None:
    """A ValueError naming the op unless `fill_mode` is one of `FILL_MODES`."""
    if fill_mode not in FILL_MODES:
        raise ValueError(f"{name}: invalid value for argument `fill_mode`. Expected one of "
                         f"{list(FILL_MODES)}. Received: fill_mode={fill_mode}")


def _nodes(coordinate: torch.Tensor, order: int) -> list[tuple[torch.Tensor, Any]]:
    """The interpolation nodes along one axis: (integer index, weight) pairs."""
    if order == 0:
        rounded = coordinate if not coordinate.is_floating_point() else torch.round(coordinate)
        return [(rounded.to(torch.int64), 1)]
    lower = torch.floor(coordinate)
    upper_weight = coordinate - lower
    index = lower.to(torch.int64)
    return [(index, 1 - upper_weight), (index + 1, upper_weight)]


def _axis_nodes(coordinate: torch.Tensor, size: int, order: int, fill_mode: str
                ) -> list[tuple[torch.Tensor, Any, torch.Tensor | None]]:
    """(fixed index, weight, validity or None) per node along one axis."""
    fixer = _FIXERS[fill_mode]
    return [(fixer(index, size), weight,
             ((index >= 0) & (index < size)) if fill_mode == "constant" else None)
            for index, weight in _nodes(coordinate, order)]


def _combine(values: list[tuple[Any, torch.Tensor]], integer: bool, dtype: torch.dtype
             ) -> torch.Tensor:
    result = functools.reduce(operator.add, [w * v for w, v in values])
    if integer and result.is_floating_point():
        result = torch.round(result)
    return result.to(dtype)


@op
def map_coordinates(inputs: Any, coordinates: Any, order: int, fill_mode: str = "constant",
                    fill_value: float = 0.0) -> torch.Tensor:
    """The input's values at the given (fractional) coordinates, one coordinate array per axis.

    Args:
        inputs: an n-D tensor.
        coordinates: n arrays of one shape (or an (n, ...) array): the points to read.
        order: 0 (nearest neighbour) or 1 (linear).
        fill_mode: 'constant' (default), 'nearest', 'wrap', 'mirror' or 'reflect'.
        fill_value: the value outside the input for 'constant'.

    Returns:
        The values, shaped like one coordinate array, in the input's dtype.

    Example:
        >>> map_coordinates(torch.arange(4.0), [torch.tensor([-1.0, 4.0])], 0, "wrap")
        tensor([3., 0.])
    """
    source = _t(inputs)
    coords = [_t(c) for c in coordinates]
    if len(coords) != source.dim():
        raise ValueError(f"map_coordinates: first dim of `coordinates` must be the same as the "
                         f"rank of `inputs`. Received inputs with shape: {tuple(source.shape)} "
                         f"and coordinate leading dim of {len(coords)}")
    if coords[0].dim() < 1:
        raise ValueError(f"map_coordinates: invalid coordinates rank: expected at least rank 2. "
                         f"Received input with shape: {(len(coords), *coords[0].shape)}")
    check_fill_mode("map_coordinates", fill_mode)
    if order not in (0, 1):
        raise NotImplementedError("map_coordinates currently requires order<=1")
    integer = not source.is_floating_point()
    axes = [_axis_nodes(c, size, order, fill_mode) for c, size in zip(coords, source.shape)]
    terms = []
    for corner in itertools.product(*axes):
        indices, weights, valid = zip(*corner)
        value = source[indices]
        masks = [m for m in valid if m is not None]
        if masks:
            fill = torch.as_tensor(int(fill_value) if integer else fill_value,
                                   dtype=source.dtype, device=source.device)
            value = torch.where(functools.reduce(operator.and_, masks), value, fill)
        terms.append((functools.reduce(operator.mul, weights), value))
    return _combine(terms, integer, source.dtype)


def sample_2d(images: torch.Tensor, rows: torch.Tensor, cols: torch.Tensor, order: int,
              fill_mode: str = "constant", fill_value: float = 0.0) -> torch.Tensor:
    """Each image of an NHWC batch read at its own (rows, cols) points, every channel alike.

    Equal to `map_coordinates` per image and channel, without a Python loop over them.

    Args:
        images: (n, h, w, c).
        rows, cols: (n, ...) fractional coordinates.
        order, fill_mode, fill_value: as for `map_coordinates`.

    Returns:
        (n, ..., c) in the images' dtype.
    """
    batch, height, width, _ = images.shape
    integer = not images.is_floating_point()
    sample = torch.arange(batch, device=images.device).reshape((batch,) + (1,) * (rows.dim() - 1))
    fill = torch.as_tensor(int(fill_value) if integer else fill_value, dtype=images.dtype,
                           device=images.device)
    terms = []
    for (row, row_w, row_ok), (col, col_w, col_ok) in itertools.product(
            _axis_nodes(rows, height, order, fill_mode), _axis_nodes(cols, width, order,
                                                                    fill_mode)):
        value = images[sample, row, col]
        if row_ok is not None:
            value = torch.where((row_ok & col_ok)[..., None], value, fill)
        weight = row_w * col_w
        terms.append((weight[..., None] if isinstance(weight, torch.Tensor) else weight, value))
    return _combine(terms, integer, images.dtype)
