"""The five loss "heads" of the training loop's fast paths, each owned in one place.

A head is a standard loss together with the metric that usually accompanies it:

======================  ===============================  =========================
head                    loss                             metric
======================  ===============================  =========================
``sparse``              sparse_categorical_crossentropy  sparse_categorical_accuracy
``categorical``         categorical_crossentropy         categorical_accuracy
``binary``              binary_crossentropy              binary_accuracy
``mse``                 mean_squared_error               mean_squared_error
``mae``                 mean_absolute_error              mean_absolute_error
======================  ===============================  =========================

Each head knows three fused computations for the common case (one float32 output, tensor
labels of the expected shape, default options):

- `mean`: the loss averaged over the batch in one kernel (`LossFunctionWrapper` uses it);
- `metric_sums`: (sum of per-sample metric values, number of samples) (`MeanMetricWrapper`);
- `gradient`: d mean loss / d (the output layer's pre-activation), written into a buffer
  (the fused Dense step). Crossentropy heads fold their softmax/sigmoid into it (`p - y`).

`mean` and `metric_sums` return None when a batch needs the general path; tests check that
both paths agree.

Example:
    >>> head = BY_LOSS[mean_squared_error]
    >>> head.mean(torch.zeros(4), torch.ones(4, 1))
    tensor(1.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F

from deepfit.losses.functions import (
    binary_crossentropy,
    categorical_crossentropy,
    mean_absolute_error,
    mean_squared_error,
    sparse_categorical_crossentropy,
)

Scale = float | torch.Tensor


class Head:
    """One loss with its metric: fused mean, fused metric update and fused gradient.

    Attributes:
        name: the head's short name (`"sparse"`, `"categorical"`, `"binary"`, `"mse"`,
            `"mae"`).
        loss: the loss function (from `deepfit.losses`) whose batch mean `mean` computes.
        metric: the registered name of the metric function `metric_sums` computes.
        folds: the output activation the gradient folds in (`"softmax"`, `"sigmoid"`), or None
            when the gradient is taken w.r.t. the activated output itself.
    """

    name: str
    loss: Callable
    metric: str
    folds: str | None = None

    def mean(self, y_true: torch.Tensor, y_pred: torch.Tensor, **options: Any
             ) -> torch.Tensor | None:
        """The unweighted batch mean of `loss(y_true, y_pred, **options)`, or None."""
        raise NotImplementedError

    def metric_sums(self, y_true: torch.Tensor, y_pred: torch.Tensor, **options: Any
                    ) -> tuple[torch.Tensor, int] | None:
        """(sum over samples, number of samples) of the metric, or None."""
        raise NotImplementedError

    def pairs(self, activation: str, from_logits: bool) -> bool:
        """Whether an output `activation` (by name) and `from_logits` give a known gradient
        (regression heads: any activation whose derivative the caller applies)."""
        if self.folds is None:
            return not from_logits
        return activation == ("linear" if from_logits else self.folds)

    def labels_fit(self, y: torch.Tensor, rows: int, units: int) -> bool:
        """Whether labels `y` have this head's shape for `rows` outputs of `units` units."""
        return y.dim() >= 1 and y.shape[0] == rows and y.numel() == rows * units

    def gradient(self, y: torch.Tensor, y_pred: torch.Tensor, from_logits: bool,
                 sample_weight: torch.Tensor | None, out: torch.Tensor,
                 minus_scale: torch.Tensor) -> None:
        """Write d mean loss / d pre-activation into `out` (shape `(rows, units)`).

        Args:
            y: labels that passed `labels_fit`.
            y_pred: the model's output (the activated output, or logits when `from_logits`).
            from_logits: the loss's option.
            sample_weight: per-sample weights, `rows` of them, or None.
            out: the buffer to write.
            minus_scale: a `(rows, 1)` tensor filled with `-1 / rows` (used by sparse labels).
        """
        raise NotImplementedError


