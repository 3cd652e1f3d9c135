"""Threshold metrics: confusion counts, precision, recall and AUC."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

from deepfit import config
from deepfit.losses import (
    _divide_no_nan,
    squeeze_or_expand_to_same_rank,
)
from deepfit.metrics.base import Metric
from deepfit.metrics.utils import NEG_INF, _register_class

# ----------------------------------------------------------------------------- confusion


def _parse_thresholds(thresholds: Any, default: float) -> list[float]:
    if thresholds is None:
        return [default]
    values = list(thresholds) if isinstance(thresholds, (list, tuple)) else [thresholds]
    bad = [t for t in values if t is None or not 0 <= t <= 1]
    if bad:
        raise ValueError(f"thresholds: expected values in [0, 1], received {bad}")
    return [float(t) for t in values]


def _evenly_spaced(thresholds: Sequence[float]) -> bool:
    n = len(thresholds)
    if n < 3:
        return False
    even = np.arange(n, dtype=np.float32) / (n - 1)
    return bool(np.allclose(thresholds, even, atol=config.epsilon()))


def _filter_top_k(x: torch.Tensor, k: int) -> torch.Tensor:
    """Keep the top `k` scores of each row; the rest become NEG_INF."""
    indices = torch.topk(x, k, dim=-1).indices
    keep = torch.zeros_like(x).scatter_(-1, indices, 1.0)
    return x * keep + NEG_INF * (1.0 - keep)


def _counts_by_threshold(labels, preds, thresholds, weights) -> dict[str, torch.Tensor]:
    """Weighted tp/fp/tn/fn per threshold, comparing every prediction with every threshold."""
    shape = (-1,) + (1,) * (preds.dim() - 1)
    predicted = preds > thresholds.reshape(shape)
    negatives = ~labels

    def count(label: torch.Tensor, pred: torch.Tensor) -> torch.Tensor:
        hit = label & pred
        if weights is None:
            return hit.to(preds.dtype).sum(1)
        return torch.where(hit, weights, 0.0).sum(1)

    return {"tp": count(labels, predicted), "fn": count(labels, ~predicted),
            "fp": count(negatives, predicted), "tn": count(negatives, ~predicted)}


def _counts_by_bucket(y_true, y_pred, num_thresholds, with_epsilon, weights, multi_label):
    """Keras's fast path for evenly spaced thresholds: bucket each prediction once, then
    accumulate the buckets from the top (one pass instead of one per threshold)."""
    y_pred = torch.clamp(y_pred, 0.0, 1.0)
    y_true = (y_true != 0).to(y_pred.dtype)
    if not multi_label:
        y_true, y_pred = y_true.reshape(-1), y_pred.reshape(-1)
        weights = None if weights is None else weights.reshape(-1)
    weights = 1.0 if weights is None else weights
    true_w = (y_true * weights).broadcast_to(y_pred.shape)
    false_w = ((1.0 - y_true) * weights).broadcast_to(y_pred.shape)
    bucket = torch.ceil(y_pred * (num_thresholds - 1)) - 1
    if with_epsilon:
        bucket = torch.relu(bucket)
    # Shift by one so predictions below every threshold land in slot 0, which is dropped.
    slot = bucket.long() + 1
    labels = 1 if not multi_label else y_pred.shape[-1]
    if multi_label:
        slot = slot * labels + torch.arange(labels, device=slot.device)

    def by_threshold(values: torch.Tensor) -> torch.Tensor:
        sums = values.new_zeros((num_thresholds + 1) * labels)
        sums.index_add_(0, slot.reshape(-1), values.reshape(-1))
        sums = sums.reshape(num_thresholds + 1, labels).flip(0).cumsum(0).flip(0)[1:]
        return sums if multi_label else sums.reshape(-1)

    tp, fp = by_threshold(true_w), by_threshold(false_w)
    total_true, total_false = true_w.sum(0), false_w.sum(0)
    return {"tp": tp, "fp": fp, "tn": total_false - fp, "fn": total_true - tp}


def confusion_counts(
    y_true: torch.Tensor,
    y_pred: torch.Tensor,
    thresholds: Sequence[float],
    *,
    sample_weight: torch.Tensor | None = None,
    top_k: int | None = None,
    class_id: int | None = None,
    multi_label: bool = False,
    label_weights: torch.Tensor | None = None,
    threshold_tensor: torch.Tensor | None = None,
    evenly: bool | None = None,
) -> dict[str, torch.Tensor]:
    """One batch's weighted true/false positives/negatives at each threshold, as Keras counts.

    A prediction is positive at threshold `t` when `y_pred > t`; a label is positive when
    non-zero.

    Args:
        y_true: labels.
        y_pred: scores (probabilities), same shape (or with a trailing 1).
        thresholds: the thresholds, ascending.
        sample_weight: optional weights, broadcast from the batch axis.
        top_k: only each row's `k` highest scores may be positive.
        class_id: count only this class (column) of 2-D inputs.
        multi_label: count each label (column) separately: results are `(T, labels)`.
        label_weights: optional per-label weights (not with `multi_label`).
        threshold_tensor: `thresholds` already on the device (saves a copy per call).
        evenly: whether the thresholds are evenly spaced over [0, 1] (the bucketed fast
            path); None decides from `thresholds`.

    Returns:
        `{'tp', 'fp', 'tn', 'fn'}`, each of shape `(T,)` or `(T, labels)`.

    Example:
        >>> confusion_counts(torch.tensor([1, 0]), torch.tensor([0.8, 0.6]), [0.5])["fp"]
        tensor([1.])
    """
    dtype = torch.float32
    y_true, y_pred = y_true.to(dtype), y_pred.to(dtype)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if sample_weight is not None:
        weight = sample_weight.to(dtype).unsqueeze(-1)
        _, sample_weight = squeeze_or_expand_to_same_rank(y_true, weight, expand_rank_1=False)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.dim() == 1:
            raise ValueError(
                "class_id: y_pred must have shape (num_samples, num_classes), received "
                f"shape {tuple(y_pred.shape)}"
            )
        y_true, y_pred = y_true[..., class_id, None], y_pred[..., class_id, None]
    weights = _combined_weights(sample_weight, label_weights, y_pred.shape, multi_label)
    if evenly is None:
        evenly = _evenly_spaced(thresholds)
    if evenly:
        with_epsilon = thresholds[0] < 0.0 or thresholds[-1] > 1.0
        return _counts_by_bucket(y_true, y_pred, len(thresholds), with_epsilon, weights,
                                 multi_label)
    if threshold_tensor is None:
        threshold_tensor = torch.tensor(thresholds, dtype=dtype, device=y_pred.device)
    labels = y_true.bool()
    if multi_label:
        return _counts_by_threshold(labels.unsqueeze(0), y_pred.unsqueeze(0), threshold_tensor,
                                    None if weights is None else weights.unsqueeze(0))
    return _counts_by_threshold(labels.reshape(1, -1), y_pred.reshape(1, -1), threshold_tensor,
                                None if weights is None else weights.reshape(1, -1))


def _combined_weights(sample_weight, label_weights, shape, multi_label):
    weights = None if sample_weight is None else sample_weight.broadcast_to(shape)
    if label_weights is not None and not multi_label:
        label_weights = label_weights.broadcast_to(shape)
        weights = label_weights if weights is None else weights * label_weights
    return weights


class _ThresholdMetric(Metric):
    """Shared plumbing: thresholds on the state's device and the batch's confusion counts."""

    _evenly = False  # set in __init__ once the thresholds are known

    def _threshold_tensor(self, device: torch.device) -> torch.Tensor | None:
        if self._evenly:
            return None
        cached = getattr(self, "_thresholds_cache", None)
        if cached is None or cached.device != device:
            cached = torch.tensor(self.thresholds, dtype=torch.float32, device=device)
            self._thresholds_cache = cached
        return cached

    def _batch_counts(self, y_true, y_pred, sample_weight, **options) -> dict[str, torch.Tensor]:
        device = self.prepare(y_pred, y_true)
        y_pred = self._tensor(y_pred, device)
        y_true = self._tensor(y_true, device)
        if sample_weight is not None:
            sample_weight = self._tensor(sample_weight, device, self._dtype)
        return confusion_counts(y_true, y_pred, self.thresholds, sample_weight=sample_weight,
                                threshold_tensor=self._threshold_tensor(device),
                                evenly=self._evenly, **options)


class _ConfusionCount(_ThresholdMetric):
    _key = "tp"

    def __init__(self, thresholds: Any = None, name: str | None = None,
                 dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = _parse_thresholds(thresholds, 0.5)
        self._evenly = _evenly_spaced(self.thresholds)
        self.add_state("accumulator", (len(self.thresholds),))

    @torch.no_grad()
    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        counts = self._batch_counts(y_true, y_pred, sample_weight)
        self.accumulator.add_(counts[self._key])

    def result(self) -> torch.Tensor:
        accumulator = self.state("accumulator")
        return accumulator[0].clone() if len(self.thresholds) == 1 else accumulator.clone()

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "thresholds": self.init_thresholds}


@_register_class()
class TruePositives(_ConfusionCount):
    """The weighted number of true positives; a prediction is positive when `y_pred > threshold`.

    Args:
        thresholds: a float or list of floats in [0, 1] (default 0.5); a list gives a count
            per threshold.
        name: the metric's name (defaults to the snake-case class name).
        dtype: the state dtype.

    Example:
        >>> TruePositives()([0, 1, 1], [0.9, 0.8, 0.1])
        <tf.Tensor: shape=(), dtype=float32, numpy=1.0>
    """

    _key = "tp"


@_register_class()
class FalsePositives(_ConfusionCount):
    """The weighted number of false positives; a prediction is positive when `y_pred > threshold`.

    Args:
        thresholds: a float or list of floats in [0, 1] (default 0.5); a list gives a count
            per threshold.
        name: the metric's name (defaults to the snake-case class name).
        dtype: the state dtype.

    Example:
        >>> FalsePositives()([0, 1, 1], [0.9, 0.8, 0.1])
        <tf.Tensor: shape=(), dtype=float32, numpy=1.0>
    """

    _key = "fp"


@_register_class()
class TrueNegatives(_ConfusionCount):
    """The weighted number of true negatives; a prediction is positive when `y_pred > threshold`.

    Args:
        thresholds: a float or list of floats in [0, 1] (default 0.5); a list gives a count
            per threshold.
        name: the metric's name (defaults to the snake-case class name).
        dtype: the state dtype.

    Example:
        >>> TrueNegatives()([0, 1, 1], [0.9, 0.8, 0.1])
        <tf.Tensor: shape=(), dtype=float32, numpy=0.0>
    """

    _key = "tn"


@_register_class()
class FalseNegatives(_ConfusionCount):
    """The weighted number of false negatives; a prediction is positive when `y_pred > threshold`.

    Args:
        thresholds: a float or list of floats in [0, 1] (default 0.5); a list gives a count
            per threshold.
        name: the metric's name (defaults to the snake-case class name).
        dtype: the state dtype.

    Example:
        >>> FalseNegatives()([0, 1, 1], [0.9, 0.8, 0.1])
        <tf.Tensor: shape=(), dtype=float32, numpy=1.0>
    """

    _key = "fn"


class _PrecisionRecall(_ThresholdMetric):
    _other = "fp"
    _direction = "up"

    def __init__(self, thresholds: Any = None, top_k: int | None = None,
                 class_id: int | None = None, name: str | None = None,
                 dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        default = 0.5 if top_k is None else NEG_INF
        self.thresholds = _parse_thresholds(thresholds, default)
        self._evenly = _evenly_spaced(self.thresholds)
        self.add_state("true_positives", (len(self.thresholds),))
        self.add_state(self._other_state, (len(self.thresholds),))

    @property
    def _other_state(self) -> str:
        return "false_positives" if self._other == "fp" else "false_negatives"

    @torch.no_grad()
    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        counts = self._batch_counts(y_true, y_pred, sample_weight, top_k=self.top_k,
                                    class_id=self.class_id)
        self.true_positives.add_(counts["tp"])
        getattr(self, self._other_state).add_(counts[self._other])

    def result(self) -> torch.Tensor:
        tp = self.state("true_positives")
        value = _divide_no_nan(tp, tp + self.state(self._other_state))
        return value[0] if len(self.thresholds) == 1 else value

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "thresholds": self.init_thresholds,
                "top_k": self.top_k, "class_id": self.class_id}


@_register_class()
class Precision(_PrecisionRecall):
    """Weighted `tp / (tp + fp)`, a prediction being positive when `y_pred > threshold`.

    Args:
        thresholds: a float or list of floats in [0, 1] (default 0.5; with `top_k`, any
            top-k score counts). A list gives one precision per threshold.
        top_k: only each row's `k` highest scores count as positive.
        class_id: compute the metric for this class (column) only.
        name: defaults to 'precision'.
        dtype: the state dtype.

    Example:
        >>> Precision()([0, 1, 1, 1], [1.0, 1.0, 0.0, 0.0])
        <tf.Tensor: shape=(), dtype=float32, numpy=0.5>
    """

    _other = "fp"


@_register_class()
class Recall(_PrecisionRecall):
    """Weighted `tp / (tp + fn)`, a prediction being positive when `y_pred > threshold`.

    Args:
        thresholds: a float or list of floats in [0, 1] (default 0.5; with `top_k`, any
            top-k score counts). A list gives one recall per threshold.
        top_k: only each row's `k` highest scores count as positive.
        class_id: compute the metric for this class (column) only.
        name: defaults to 'recall'.
        dtype: the state dtype.

    Example:
        >>> Recall()([0, 1, 1, 1], [1.0, 1.0, 0.0, 0.0])
        <tf.Tensor: shape=(), dtype=float32, numpy=0.3333333432674408>
    """

    _other = "fn"


# ----------------------------------------------------------------------------- AUC

_CURVES = {"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"}
_SUMMATIONS = ("interpolation", "majoring", "minoring")


@_register_class()
class AUC(_ThresholdMetric):
    """Area under the ROC or precision-recall curve, from counts at fixed thresholds.

    Thresholds follow Keras: `num_thresholds - 2` evenly spaced inner thresholds plus
    `-epsilon` and `1 + epsilon`, so predictions of exactly 0 and 1 are placed correctly.

    Args:
        num_thresholds: number of thresholds (> 1).
        curve: 'ROC', 'PR' or 'PRGAIN'.
        summation_method: 'interpolation' (trapezoids; Davis & Goadrich for PR),
            'minoring' or 'majoring'.
        name: defaults to 'auc'.
        dtype: the state dtype.
        thresholds: explicit inner thresholds in [0, 1] (overrides `num_thresholds`).
        multi_label: keep one curve per label (column) and average their areas.
        num_labels: number of labels, with `multi_label` (else taken from the first batch).
        label_weights: per-label weights (for the average with `multi_label`, or per-column
            example weights otherwise).
        from_logits: apply a sigmoid to `y_pred` first.

    Example:
        >>> AUC()([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
        <tf.Tensor: shape=(), dtype=float32, numpy=0.75>
    """

    _direction = "up"

    def __init__(self, num_thresholds: int = 200, curve: str = "ROC",
                 summation_method: str = "interpolation", name: str | None = None,
                 dtype: Any = None, thresholds: Sequence[float] | None = None,
                 multi_label: bool = False, num_labels: int | None = None,
                 label_weights: Any = None, from_logits: bool = False) -> None:
        super().__init__(name=name, dtype=dtype)
        self.curve = _check_choice("curve", curve, _CURVES)
        self.summation_method = _check_choice(
            "summation_method", summation_method, {s: s for s in _SUMMATIONS})
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(_parse_thresholds(list(thresholds), 0.5))
            self.num_thresholds = len(inner) + 2
        else:
            if not isinstance(num_thresholds, int) or num_thresholds <= 1:
                raise ValueError(
                    f"num_thresholds: expected an integer > 1, received {num_thresholds!r}")
            self.num_thresholds = num_thresholds
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        eps = config.epsilon()
        self.thresholds = [0.0 - eps] + inner + [1.0 + eps]
        # Keras decides the fast path on the thresholds with exact 0 and 1 at the ends.
        self._evenly = thresholds is None or _evenly_spaced([0.0] + inner + [1.0])
        if num_labels and not multi_label:
            raise ValueError("num_labels: only needed when multi_label=True")
        self.multi_label = multi_label
        self.num_labels = num_labels
        self.label_weights = None if label_weights is None else [float(w) for w in label_weights]
        self._from_logits = from_logits
        if not multi_label:
            self._declare_states((self.num_thresholds,))
        elif num_labels:
            self._declare_states((self.num_thresholds, num_labels))

    def _declare_states(self, shape: tuple[int, ...]) -> None:
        for name in ("true_positives", "false_positives", "true_negatives", "false_negatives"):
            self.add_state(name, shape)

    def _label_weight_tensor(self) -> torch.Tensor | None:
        if self.label_weights is None:
            return None
        cached = getattr(self, "_label_weights_cache", None)
        if cached is None or cached.device != self._device:
            cached = torch.tensor(self.label_weights, dtype=self._dtype, device=self._device)
            self._label_weights_cache = cached
        return cached

    @torch.no_grad()
    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        if not self._state_shapes:
            shape = tuple(torch.as_tensor(y_pred).shape)
            if len(shape) != 2:
                raise ValueError(f"y_pred: AUC(multi_label=True) needs rank 2, received {shape}")
            self._declare_states((self.num_thresholds, shape[1]))
        device = self.prepare(y_pred, y_true)
        y_pred = self._tensor(y_pred, device)
        if self._from_logits:
            y_pred = torch.sigmoid(y_pred)
        label_weights = None if self.multi_label else self._label_weight_tensor()
        counts = self._batch_counts(y_true, y_pred, sample_weight, multi_label=self.multi_label,
                                    label_weights=label_weights)
        for key, name in (("tp", "true_positives"), ("fp", "false_positives"),
                          ("tn", "true_negatives"), ("fn", "false_negatives")):
            getattr(self, name).add_(counts[key])

    def result(self) -> torch.Tensor:
        if not self._state_shapes:
            return torch.zeros((), dtype=self._dtype, device=self._device)
        tp, fp = self.state("true_positives"), self.state("false_positives")
        tn, fn = self.state("true_negatives"), self.state("false_negatives")
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._aggregate(_interpolated_pr_terms(tp, fp, fn))
        x, y = _curve_points(self.curve, tp, fp, tn, fn)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = torch.minimum(y[:-1], y[1:])
        else:
            heights = torch.maximum(y[:-1], y[1:])
        return self._aggregate((x[:-1] - x[1:]) * heights)

    def _aggregate(self, terms: torch.Tensor) -> torch.Tensor:
        if not self.multi_label:
            return torch.sum(terms)
        by_label = torch.sum(terms, dim=0)
        weights = self._label_weight_tensor()
        if weights is None:
            return torch.mean(by_label)
        return _divide_no_nan(torch.sum(by_label * weights), torch.sum(weights))

    def get_config(self) -> dict[str, Any]:
        config = {**super().get_config(), "num_thresholds": self.num_thresholds,
                  "curve": self.curve, "summation_method": self.summation_method,
                  "multi_label": self.multi_label, "num_labels": self.num_labels,
                  "label_weights": self.label_weights, "from_logits": self._from_logits}
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return config


def _check_choice(argument: str, value: Any, choices: Mapping[str, str]) -> str:
    key = str(value).lower()
    if key not in choices:
        raise ValueError(
            f"{argument}: expected one of {sorted(set(choices.values()))}, received {value!r}")
    return choices[key]


def _curve_points(curve: str, tp, fp, tn, fn) -> tuple[torch.Tensor, torch.Tensor]:
    recall = _divide_no_nan(tp, tp + fn)
    if curve == "ROC":
        return _divide_no_nan(fp, fp + tn), recall
    if curve == "PR":
        return recall, _divide_no_nan(tp, tp + fp)
    scale = _divide_no_nan(tp + fn, tn + fp)
    recall_gain = 1.0 - scale * _divide_no_nan(fn, tp)
    precision_gain = 1.0 - scale * _divide_no_nan(fp, tp)
    recall_gain = torch.clamp(torch.where(tp == 0, 0.0, recall_gain), min=0.0)
    precision_gain = torch.where(tp == 0, 1.0, precision_gain)
    return recall_gain, precision_gain


def _interpolated_pr_terms(tp: torch.Tensor, fp: torch.Tensor, fn: torch.Tensor):
    """Davis & Goadrich's interpolation of the PR curve between thresholds (Keras's PR AUC)."""
    dtp = tp[:-1] - tp[1:]
    p = tp + fp
    dp = p[:-1] - p[1:]
    slope = _divide_no_nan(dtp, torch.clamp(dp, min=0.0))
    intercept = tp[1:] - slope * p[1:]
    both_positive = (p[:-1] > 0) & (p[1:] > 0)
    ratio = torch.where(both_positive, _divide_no_nan(p[:-1], torch.clamp(p[1:], min=0.0)),
                        torch.ones_like(p[1:]))
    numerator = slope * (dtp + intercept * torch.log(ratio))
    return _divide_no_nan(numerator, torch.clamp(tp[1:] + fn[1:], min=0.0))
