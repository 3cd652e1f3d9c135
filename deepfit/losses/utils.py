"""Tensor helpers and Keras's reduction of weighted per-sample loss values."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import torch

from deepfit import config
from deepfit.identifiers import valid_names
from deepfit.ops import numpy_bridge

REDUCTIONS = ("sum_over_batch_size", "sum", None, "none", "mean", "mean_with_sample_weight")
LOGITS_ATTR = "_keras_logits"

_FUNCTIONS: dict[str, Any] = {}  # loss functions and their aliases
_CLASSES: dict[str, Any] = {}  # Loss classes by class name


# --------------------------------------------------------------------------- tensor helpers


def _float_tensor(x: Any, dtype: torch.dtype | None = None) -> torch.Tensor:
    """`x` as a floating tensor (its own float dtype unless `dtype`), keeping attached logits."""
    tensor = x if isinstance(x, torch.Tensor) else numpy_bridge.as_tensor(x)
    if dtype is None:
        dtype = tensor.dtype if tensor.is_floating_point() else torch.float32
    return _map_pred(x, tensor, lambda t: t.to(dtype))


def _map_pred(original: Any, tensor: torch.Tensor, fn: Callable) -> torch.Tensor:
    """Apply a shape/dtype/device transform to a prediction and to the logits it carries."""
    out = fn(tensor)
    logits = getattr(original, LOGITS_ATTR, None)
    if logits is not None and out is not original:
        setattr(out, LOGITS_ATTR, fn(logits))
    return out


def _labels_like(y_true: Any, y_pred: torch.Tensor) -> torch.Tensor:
    return numpy_bridge.as_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)


def _logits(y_pred: torch.Tensor, from_logits: bool) -> torch.Tensor | None:
    """The logits to compute from: `y_pred` itself, the attached ones, or None (probabilities)."""
    if from_logits:
        return y_pred
    return getattr(y_pred, LOGITS_ATTR, None)


def squeeze_or_expand_to_same_rank(
    x1: torch.Tensor, x2: torch.Tensor, expand_rank_1: bool = True
) -> tuple[torch.Tensor, torch.Tensor]:
    """Squeeze or expand the last axis when the ranks differ by exactly one (Keras's rule).

    Args:
        x1: first tensor.
        x2: second tensor.
        expand_rank_1: expand a rank-1 tensor rather than squeeze the other one.

    Returns:
        The pair, with equal ranks where a trailing axis of size 1 allowed it.

    Example:
        >>> a, b = squeeze_or_expand_to_same_rank(torch.zeros(4), torch.zeros(4, 1))
        >>> a.shape
        torch.Size([4, 1])
    """
    r1, r2 = x1.dim(), x2.dim()
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = x2.unsqueeze(-1)
        else:
            x1 = x1.squeeze(-1)
    elif r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = x1.unsqueeze(-1)
        else:
            x2 = x2.squeeze(-1)
    return x1, x2


def _align(y_true: Any, y_pred: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """Float prediction, labels in its dtype/device, ranks aligned; logits follow the prediction."""
    pred = _float_tensor(y_pred)
    true = _labels_like(y_true, pred)
    new_true, new_pred = squeeze_or_expand_to_same_rank(true, pred)
    if new_pred is not pred:
        new_pred = _map_pred(pred, pred, lambda t: squeeze_or_expand_to_same_rank(true, t)[1])
    return new_true, new_pred


def _divide_no_nan(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return torch.where(b == 0, torch.zeros_like(a), a / torch.where(b == 0, torch.ones_like(b), b))


# ----------------------------------------------------------------------------- reduction


def _standardize_reduction(reduction: Any) -> str | None:
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"reduction: expected one of {list(REDUCTIONS)}, received {reduction!r}"
        )
    return reduction


def _merge_mask(
    sample_weight: torch.Tensor | None, mask: torch.Tensor, reduction: str | None, dtype
) -> torch.Tensor:
    """Keras's `apply_mask`: masked entries weigh 0; for means the rest weigh `total / valid`."""
    if reduction in ("mean", "sum_over_batch_size"):
        valid = torch.sum(mask.to(dtype))
        scale = torch.where(valid > 0, mask.numel() / torch.clamp(valid, min=1.0), 0.0)
        float_mask = torch.where(mask.bool(), scale, 0.0)
    else:
        float_mask = mask.to(dtype)
    if sample_weight is None:
        return float_mask
    float_mask, sample_weight = squeeze_or_expand_to_same_rank(float_mask, sample_weight)
    return sample_weight * float_mask


def reduce_weighted_values(
    values: torch.Tensor,
    sample_weight: Any = None,
    mask: torch.Tensor | None = None,
    reduction: str | None = "sum_over_batch_size",
) -> torch.Tensor:
    """Weight per-sample loss values and reduce them exactly as Keras's `Loss` does.

    Args:
        values: per-sample losses.
        sample_weight: None, a scalar, or weights broadcastable from the batch axis.
        mask: optional boolean mask of `values` (entries that count).
        reduction: 'sum_over_batch_size' / 'mean' (sum divided by the number of elements),
            'sum', 'mean_with_sample_weight' (sum divided by the sum of weights), or
            None / 'none' (no reduction).

    Returns:
        The reduced loss (a 0-d tensor unless the reduction is None/'none').

    Example:
        >>> reduce_weighted_values(torch.tensor([1.0, 3.0]), torch.tensor([1.0, 0.0]))
        tensor(0.5000)
    """
    reduction = _standardize_reduction(reduction)
    weight = None
    if sample_weight is not None:
        weight = torch.as_tensor(sample_weight, dtype=values.dtype, device=values.device)
    if mask is not None:
        weight = _merge_mask(weight, mask, reduction, values.dtype)
    if weight is not None:
        values, weight = squeeze_or_expand_to_same_rank(values, weight)
        if 0 < weight.dim() < values.dim():
            # Per-sample weights of a per-timestep loss align with the batch axis.
            weight = weight.reshape(weight.shape + (1,) * (values.dim() - weight.dim()))
        values = values * weight
    if reduction in (None, "none") or values.dim() == 0 or tuple(values.shape) == (0,):
        return values
    loss = torch.sum(values)
    if reduction == "sum":
        return loss
    if reduction == "mean_with_sample_weight" and weight is not None:
        return _divide_no_nan(loss, torch.sum(weight))
    count = values.numel()
    return loss / count if count else torch.zeros_like(loss)


# ----------------------------------------------------------------------------- classes


def _snake_case(name: str) -> str:
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _resolve_dtype(dtype: Any) -> torch.dtype:
    if dtype is None:
        dtype = config.floatx()
    if isinstance(dtype, torch.dtype):
        return dtype
    resolved = getattr(torch, str(dtype), None)
    if not isinstance(resolved, torch.dtype) or not resolved.is_floating_point:
        raise ValueError(f"dtype: expected a float dtype such as 'float32', received {dtype!r}")
    return resolved



def _function_name(fn: Callable) -> str | Callable:
    name = getattr(fn, "__name__", None)
    return name if name is not None and _FUNCTIONS.get(name) is fn else fn


def _find_function(name: str) -> Callable:
    if name not in _FUNCTIONS:
        raise ValueError(
            f"Unknown loss function: {name!r}. Valid names: {valid_names(_FUNCTIONS)}"
        )
    return _FUNCTIONS[name]
