"""Stateless accuracy functions: per-sample matches of predictions and labels."""

from __future__ import annotations

from typing import Any

import torch

from deepfit.backend.tensor import returns_for_user_in
from deepfit.identifiers import register
from deepfit.losses import (
    squeeze_or_expand_to_same_rank,
)
from deepfit.metrics.utils import _FUNCTIONS
from deepfit.ops import numpy_bridge

# ----------------------------------------------------------------------------- accuracy


def _labels(y_true: Any, like: torch.Tensor, dtype: torch.dtype | None = None) -> torch.Tensor:
    labels = numpy_bridge.as_tensor(y_true, dtype=dtype, device=like.device)
    # Boolean one-hot targets (np.eye(n, dtype=bool)[y]) count as 0/1, as in Keras.
    return labels.to(torch.uint8) if labels.dtype == torch.bool else labels


def _one_hot_scores(y_true: Any, like: torch.Tensor) -> torch.Tensor:
    # One-hot labels may be booleans (Keras's addition example builds them with dtype=bool);
    # argmax needs numbers.
    labels = _labels(y_true, like)
    return labels.to(torch.uint8) if labels.dtype == torch.bool else labels


def _compare_dtype(y_pred: torch.Tensor) -> torch.dtype:
    # Class ids are compared in at least float32, so ids above 2048 stay exact for half inputs.
    if y_pred.is_floating_point() and y_pred.element_size() >= 4:
        return y_pred.dtype
    return torch.float32


