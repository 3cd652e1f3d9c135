"""Accuracy metric classes with Keras 3's names and options."""

from __future__ import annotations

from typing import Any

from deepfit.metrics.accuracy_functions import (
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from deepfit.metrics.base import _FnMetric
from deepfit.metrics.utils import _register_class


@_register_class()
class Accuracy(_FnMetric):
    """How often predictions equal labels exactly (`accuracy`).

    Args:
        name: defaults to 'accuracy'.
        dtype: the state dtype.

    Example:
        >>> Accuracy()([1, 2, 3], [1, 2, 0])
        <tf.Tensor: shape=(), dtype=float32, numpy=0.6666666865348816>
    """

    _fn_static = staticmethod(accuracy)
    _direction = "up"

    def __init__(self, name: str = "accuracy", dtype: Any = None) -> None:
        super().__init__(name, dtype)


@_register_class()
class BinaryAccuracy(_FnMetric):
    """How often `y_pred > threshold` matches 0/1 labels (`binary_accuracy`).

    Args:
        name: defaults to 'binary_accuracy'.
        dtype: the state dtype.
        threshold: the decision threshold.

    Example:
        >>> BinaryAccuracy()([[1.0], [0.0]], [[0.7], [0.6]])
        <tf.Tensor: shape=(), dtype=float32, numpy=0.5>
    """

    _fn_static = staticmethod(binary_accuracy)
    _direction = "up"

    def __init__(self, name: str = "binary_accuracy", dtype: Any = None,
                 threshold: float = 0.5) -> None:
        super().__init__(name, dtype, threshold=threshold)


@_register_class()
class CategoricalAccuracy(_FnMetric):
    """How often the arg-max of scores matches one-hot labels (`categorical_accuracy`).

    Args:
        name: defaults to 'categorical_accuracy'.
        dtype: the state dtype.

    Example:
        >>> CategoricalAccuracy()(torch.eye(2), [[0.9, 0.1], [0.8, 0.2]])
        <tf.Tensor: shape=(), dtype=float32, numpy=0.5>
    """

    _fn_static = staticmethod(categorical_accuracy)
    _direction = "up"

    def __init__(self, name: str = "categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(name, dtype)


@_register_class()
class SparseCategoricalAccuracy(_FnMetric):
    """How often the arg-max of scores matches integer labels (`sparse_categorical_accuracy`).

    Args:
        name: defaults to 'sparse_categorical_accuracy'.
        dtype: the state dtype.

    Example:
        >>> SparseCategoricalAccuracy()([0, 1], [[0.9, 0.1], [0.8, 0.2]])
        <tf.Tensor: shape=(), dtype=float32, numpy=0.5>
    """

    _fn_static = staticmethod(sparse_categorical_accuracy)
    _direction = "up"

    def __init__(self, name: str = "sparse_categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(name, dtype)


@_register_class()
class TopKCategoricalAccuracy(_FnMetric):
    """How often the one-hot label is among the top `k` scores.

    Args:
        k: how many top scores count.
        name: defaults to 'top_k_categorical_accuracy'.
        dtype: the state dtype.

    Example:
        >>> TopKCategoricalAccuracy(k=1)(torch.eye(2), [[0.9, 0.1], [0.8, 0.2]])
        <tf.Tensor: shape=(), dtype=float32, numpy=0.5>
    """

    _fn_static = staticmethod(top_k_categorical_accuracy)
    _direction = "up"

    def __init__(self, k: int = 5, name: str = "top_k_categorical_accuracy",
                 dtype: Any = None) -> None:
        super().__init__(name, dtype, k=k)


@_register_class()
class SparseTopKCategoricalAccuracy(_FnMetric):
    """How often the integer label is among the top `k` scores.

    Args:
        k: how many top scores count.
        name: defaults to 'sparse_top_k_categorical_accuracy'.
        dtype: the state dtype.
        from_sorted_ids: whether `y_pred` holds class ids sorted by descending score.

    Example:
        >>> SparseTopKCategoricalAccuracy(k=1)([0, 1], [[0.9, 0.1], [0.8, 0.2]])
        <tf.Tensor: shape=(), dtype=float32, numpy=0.5>
    """

    _fn_static = staticmethod(sparse_top_k_categorical_accuracy)
    _direction = "up"

    def __init__(self, k: int = 5, name: str = "sparse_top_k_categorical_accuracy",
                 dtype: Any = None, from_sorted_ids: bool = False) -> None:
        super().__init__(name, dtype, k=k, from_sorted_ids=from_sorted_ids)
