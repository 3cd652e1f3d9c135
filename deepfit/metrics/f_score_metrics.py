"""F-scores: the weighted harmonic mean of precision and recall, per class or averaged.

Example:
    >>> metric = F1Score(threshold=0.5)
    >>> metric.update_state([[1, 1, 1], [1, 0, 0], [1, 1, 0]],
    ...                     [[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]])
    >>> metric.result()
    <tf.Tensor: shape=(3,), dtype=float32, numpy=array([0.5, 0.8, 0.6666666], dtype=float32)>
"""

from __future__ import annotations

from typing import Any

import torch

from deepfit import config
from deepfit.backend.grad_mode import without_grad
from deepfit.metrics.base import Metric
from deepfit.metrics.utils import _register_class

_AVERAGES = (None, "micro", "macro", "weighted")
_COUNTS = ("true_positives", "false_positives", "false_negatives", "intermediate_weights")


@_register_class()
class FBetaScore(Metric):
    """`(1 + beta²) · precision · recall / (beta² · precision + recall)` over one-hot or
    multi-label targets `(batch, classes)`.

    Args:
        average: None (one score per class), 'micro' (from the counts of all classes
            together), 'macro' (the mean of the classes' scores) or 'weighted' (their mean
            weighted by each class's number of true samples).
        beta: how much more recall counts than precision (a float > 0).
        threshold: a prediction above it counts as positive; None: each row's largest
            score (if not 0) counts.
        name: defaults to 'fbeta_score'.
        dtype: the state dtype.
    """

    _direction = "up"

    def __init__(self, average: str | None = None, beta: float = 1.0,
                 threshold: float | None = None, name: str = "fbeta_score",
                 dtype: Any = None) -> None:
        cls = type(self).__name__
        if average not in _AVERAGES:
            raise ValueError(f"{cls}: invalid `average` argument value; expected one of None, "
                             f"'micro', 'macro', 'weighted', received average={average!r}")
        if not isinstance(beta, float) or beta <= 0.0:
            raise ValueError(f"{cls}: invalid `beta` argument value; expected a Python float "
                             f"> 0, received beta={beta!r} of type {type(beta).__name__}")
        if threshold is not None and (not isinstance(threshold, float)
                                      or not 0.0 < threshold <= 1.0):
            raise ValueError(f"{cls}: invalid `threshold` argument value; expected a Python "
                             f"float with 0 < threshold <= 1, received threshold="
                             f"{threshold!r} of type {type(threshold).__name__}")
        super().__init__(name=name, dtype=dtype)
        self.average, self.beta, self.threshold = average, beta, threshold

    @without_grad
    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        device = self.prepare(y_true, y_pred)
        y_true = self._tensor(y_true, device, self._dtype)
        y_pred = self._tensor(y_pred, device, self._dtype)
        if y_true.dim() != 2 or y_pred.dim() != 2:
            raise ValueError(f"{type(self).__name__} expects 2D inputs with shape (batch_size, "
                             f"output_dim). Received input shapes: y_pred.shape="
                             f"{tuple(y_pred.shape)} and y_true.shape={tuple(y_true.shape)}.")
        if not self._state_shapes:
            shape = () if self.average == "micro" else (y_pred.shape[-1],)
            for name in _COUNTS:
                self.add_state(name, shape)
            device = self.prepare(y_true, y_pred)
        if self.threshold is None:
            top = y_pred.amax(dim=-1, keepdim=True)
            positive = (y_pred >= top) & (y_pred.abs() > 1e-9)
        else:
            positive = y_pred > self.threshold
        predicted = positive.to(self._dtype)
        weight = None
        if sample_weight is not None:
            weight = self._tensor(sample_weight, device, self._dtype)
            weight = weight.reshape(*weight.shape, *[1] * (y_true.dim() - weight.dim()))
        axis = None if self.average == "micro" else 0
        for name, value in zip(_COUNTS, (predicted * y_true, predicted * (1 - y_true),
                                         (1 - predicted) * y_true, y_true)):
            weighted = value if weight is None else value * weight
            total = weighted.sum() if axis is None else weighted.sum(dim=axis)
            getattr(self, name).add_(total)

    def result(self) -> torch.Tensor:
        eps = config.epsilon()
        tp, fp, fn, support = (self.state(name) for name in _COUNTS)
        precision = tp / (tp + fp + eps)
        recall = tp / (tp + fn + eps)
        beta2 = self.beta ** 2
        score = precision * recall / (beta2 * precision + recall + eps) * (1 + beta2)
        if self.average == "weighted":
            return (score * support / (support.sum() + eps)).sum()
        if self.average is not None:
            return score.mean()
        return score

    def state(self, name: str) -> torch.Tensor:
        if not self._state_shapes:  # no batch yet: the per-class shape is not known
            return torch.zeros((), dtype=self._dtype)
        return super().state(name)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype, "average": self.average,
                "beta": self.beta, "threshold": self.threshold}


@_register_class()
class F1Score(FBetaScore):
    """The F-score with `beta = 1`: the harmonic mean of precision and recall.

    Args:
        average: None, 'micro', 'macro' or 'weighted' (see `FBetaScore`).
        threshold: a prediction above it counts as positive; None: each row's largest score.
        name: defaults to 'f1_score'.
        dtype: the state dtype.
    """

    def __init__(self, average: str | None = None, threshold: float | None = None,
                 name: str = "f1_score", dtype: Any = None) -> None:
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name,
                         dtype=dtype)

    def get_config(self) -> dict[str, Any]:
        config_ = super().get_config()
        del config_["beta"]
        return config_
