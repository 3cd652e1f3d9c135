"""Reading a History as curves: which metrics it holds, the epoch (numbered from 1, as the
progress bar shows it) of each recorded value, and the best epoch of each curve.

Example:
    >>> metric_names(history)
    ['loss', 'accuracy']
    >>> epochs_of(history, "val_loss")
    [1, 2, 3]
"""

from __future__ import annotations

import math
from typing import Any

from deepfit.callbacks.monitor_callback import metric_direction


def metric_names(history: Any, metrics: list[str] | None = None) -> list[str]:
    """The metrics to show, 'loss' first: each training key (a 'val_' key stands for itself
    only when its training key is missing).

    Args:
        history: a `History` (anything with a `.history` dict of lists).
        metrics: restrict to these names (with or without 'val_').

    Returns:
        The base names, in order.

    Raises:
        ValueError: a requested metric that the history does not hold.
    """
    logs = history.history
    names: list[str] = []
    for key in (key for key, values in logs.items() if len(values)):
        base = key[4:] if key.startswith("val_") and key[4:] in logs else key
        if base not in names:
            names.append(base)
    names.sort(key=lambda name: (name != "loss", name.startswith("val_")))
    if metrics is None:
        return names
    chosen = []
    for name in metrics:
        base = name[4:] if name.startswith("val_") and name[4:] in logs else name
        if base not in names:
            raise ValueError(f"metrics: {name!r} is not in the history; it holds {names}")
        chosen.append(base)
    return chosen


def epochs_of(history: Any, key: str) -> list[int]:
    """The epoch number (from 1) of each value recorded under `key`.

    Validation values may be fewer than training values (`validation_freq`); they are then
    placed on every k-th epoch, or on the last epochs.
    """
    logs = history.history
    count = len(logs.get(key, []))
    all_epochs = _training_epochs(history)
    if count == len(all_epochs):
        return all_epochs
    if count and len(all_epochs) % count == 0:
        step = len(all_epochs) // count
        return all_epochs[step - 1::step]
    if count < len(all_epochs):
        return all_epochs[len(all_epochs) - count:]
    return list(range(1, count + 1))


def _training_epochs(history: Any) -> list[int]:
    lengths = [len(values) for key, values in history.history.items()
               if not key.startswith("val_")] or [0]
    count = max(lengths)
    recorded = list(getattr(history, "epoch", []) or [])
    if len(recorded) == count:
        return [int(epoch) + 1 for epoch in recorded]
    return list(range(1, count + 1))


def values_of(history: Any, key: str) -> list[float]:
    """The recorded values of `key` as floats (None and non-numbers become NaN)."""
    return [_as_float(value) for value in history.history.get(key, [])]


def _as_float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def direction(name: str) -> str:
    """'max' for metrics that improve upwards (accuracy, auc, ...), else 'min'."""
    return metric_direction(name) or "min"


def best_index(values: list[float], mode: str = "min") -> int | None:
    """The index of the best finite value (the first one on ties), None when there is none."""
    best = None
    for index, value in enumerate(values):
        if not math.isfinite(value):
            continue
        if best is None or (value < values[best] if mode == "min" else value > values[best]):
            best = index
    return best
