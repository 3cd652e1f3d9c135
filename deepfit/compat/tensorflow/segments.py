"""`tf.math.unsorted_segment_sum/mean/max/min/prod/sqrt_n`: reductions of the rows of `data`
grouped by `segment_ids` (keras-io's traffic forecasting graph network aggregates each node's
neighbours with them), TensorFlow's rules: `segment_ids` may cover the first axes of `data`;
the result has `num_segments` rows; a negative id drops its row; an empty segment gets 0 (sum,
mean, sqrt_n), 1 (prod), the dtype's lowest value (max) or highest (min).

Example:
    >>> unsorted_segment_sum([[1, 2], [3, 4], [5, 6]], [1, 0, 1], 2).tolist()
    [[3, 4], [6, 8]]
"""

from __future__ import annotations

from typing import Any

import torch

from deepfit.compat.tensorflow.eager import for_user_functions
from deepfit.compat.tensorflow.ops import convert_to_tensor

__all__ = ["unsorted_segment_max", "unsorted_segment_mean", "unsorted_segment_min",
           "unsorted_segment_prod", "unsorted_segment_sqrt_n", "unsorted_segment_sum"]


def _prepared(data: Any, segment_ids: Any, num_segments: Any,
              function: str) -> tuple[torch.Tensor, torch.Tensor, int]:
    """The rows of `data` (flattened over the axes `segment_ids` covers) that have a segment,
    their ids, and the number of segments."""
    values, ids = convert_to_tensor(data), convert_to_tensor(segment_ids).long()
    count = int(num_segments)
    if tuple(values.shape[:ids.dim()]) != tuple(ids.shape):
        raise ValueError(f"tf.math.{function}: segment_ids.shape = {tuple(ids.shape)} does not "
                         f"prefix data.shape = {tuple(values.shape)}")
    values = values.reshape(-1, *values.shape[ids.dim():])
    ids = ids.reshape(-1).to(values.device)
    if bool((ids >= count).any()):
        raise ValueError(f"tf.math.{function}: segment_ids must be < num_segments = {count}, "
                         f"received {int(ids.max())}")
    keep = ids >= 0
    return values[keep], ids[keep], count


def _reduce(values: torch.Tensor, ids: torch.Tensor, count: int, reduce: str,
            empty: Any) -> torch.Tensor:
    out = torch.full((count, *values.shape[1:]), empty, dtype=values.dtype, device=values.device)
    index = ids.reshape(-1, *([1] * (values.dim() - 1))).expand_as(values)
    if reduce == "sum":
        return out.scatter_add(0, index, values)
    return out.scatter_reduce(0, index, values, reduce=reduce, include_self=False)


def _extreme(dtype: torch.dtype, lowest: bool) -> Any:
    info = torch.finfo(dtype) if dtype.is_floating_point else torch.iinfo(dtype)
    return info.min if lowest else info.max


def unsorted_segment_sum(data: Any, segment_ids: Any, num_segments: Any,
                         name: str | None = None) -> torch.Tensor:
    """The sum of the rows of each segment (0 for an empty one)."""
    values, ids, count = _prepared(data, segment_ids, num_segments, "unsorted_segment_sum")
    return _reduce(values, ids, count, "sum", 0)


def unsorted_segment_prod(data: Any, segment_ids: Any, num_segments: Any,
                          name: str | None = None) -> torch.Tensor:
    """The product of the rows of each segment (1 for an empty one)."""
    values, ids, count = _prepared(data, segment_ids, num_segments, "unsorted_segment_prod")
    return _reduce(values, ids, count, "prod", 1)


def unsorted_segment_max(data: Any, segment_ids: Any, num_segments: Any,
                         name: str | None = None) -> torch.Tensor:
    """The maximum of the rows of each segment (the dtype's lowest value for an empty one)."""
    values, ids, count = _prepared(data, segment_ids, num_segments, "unsorted_segment_max")
    return _reduce(values, ids, count, "amax", _extreme(values.dtype, lowest=True))


def unsorted_segment_min(data: Any, segment_ids: Any, num_segments: Any,
                         name: str | None = None) -> torch.Tensor:
    """The minimum of the rows of each segment (the dtype's highest value for an empty one)."""
    values, ids, count = _prepared(data, segment_ids, num_segments, "unsorted_segment_min")
    return _reduce(values, ids, count, "amin", _extreme(values.dtype, lowest=False))


def _counts(ids: torch.Tensor, count: int, values: torch.Tensor) -> torch.Tensor:
    counts = torch.zeros(count, dtype=values.dtype, device=values.device).scatter_add(
        0, ids, torch.ones_like(ids, dtype=values.dtype))
    return counts.clamp(min=1).reshape(-1, *([1] * (values.dim() - 1)))


def unsorted_segment_mean(data: Any, segment_ids: Any, num_segments: Any,
                          name: str | None = None) -> torch.Tensor:
    """The mean of the rows of each segment (0 for an empty one)."""
    values, ids, count = _prepared(data, segment_ids, num_segments, "unsorted_segment_mean")
    return _reduce(values, ids, count, "sum", 0) / _counts(ids, count, values)


def unsorted_segment_sqrt_n(data: Any, segment_ids: Any, num_segments: Any,
                            name: str | None = None) -> torch.Tensor:
    """The sum of the rows of each segment over the square root of their count."""
    values, ids, count = _prepared(data, segment_ids, num_segments, "unsorted_segment_sqrt_n")
    return _reduce(values, ids, count, "sum", 0) / _counts(ids, count, values).sqrt()


for_user_functions(globals())