@register(_FUNCTIONS)
def accuracy(y_true: Any, y_pred: Any) -> torch.Tensor:
    """1.0 where `y_true == y_pred` exactly, else 0.0.

    Args:
        y_true: labels.
        y_pred: predicted labels, same shape (or with a trailing axis of 1).

    Returns:
        Per-element float32 matches.

    Example:
        >>> accuracy(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 3.0]))
        <tf.Tensor: shape=(2,), dtype=float32, numpy=array([1., 0.], dtype=float32)>
    """
    y_pred = numpy_bridge.as_tensor(y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(_labels(y_true, y_pred, y_pred.dtype), y_pred)
    return (y_true == y_pred).to(torch.float32)


@register(_FUNCTIONS)
def binary_accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> torch.Tensor:
    """1.0 where `(y_pred > threshold)` equals the label, else 0.0.

    Args:
        y_true: 0/1 labels.
        y_pred: probabilities (or scores), same shape (or with a trailing axis of 1).
        threshold: the decision threshold.

    Returns:
        Per-element float32 matches.

    Example:
        >>> binary_accuracy(torch.tensor([[1.0], [0.0]]), torch.tensor([[0.7], [0.6]]))
        <tf.Tensor: shape=(2, 1), dtype=float32, numpy=array([[1.],
               [0.]], dtype=float32)>
    """
    y_pred = numpy_bridge.as_tensor(y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(_labels(y_true, y_pred), y_pred)
    predicted = (y_pred > threshold).to(y_true.dtype)
    return (y_true == predicted).to(torch.float32)


@register(_FUNCTIONS)
def categorical_accuracy(y_true: Any, y_pred: Any) -> torch.Tensor:
    """1.0 where the arg-max of one-hot `y_true` equals the arg-max of `y_pred`.

    Args:
        y_true: one-hot labels, shape `(batch, classes)`.
        y_pred: scores, same shape.

    Returns:
        Per-sample float32 matches, shape `(batch,)`.

    Example:
        >>> categorical_accuracy(torch.eye(2), torch.tensor([[0.9, 0.1], [0.8, 0.2]]))
        <tf.Tensor: shape=(2,), dtype=float32, numpy=array([1., 0.], dtype=float32)>
    """
    y_pred = numpy_bridge.as_tensor(y_pred)
    true_ids = torch.argmax(_one_hot_scores(y_true, y_pred), dim=-1)
    original_shape = true_ids.shape
    reshape = true_ids.dim() == y_pred.dim()
    if reshape:
        true_ids = true_ids.squeeze(-1)
    matches = (true_ids == torch.argmax(y_pred, dim=-1)).to(torch.float32)
    return matches.reshape(original_shape) if reshape else matches


@register(_FUNCTIONS)
def sparse_categorical_accuracy(y_true: Any, y_pred: Any) -> torch.Tensor:
    """1.0 where the integer label equals the arg-max of `y_pred`.

    Args:
        y_true: class ids, shape `(batch,)` or `(batch, 1)`, int or float.
        y_pred: scores, shape `(batch, classes)`.

    Returns:
        Per-sample float32 matches, shape `(batch,)`.

    Example:
        >>> sparse_categorical_accuracy(torch.tensor([0, 1]), torch.tensor([[0.9, 0.1]] * 2))
        <tf.Tensor: shape=(2,), dtype=float32, numpy=array([1., 0.], dtype=float32)>
    """
    y_pred = numpy_bridge.as_tensor(y_pred)
    y_true = _labels(y_true, y_pred, _compare_dtype(y_pred))
    original_shape = y_true.shape
    reshape = y_true.dim() == y_pred.dim() and y_true.shape[-1] == 1
    if reshape:
        y_true = y_true.squeeze(-1)
    predicted = torch.argmax(y_pred, dim=-1).to(y_true.dtype)
    matches = (y_true == predicted).to(torch.float32)
    if reshape:
        matches = matches.reshape(original_shape)
    if matches.dim() > 1 and matches.shape[-1] == 1:
        matches = matches.squeeze(-1)
    return matches


def _in_top_k(targets: torch.Tensor, predictions: torch.Tensor, k: int) -> torch.Tensor:
    """Whether each target's score is at least the k-th largest score (ties count as in)."""
    k = min(k, predictions.shape[-1])
    kth_largest = torch.topk(predictions, k, dim=-1).values[:, -1:]
    target_scores = torch.gather(predictions, -1, targets.long().unsqueeze(-1))
    return (target_scores >= kth_largest).squeeze(-1)


def _top_k_matches(true_ids: torch.Tensor, y_pred: torch.Tensor, k: int, sorted_ids: bool):
    original_shape = true_ids.shape
    if y_pred.dim() > 2:
        y_pred = y_pred.reshape(-1, y_pred.shape[-1])
    if true_ids.dim() > 1:
        true_ids = true_ids.reshape(-1)
    if sorted_ids:
        matches = torch.any(true_ids.unsqueeze(1) == y_pred[:, :k], dim=1)
    else:
        matches = _in_top_k(true_ids, y_pred, k)
    return matches.to(torch.float32).reshape(original_shape)


@register(_FUNCTIONS)
def top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> torch.Tensor:
    """1.0 where the one-hot label's class is among the `k` highest scores.

    Args:
        y_true: one-hot labels, shape `(batch, classes)`.
        y_pred: scores, same shape.
        k: how many top scores count.

    Returns:
        Per-sample float32 matches, shape `(batch,)`.

    Example:
        >>> top_k_categorical_accuracy(torch.eye(3)[[2]], torch.tensor([[0.5, 0.3, 0.2]]), k=2)
        <tf.Tensor: shape=(1,), dtype=float32, numpy=array([0.], dtype=float32)>
    """
    y_pred = numpy_bridge.as_tensor(y_pred)
    true_ids = torch.argmax(_one_hot_scores(y_true, y_pred), dim=-1)
    return _top_k_matches(true_ids, y_pred, k, sorted_ids=False)


@register(_FUNCTIONS)
def sparse_top_k_categorical_accuracy(
    y_true: Any, y_pred: Any, k: int = 5, from_sorted_ids: bool = False
) -> torch.Tensor:
    """1.0 where the integer label is among the `k` highest scores.

    Args:
        y_true: class ids, shape `(batch,)`.
        y_pred: scores `(batch, classes)`, or with `from_sorted_ids` the class ids sorted by
            descending score.
        k: how many top scores count.
        from_sorted_ids: whether `y_pred` already holds sorted class ids.

    Returns:
        Per-sample float32 matches, shape `(batch,)`.

    Example:
        >>> sparse_top_k_categorical_accuracy(torch.tensor([1]), torch.tensor([[0.5, 0.3, 0.2]]),
        ...                                   k=2)
        <tf.Tensor: shape=(1,), dtype=float32, numpy=array([1.], dtype=float32)>
    """
    y_pred = numpy_bridge.as_tensor(y_pred)
    dtype = y_pred.dtype if from_sorted_ids else torch.long
    true_ids = _labels(y_true, y_pred, dtype)
    return _top_k_matches(true_ids, y_pred, k, sorted_ids=from_sorted_ids)


# Called by hand from user code, the functions hand back eager tensors (see deepfit.backend).
returns_for_user_in(globals(), [_FUNCTIONS])
