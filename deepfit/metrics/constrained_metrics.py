"""One rate at the best threshold that keeps another rate above a floor: sensitivity at a
specificity, specificity at a sensitivity, precision at a recall and recall at a precision,
from confusion counts at evenly spaced thresholds (Keras's `SensitivitySpecificityBase`).

Example:
    >>> m = PrecisionAtRecall(0.5, num_thresholds=5)
    >>> m.update_state([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9])
    >>> m.result()
    <tf.Tensor: shape=(), dtype=float32, numpy=1.0>
"""

from __future__ import annotations

from typing import Any

import torch

from deepfit.losses import _divide_no_nan
from deepfit.metrics.confusion_metrics import _ThresholdMetric
from deepfit.metrics.utils import _register_class

_COUNTS = (("tp", "true_positives"), ("fp", "false_positives"), ("tn", "true_negatives"),
           ("fn", "false_negatives"))


class _RateAtRate(_ThresholdMetric):
    """Confusion counts at `num_thresholds` thresholds spread over [0, 1], and the best
    `_maximized` rate among the thresholds where the `_constrained` rate reaches the value."""

    _direction = "up"
    _argument = "value"
    _constrained = "specificity"
    _maximized = "sensitivity"

    def __init__(self, value: float, num_thresholds: int = 200, class_id: int | None = None,
                 name: str | None = None, dtype: Any = None) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise ValueError(f"Argument `{self._argument}` must be in the range [0, 1]. "
                             f"Received: {self._argument}={value}")
        if isinstance(num_thresholds, bool) or not isinstance(num_thresholds, int) or (
                num_thresholds <= 0):
            raise ValueError("Argument `num_thresholds` must be an integer > 0. "
                             f"Received: num_thresholds={num_thresholds}")
        super().__init__(name=name, dtype=dtype)
        setattr(self, self._argument, value)
        self.value = value
        self.num_thresholds = num_thresholds
        self.class_id = class_id
        if num_thresholds == 1:
            self.thresholds, self._evenly = [0.5], False
        else:
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self.thresholds, self._evenly = [0.0] + inner + [1.0], True
        for _, state in _COUNTS:
            self.add_state(state, (len(self.thresholds),))

    @torch.no_grad()
    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        counts = self._batch_counts(y_true, y_pred, sample_weight, class_id=self.class_id)
        for key, state in _COUNTS:
            getattr(self, state).add_(counts[key])

    def _rates(self) -> dict[str, torch.Tensor]:
        tp, fp = self.state("true_positives"), self.state("false_positives")
        tn, fn = self.state("true_negatives"), self.state("false_negatives")
        recall = _divide_no_nan(tp, tp + fn)
        return {"sensitivity": recall, "recall": recall,
                "specificity": _divide_no_nan(tn, tn + fp),
                "precision": _divide_no_nan(tp, tp + fp)}

    def result(self) -> torch.Tensor:
        rates = self._rates()
        feasible = rates[self._constrained] >= self.value
        best = torch.where(feasible, rates[self._maximized], 0.0)
        return torch.clamp(best.max(), min=0.0)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "class_id": self.class_id,
                "num_thresholds": self.num_thresholds, self._argument: self.value}


@_register_class()
class SensitivityAtSpecificity(_RateAtRate):
    """The best sensitivity (recall) over the thresholds whose specificity is at least
    `specificity`.

    Args:
        specificity: the floor, in [0, 1].
        num_thresholds: thresholds evenly spread over [0, 1] (1 means just 0.5).
        class_id: compute the metric for this class (column) only.
        name: defaults to 'sensitivity_at_specificity'.
        dtype: the state dtype.
    """

    _argument, _constrained, _maximized = "specificity", "specificity", "sensitivity"

    def __init__(self, specificity: float, num_thresholds: int = 200,
                 class_id: int | None = None, name: str | None = None, dtype: Any = None):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)


@_register_class()
class SpecificityAtSensitivity(_RateAtRate):
    """The best specificity over the thresholds whose sensitivity is at least `sensitivity`.

    Args:
        sensitivity: the floor, in [0, 1].
        num_thresholds: thresholds evenly spread over [0, 1] (1 means just 0.5).
        class_id: compute the metric for this class (column) only.
        name: defaults to 'specificity_at_sensitivity'.
        dtype: the state dtype.
    """

    _argument, _constrained, _maximized = "sensitivity", "sensitivity", "specificity"

    def __init__(self, sensitivity: float, num_thresholds: int = 200,
                 class_id: int | None = None, name: str | None = None, dtype: Any = None):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)


@_register_class()
class PrecisionAtRecall(_RateAtRate):
    """The best precision over the thresholds whose recall is at least `recall`.

    Args:
        recall: the floor, in [0, 1].
        num_thresholds: thresholds evenly spread over [0, 1] (1 means just 0.5).
        class_id: compute the metric for this class (column) only.
        name: defaults to 'precision_at_recall'.
        dtype: the state dtype.
    """

    _argument, _constrained, _maximized = "recall", "recall", "precision"

    def __init__(self, recall: float, num_thresholds: int = 200, class_id: int | None = None,
                 name: str | None = None, dtype: Any = None):
        super().__init__(recall, num_thresholds, class_id, name, dtype)


@_register_class()
class RecallAtPrecision(_RateAtRate):
    """The best recall over the thresholds whose precision is at least `precision`.

    Args:
        precision: the floor, in [0, 1].
        num_thresholds: thresholds evenly spread over [0, 1] (1 means just 0.5).
        class_id: compute the metric for this class (column) only.
        name: defaults to 'recall_at_precision'.
        dtype: the state dtype.
    """

    _argument, _constrained, _maximized = "precision", "precision", "recall"

    def __init__(self, precision: float, num_thresholds: int = 200,
                 class_id: int | None = None, name: str | None = None, dtype: Any = None):
        super().__init__(precision, num_thresholds, class_id, name, dtype)
