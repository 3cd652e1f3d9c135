"""`MonitorCallback`: the shared 'is this epoch an improvement?' logic of EarlyStopping,
ReduceLROnPlateau and ModelCheckpoint, including how mode='auto' picks min or max.

Example:
    >>> metric_direction("val_accuracy")
    'max'
    >>> metric_direction("val_loss")
    'min'
"""

from __future__ import annotations

import numbers
import operator
import re
import warnings
from typing import Any

from deepfit.callbacks.callback import Callback

# Keras's built-in metrics and the direction each declares ('up' → max, 'down' → min).
_MAX_NAMES = frozenset(
    {
        "accuracy", "acc", "binary_accuracy", "categorical_accuracy",
        "sparse_categorical_accuracy", "top_k_categorical_accuracy",
        "sparse_top_k_categorical_accuracy", "precision", "recall", "auc", "prc",
        "precision_at_recall", "recall_at_precision", "sensitivity_at_specificity",
        "specificity_at_sensitivity", "f1_score", "fbeta_score", "r2_score",
        "cosine_similarity", "pearson_correlation", "concordance_correlation",
        "iou", "mean_iou", "binary_iou", "one_hot_iou", "one_hot_mean_iou",
    }
)  # fmt: skip
_MIN_NAMES = frozenset(
    {
        "loss", "mean_squared_error", "mse", "mean_absolute_error", "mae",
        "mean_absolute_percentage_error", "mape", "mean_squared_logarithmic_error", "msle",
        "root_mean_squared_error", "rmse", "logcosh", "hinge", "squared_hinge",
        "categorical_hinge", "binary_crossentropy", "categorical_crossentropy",
        "sparse_categorical_crossentropy",
    }
)  # fmt: skip
_UNIQUE_SUFFIX = re.compile(r"_\d+$")


def metric_direction(monitor: str, model: Any = None) -> str | None:
    """Whether a monitored quantity should go down ('min') or up ('max'), as Keras decides.

    The model's own metrics are asked first (a `_direction` of 'up' or 'down', as Keras
    metrics carry); then the names of Keras's built-in metrics and losses are recognised,
    also behind an output prefix ('out_accuracy') or a uniquifying suffix ('auc_1').

    Args:
        monitor: the log key, e.g. 'val_loss' or 'accuracy'.
        model: optionally, a model whose `metrics` declare their direction.

    Returns:
        'min', 'max', or None when the direction cannot be told.

    Example:
        >>> metric_direction("val_auc_2")
        'max'
    """
    name = monitor.removeprefix("val_")
    declared = _declared_direction(name, model)
    if declared is not None:
        return declared
    base = _UNIQUE_SUFFIX.sub("", name)
    for candidates, direction in ((_MAX_NAMES, "max"), (_MIN_NAMES, "min")):
        if name in candidates or base in candidates:
            return direction
    for candidates, direction in ((_MAX_NAMES, "max"), (_MIN_NAMES, "min")):
        if any(base.endswith("_" + known) for known in candidates):
            return direction
    return None


def _declared_direction(name: str, model: Any) -> str | None:
    for metric in _all_metrics(getattr(model, "metrics", None) if model is not None else None):
        direction = getattr(metric, "_direction", None) or getattr(metric, "direction", None)
        if getattr(metric, "name", None) == name and direction in ("up", "down"):
            return "max" if direction == "up" else "min"
    return None


def _all_metrics(metrics: Any, depth: int = 0) -> list[Any]:
    # Containers (a compiled model's metric lists) hold their metrics in `.metrics`.
    if metrics is None or depth > 3 or not isinstance(metrics, (list, tuple)):
        return []
    found = []
    for metric in metrics:
        found.append(metric)
        found.extend(_all_metrics(getattr(metric, "metrics", None), depth + 1))
    return found


class MonitorCallback(Callback):
    """Base class for callbacks watching one logged quantity for improvement.

    Args:
        monitor: the log key to watch.
        mode: 'min', 'max', or 'auto' to infer the direction from the name (an unknown mode
            warns and falls back to 'auto', as in Keras).
        baseline: initial best value, or None to take the first value seen.
        min_delta: the smallest change that counts as an improvement.

    Raises:
        ValueError: at the first epoch end, if mode='auto' cannot tell the direction.

    Example:
        >>> class PrintBest(MonitorCallback):
        ...     def on_epoch_end(self, epoch, logs=None):
        ...         if self.monitor_op is None:
        ...             self._set_monitor_op()
        ...         if self._is_improvement(to_float(logs[self.monitor]), self.best):
        ...             self.best = to_float(logs[self.monitor])
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        mode: str = "auto",
        baseline: float | None = None,
        min_delta: float = 0,
    ) -> None:
        super().__init__()
        if not isinstance(monitor, str):
            raise TypeError(
                f"{type(self).__name__}: monitor must be a log key (str), received {monitor!r}"
            )
        if mode not in ("auto", "min", "max"):
            warnings.warn(
                f"{type(self).__name__} mode '{mode}' is unknown, fallback to auto mode.",
                stacklevel=2,
            )
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(_number(min_delta, "min_delta", type(self).__name__))
        self.monitor_op: Any = None

    def _set_monitor_op(self) -> None:
        direction = self.mode if self.mode != "auto" else metric_direction(self.monitor, self.model)
        if direction is None:
            raise ValueError(
                f"{type(self).__name__} callback received monitor={self.monitor}, but deepfit "
                "isn't able to automatically determine whether that metric should be maximized "
                "or minimized. Pass `mode='max'` in order to monitor based on the highest metric "
                "value, or pass `mode='min'` in order to use the lowest value."
            )
        self.monitor_op = operator.lt if direction == "min" else operator.gt
        if direction == "min":
            self.min_delta *= -1

    def _is_improvement(self, monitor_value: float, reference_value: float | None) -> bool:
        if reference_value is None:
            return True
        return bool(self.monitor_op(monitor_value - self.min_delta, reference_value))


def _number(value: Any, argument: str, owner: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {argument} must be a number, received {value!r}")
    return float(value)
