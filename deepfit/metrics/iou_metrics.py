"""Intersection-over-union metrics for segmentation: a running confusion matrix of class ids
and, from it, `tp / (tp + fp + fn)` per class, averaged over target classes that occur.

The state is an integer matrix by default, as in Keras: class ids and sample weights are
converted to it by truncation (float weights warn).

Example:
    >>> m = MeanIoU(num_classes=2)
    >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
    >>> m.result()
    <tf.Tensor: shape=(), dtype=float32, numpy=0.33333334>
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from deepfit import config
from deepfit.metrics.base import Metric
from deepfit.metrics.utils import _register_class
from deepfit.ops.dtypes import to_torch


def _state_dtype(dtype: Any) -> torch.dtype:
    resolved = to_torch("int32" if dtype in (None, "int") else dtype)
    if resolved.is_complex or resolved == torch.bool:
        raise ValueError(f"dtype: expected an integer or float dtype, received {dtype!r}")
    return resolved


def _check_classes(num_classes: Any) -> int:
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or (
            num_classes < 1):
        raise ValueError(f"num_classes: expected a positive integer, received {num_classes!r}")
    return int(num_classes)


class _IoUBase(Metric):
    """The running confusion matrix `total_cm[true class, predicted class]`."""

    _direction = "up"

    def __init__(self, num_classes: int, name: str | None = None, dtype: Any = None,
                 ignore_class: int | None = None, sparse_y_true: bool = True,
                 sparse_y_pred: bool = True, axis: int = -1) -> None:
        super().__init__(name=name)
        self._dtype = _state_dtype(dtype)
        self.num_classes = _check_classes(num_classes)
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.add_state("total_cm", (self.num_classes, self.num_classes))

    def _ids(self, values: Any, sparse: bool, device: torch.device) -> torch.Tensor:
        values = self._tensor(values, device)
        if not sparse:
            values = values.argmax(dim=self.axis)
        return values.to(self._dtype).reshape(-1)

    def _weights(self, sample_weight: Any, size: int, device: torch.device) -> torch.Tensor:
        if sample_weight is None:
            return torch.ones(size, dtype=self._dtype, device=device)
        kind = getattr(sample_weight, "dtype", None)
        if kind is not None and "float" in str(kind) and not self._dtype.is_floating_point:
            warnings.warn("You are passing weight as `float`, but dtype is `int`. This may "
                          "result in an incorrect weight due to type casting Consider using "
                          "integer weights.", stacklevel=3)
        weights = self._tensor(sample_weight, device).to(self._dtype).reshape(-1)
        return weights.broadcast_to((size,)) if weights.numel() != size else weights

    @torch.no_grad()
    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        device = self.prepare(y_pred, y_true)
        true = self._ids(y_true, self.sparse_y_true, device)
        pred = self._ids(y_pred, self.sparse_y_pred, device)
        if true.numel() != pred.numel():
            raise ValueError(f"y_true and y_pred: expected the same number of class ids, "
                             f"received {true.numel()} and {pred.numel()}")
        weights = self._weights(sample_weight, true.numel(), device)
        n = self.num_classes
        keep = (true >= 0) & (true < n) & (pred >= 0) & (pred < n)
        if self.ignore_class is not None:
            keep &= true != self.ignore_class
        cells = true.long() * n + pred.long()
        cells = torch.where(keep, cells, 0)
        flat = self.total_cm.view(-1)
        flat.scatter_add_(0, cells, torch.where(keep, weights, 0).to(flat.dtype))

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype}


@_register_class()
class IoU(_IoUBase):
    """The mean intersection-over-union of the `target_class_ids`, `tp / (tp + fp + fn)`
    from the running confusion matrix; classes that never occurred are left out.

    Args:
        num_classes: the number of classes (the confusion matrix is `num_classes` square).
        target_class_ids: the classes whose IoU is averaged.
        name: defaults to 'io_u'.
        dtype: the confusion matrix's dtype (default int32, as Keras).
        ignore_class: a true class id left out (e.g. a "void" label).
        sparse_y_true: `y_true` holds class ids (else one score per class along `axis`).
        sparse_y_pred: `y_pred` holds class ids (else scores, reduced with argmax).
        axis: the class axis of non-sparse inputs.

    Example:
        >>> IoU(num_classes=2, target_class_ids=[0])([0, 0, 1, 1], [0, 1, 0, 1])
        <tf.Tensor: shape=(), dtype=float32, numpy=0.33333334>
    """

    def __init__(self, num_classes: int, target_class_ids: Sequence[int],
                 name: str | None = None, dtype: Any = None, ignore_class: int | None = None,
                 sparse_y_true: bool = True, sparse_y_pred: bool = True,
                 axis: int = -1) -> None:
        ids = [int(i) for i in target_class_ids]
        if not ids:
            raise ValueError("target_class_ids: expected at least one class id, received []")
        if max(ids) >= num_classes or min(ids) < 0:
            raise ValueError(f"Target class id {max(ids)} is out of range, which is "
                             f"[0, {num_classes}).")
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)
        self.target_class_ids = ids

    def result(self) -> torch.Tensor:
        cm = self.state("total_cm")
        tp = torch.diagonal(cm)
        denominator = cm.sum(dim=0) + cm.sum(dim=1) - tp
        index = torch.tensor(self.target_class_ids, device=cm.device)
        tp, denominator = tp[index].float(), denominator[index].float()
        valid = denominator > 1e-9
        iou = torch.where(valid, tp / (denominator + config.epsilon()), 0.0)
        return iou.sum() / (valid.float().sum() + config.epsilon())

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "num_classes": self.num_classes,
                "target_class_ids": self.target_class_ids, "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}


@_register_class()
class BinaryIoU(IoU):
    """IoU of binary labels, a prediction counting as class 1 when `y_pred >= threshold`.

    Args:
        target_class_ids: which of the classes 0 and 1 are averaged (default both).
        threshold: the score from which a prediction is class 1.
        name: defaults to 'binary_io_u'.
        dtype: the confusion matrix's dtype (default int32).

    Example:
        >>> BinaryIoU(target_class_ids=[1])([0, 1, 1], [0.2, 0.7, 0.4])
        <tf.Tensor: shape=(), dtype=float32, numpy=0.5>
    """

    def __init__(self, target_class_ids: Sequence[int] = (0, 1), threshold: float = 0.5,
                 name: str | None = None, dtype: Any = None) -> None:
        super().__init__(2, target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        scores = torch.as_tensor(y_pred).to(torch.float32)
        super().update_state(y_true, (scores >= self.threshold).to(self._dtype), sample_weight)

    def get_config(self) -> dict[str, Any]:
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold,
                "name": self.name, "dtype": self.dtype}


@_register_class()
class MeanIoU(IoU):
    """IoU averaged over all `num_classes` classes (those that occurred).

    Args:
        num_classes: the number of classes.
        name: defaults to 'mean_io_u'.
        dtype: the confusion matrix's dtype (default int32).
        ignore_class: a true class id left out.
        sparse_y_true: `y_true` holds class ids (else scores along `axis`).
        sparse_y_pred: `y_pred` holds class ids (else scores, reduced with argmax).
        axis: the class axis of non-sparse inputs.

    Example:
        >>> MeanIoU(num_classes=2)([0, 0, 1, 1], [0, 1, 0, 1])
        <tf.Tensor: shape=(), dtype=float32, numpy=0.33333334>
    """

    def __init__(self, num_classes: int, name: str | None = None, dtype: Any = None,
                 ignore_class: int | None = None, sparse_y_true: bool = True,
                 sparse_y_pred: bool = True, axis: int = -1) -> None:
        super().__init__(num_classes, list(range(_check_classes(num_classes))), name=name,
                         dtype=dtype, ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self) -> dict[str, Any]:
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


@_register_class()
class OneHotIoU(IoU):
    """IoU of one-hot labels (and, by default, per-class scores reduced with argmax).

    Args:
        num_classes: the number of classes.
        target_class_ids: the classes whose IoU is averaged.
        name: defaults to 'one_hot_io_u'.
        dtype: the confusion matrix's dtype (default int32).
        ignore_class: a true class id left out.
        sparse_y_pred: `y_pred` holds class ids rather than scores.
        axis: the class axis.
    """

    def __init__(self, num_classes: int, target_class_ids: Sequence[int],
                 name: str | None = None, dtype: Any = None, ignore_class: int | None = None,
                 sparse_y_pred: bool = False, axis: int = -1) -> None:
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self) -> dict[str, Any]:
        return {"num_classes": self.num_classes, "target_class_ids": self.target_class_ids,
                "name": self.name, "dtype": self.dtype, "ignore_class": self.ignore_class,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


@_register_class()
class OneHotMeanIoU(MeanIoU):
    """MeanIoU of one-hot labels (and, by default, per-class scores reduced with argmax).

    Args:
        num_classes: the number of classes.
        name: defaults to 'one_hot_mean_io_u'.
        dtype: the confusion matrix's dtype (default int32).
        ignore_class: a true class id left out.
        sparse_y_pred: `y_pred` holds class ids rather than scores.
        axis: the class axis.
    """

    def __init__(self, num_classes: int, name: str | None = None, dtype: Any = None,
                 ignore_class: int | None = None, sparse_y_pred: bool = False,
                 axis: int = -1) -> None:
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self) -> dict[str, Any]:
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}
