"""The baseline a model must beat: the compiled loss of the best constant prediction — the class
frequencies for crossentropies, the median for absolute errors, the mean otherwise.

`diagnose()` calls a run underfitting when its loss stays close to this number. fit computes it
once, before the first epoch, from the training targets (at most `MAX_ROWS` of them, evenly
spaced, so sorted data is still represented).

Example:
    >>> baseline_loss(model, batches)   # after compile, on the training batches
    (0.6931, 'class_frequencies')
"""

from __future__ import annotations

import math
from typing import Any

import torch

from deepfit import losses

MAX_ROWS = 50_000
_EPS = 1e-7


def baseline_loss(model: Any, batches: Any, y_pred: Any = None
                  ) -> tuple[float | None, str | None]:
    """The loss of a constant prediction on the training targets.

    Args:
        model: a compiled, built model.
        batches: the training batches (`ArrayBatches` use all targets, other data its first
            batch).
        y_pred: the model's outputs on the first batch, when the caller has them (None: run
            the model on it).

    Returns:
        `(loss, kind)` with kind 'class_frequencies', 'mean' or 'median' (the kind of the
        first output's constant), or `(None, None)` when there are no targets or the loss does
        not accept a constant prediction (a custom loss, say).
    """
    compiled = getattr(model, "compiled_loss", None)
    x, y_first, _ = batches.first_batch()
    y = getattr(batches, "y", None)
    y = y_first if y is None else y
    if compiled is None or y is None:
        return None, None
    with torch.no_grad():
        if y_pred is None:
            y_pred = model(x, training=False)
        pairs = compiled.flat_targets(y, y_pred)
        total, kinds = 0.0, []
        for (target, prediction), loss_fn, weight in zip(pairs, compiled.losses,
                                                         compiled.weights):
            if loss_fn is None or target is None:
                continue
            value, kind = _one_output(loss_fn, target, prediction)
            if value is None:
                return None, None
            total += weight * value
            kinds.append(kind)
    if not kinds or not math.isfinite(total):
        return None, None
    return total, kinds[0]


def _one_output(loss_fn: Any, target: Any, prediction: Any) -> tuple[float | None, str]:
    if not isinstance(target, torch.Tensor) or not isinstance(prediction, torch.Tensor):
        return None, ""
    target = _evenly_spaced(target)
    name = loss_name(loss_fn)
    if isinstance(loss_fn, losses.AutoCrossentropy):
        name = losses.resolve_crossentropy(target, prediction).__name__
    from_logits = bool(getattr(loss_fn, "from_logits", False))
    try:
        if name == "sparse_categorical_crossentropy":
            constant, kind = _frequencies(target, prediction), "class_frequencies"
            constant = constant.clamp_min(_EPS).log() if from_logits else constant
        else:
            constant, kind = _column_statistic(target, prediction, name)
            if from_logits and name in ("binary_crossentropy", "categorical_crossentropy"):
                constant = _to_logits(constant, name)
        if name in ("binary_crossentropy", "categorical_crossentropy"):
            kind = "class_frequencies"
        shape = (target.shape[0], *prediction.shape[1:])
        value = loss_fn(target, constant.expand(shape))
    except (RuntimeError, ValueError, TypeError, IndexError):
        # The baseline is advisory: a loss that rejects a constant guess simply has none.
        return None, ""
    return float(value), kind


def loss_name(loss_fn: Any) -> str:
    """The Keras function name behind a compiled loss ('binary_crossentropy', 'mse' → ...)."""
    fn = getattr(loss_fn, "fn", None)
    name = getattr(fn, "__name__", None) or getattr(loss_fn, "name", "") or ""
    aliases = {"mse": "mean_squared_error", "mae": "mean_absolute_error"}
    return aliases.get(name, name)


def _evenly_spaced(target: torch.Tensor) -> torch.Tensor:
    rows = target.shape[0]
    if rows <= MAX_ROWS:
        return target
    step = math.ceil(rows / MAX_ROWS)
    return target[::step]


def _frequencies(target: torch.Tensor, prediction: torch.Tensor) -> torch.Tensor:
    classes = prediction.shape[-1]
    labels = target.reshape(-1).long().clamp(0, classes - 1)
    counts = torch.bincount(labels, minlength=classes).to(prediction.dtype)
    return counts / counts.sum()


def _column_statistic(target: torch.Tensor, prediction: torch.Tensor,
                      name: str) -> tuple[torch.Tensor, str]:
    values = target.to(prediction.dtype)
    if name == "mean_absolute_error":
        constant, kind = values.median(dim=0).values, "median"
    else:
        constant, kind = values.mean(dim=0), "mean"
    trailing = prediction.shape[1:]
    if constant.dim() < len(trailing):
        constant = constant.reshape(*constant.shape, *[1] * (len(trailing) - constant.dim()))
    elif constant.dim() > len(trailing):
        constant = constant.reshape(trailing)
    return constant.unsqueeze(0), kind


def _to_logits(probabilities: torch.Tensor, name: str) -> torch.Tensor:
    p = probabilities.clamp(_EPS, 1 - _EPS)
    return torch.log(p / (1 - p)) if name == "binary_crossentropy" else torch.log(p)