def _scale(sample_weight: torch.Tensor | None, rows: int, per_sample: float) -> Scale:
    if sample_weight is None:
        return per_sample
    return sample_weight.reshape(rows, 1).to(torch.float32) * per_sample


def _float_target(y: torch.Tensor, shape: torch.Size) -> torch.Tensor:
    target = y.reshape(shape)
    return target if target.dtype == torch.float32 else target.float()


def _logits_of(y_pred: torch.Tensor, from_logits: bool) -> torch.Tensor | None:
    logits = y_pred if from_logits else getattr(y_pred, "_keras_logits", None)
    return logits if logits is not None and logits.dtype == torch.float32 else None


class SparseCategorical(Head):
    """Integer labels, crossentropy over a softmax output, argmax accuracy."""

    name, metric, folds = "sparse", "sparse_categorical_accuracy", "softmax"
    loss = staticmethod(sparse_categorical_crossentropy)

    def mean(self, y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
        if ignore_class is not None or axis != -1 or y_pred.dim() != 2:
            return None
        logits = _logits_of(y_pred, from_logits)
        if logits is None or y_true.numel() != y_pred.shape[0]:
            return None
        target = y_true.reshape(-1)
        return F.cross_entropy(logits, target if target.dtype == torch.long else target.long())

    def metric_sums(self, y_true, y_pred):
        if y_pred.dim() < 2 or y_true.numel() * y_pred.shape[-1] != y_pred.numel():
            return None
        matches = y_pred.argmax(dim=-1) == y_true.reshape(y_pred.shape[:-1])
        rows = matches.shape[0]
        if matches.dim() > 1 and rows:  # sequences: each sample counts its mean, as in Keras
            return matches.sum() / (matches.numel() // rows), rows
        return matches.sum(), rows

    def labels_fit(self, y, rows, units):
        return y.numel() == rows and (y.dim() == 1 or y.shape[1:] == (1,))

    def gradient(self, y, y_pred, from_logits, sample_weight, out, minus_scale):
        rows = out.shape[0]
        scale = _scale(sample_weight, rows, 1.0 / rows)
        target = y.reshape(rows, 1)
        probabilities = torch.softmax(y_pred, 1) if from_logits else y_pred
        torch.mul(probabilities, scale, out=out)
        negative = -scale if isinstance(scale, torch.Tensor) else minus_scale
        out.scatter_add_(1, target if target.dtype == torch.long else target.long(), negative)


class Categorical(Head):
    """One-hot (or soft) labels, crossentropy over a softmax output, argmax accuracy."""

    name, metric, folds = "categorical", "categorical_accuracy", "softmax"
    loss = staticmethod(categorical_crossentropy)

    def mean(self, y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
        if label_smoothing or axis != -1 or y_pred.dim() != 2 or y_true.shape != y_pred.shape:
            return None
        logits = _logits_of(y_pred, from_logits)
        if logits is None or not y_true.is_floating_point():
            return None
        return F.cross_entropy(logits, y_true)

    def metric_sums(self, y_true, y_pred):
        if y_true.shape != y_pred.shape or y_pred.dim() != 2 or y_true.dtype == torch.bool:
            return None
        matches = y_pred.argmax(dim=-1) == y_true.argmax(dim=-1)
        return matches.sum(), matches.shape[0]

    def labels_fit(self, y, rows, units):
        return y.shape == (rows, units)

    def gradient(self, y, y_pred, from_logits, sample_weight, out, minus_scale):
        rows = out.shape[0]
        scale = _scale(sample_weight, rows, 1.0 / rows)
        target = _float_target(y, out.shape)
        probabilities = torch.softmax(y_pred, 1) if from_logits else y_pred
        # Soft labels need not sum to one: d/dz of -sum(y log softmax(z)) is p * sum(y) - y.
        torch.mul(probabilities, target.sum(1, keepdim=True), out=out)
        out.sub_(target)
        out.mul_(scale)


class Binary(Head):
    """0/1 labels, crossentropy over a sigmoid output, thresholded accuracy."""

    name, metric, folds = "binary", "binary_accuracy", "sigmoid"
    loss = staticmethod(binary_crossentropy)

    def mean(self, y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
        if label_smoothing or axis != -1 or y_true.numel() != y_pred.numel():
            return None
        logits = _logits_of(y_pred, from_logits)
        if logits is None:
            return None
        target = y_true.reshape(logits.shape)
        return F.binary_cross_entropy_with_logits(
            logits, target if target.dtype == torch.float32 else target.float())

    def metric_sums(self, y_true, y_pred, threshold=0.5):
        if y_true.numel() != y_pred.numel() or y_pred.dim() != 2 or y_pred.shape[-1] != 1:
            return None
        predicted = (y_pred > threshold).to(y_true.dtype)
        matches = predicted.reshape(-1) == y_true.reshape(-1)
        return matches.sum(), matches.shape[0]

    def gradient(self, y, y_pred, from_logits, sample_weight, out, minus_scale):
        scale = _scale(sample_weight, out.shape[0], 1.0 / out.numel())
        target = _float_target(y, out.shape)
        if from_logits:
            torch.sigmoid(y_pred, out=out)
        else:
            out.copy_(y_pred)
        out.sub_(target)
        out.mul_(scale)


class _Regression(Head):
    """A per-sample mean over the last axis of an elementwise error (no folded activation).

    Subclasses give the error (`_error`), its batch mean in one kernel (`_fused_mean`), the
    factor of its derivative (`_factor`) and, for a non-linear derivative, `_derivative`.
    """

    _factor = 1.0

    def _error(self, diff: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def _fused_mean(self, y_pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def _derivative(self, diff: torch.Tensor) -> None:
        """Turn `y_pred - y` in place into d error / d y_pred (up to `_factor`)."""

    def mean(self, y_true, y_pred):
        if y_true.numel() != y_pred.numel() or y_pred.dim() < 2 or y_true.dim() < 1:
            return None
        target = y_true.reshape(y_pred.shape)
        return self._fused_mean(
            y_pred, target if target.dtype == y_pred.dtype else target.to(y_pred.dtype))

    def metric_sums(self, y_true, y_pred):
        if y_true.numel() != y_pred.numel() or y_pred.dim() != 2:
            return None
        diff = y_pred - y_true.reshape(y_pred.shape).to(y_pred.dtype)
        return self._error(diff).mean(dim=-1).sum(), y_pred.shape[0]

    def gradient(self, y, y_pred, from_logits, sample_weight, out, minus_scale):
        scale = _scale(sample_weight, out.shape[0], 1.0 / out.numel() * self._factor)
        out.copy_(y_pred)
        out.sub_(_float_target(y, out.shape))
        self._derivative(out)
        out.mul_(scale)


class MeanSquared(_Regression):
    """Mean squared error; its gradient is `2 (y_pred - y) / n`."""

    name, metric, _factor = "mse", "mean_squared_error", 2.0
    loss = staticmethod(mean_squared_error)

    def _error(self, diff):
        return diff.square()

    def _fused_mean(self, y_pred, target):
        return F.mse_loss(y_pred, target)


class MeanAbsolute(_Regression):
    """Mean absolute error; its gradient is `sign(y_pred - y) / n`."""

    name, metric = "mae", "mean_absolute_error"
    loss = staticmethod(mean_absolute_error)

    def _error(self, diff):
        return diff.abs()

    def _fused_mean(self, y_pred, target):
        return F.l1_loss(y_pred, target)

    def _derivative(self, diff):
        diff.sign_()


#: Every head, once.
HEADS: tuple[Head, ...] = (SparseCategorical(), Categorical(), Binary(), MeanSquared(),
                           MeanAbsolute())
#: The head of each loss function.
BY_LOSS: dict[Callable, Head] = {head.loss: head for head in HEADS}
