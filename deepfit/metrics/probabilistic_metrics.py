"""Crossentropy metrics: running means of the loss functions' values."""

from __future__ import annotations

from typing import Any

import torch

from deepfit import losses
from deepfit.metrics.base import _FnMetric
from deepfit.metrics.utils import _register_class

# ----------------------------------------------------------------------------- crossentropy


@_register_class("bce", "BCE")
class BinaryCrossentropy(_FnMetric):
    """The running mean of `losses.binary_crossentropy`.

    Args:
        name: defaults to 'binary_crossentropy'.
        dtype: the state dtype.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: in [0, 1], squeezes labels towards 0.5.

    Example:
        >>> BinaryCrossentropy()([[1.0]], [[0.5]])
        <tf.Tensor: shape=(), dtype=float32, numpy=0.6931471824645996>
    """

    _fn_static = staticmethod(losses.binary_crossentropy)
    _direction = "down"

    def __init__(self, name: str = "binary_crossentropy", dtype: Any = None,
                 from_logits: bool = False, label_smoothing: float = 0.0) -> None:
        super().__init__(name, dtype, from_logits=from_logits, label_smoothing=label_smoothing)


@_register_class()
class CategoricalCrossentropy(_FnMetric):
    """The running mean of `losses.categorical_crossentropy`.

    Args:
        name: defaults to 'categorical_crossentropy'.
        dtype: the state dtype.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: in [0, 1].
        axis: the class axis.

    Example:
        >>> CategoricalCrossentropy()([[0.0, 1.0]], [[0.5, 0.5]])
        <tf.Tensor: shape=(), dtype=float32, numpy=0.6931471824645996>
    """

    _fn_static = staticmethod(losses.categorical_crossentropy)
    _direction = "down"

    def __init__(self, name: str = "categorical_crossentropy", dtype: Any = None,
                 from_logits: bool = False, label_smoothing: float = 0.0,
                 axis: int = -1) -> None:
        super().__init__(name, dtype, from_logits=from_logits, label_smoothing=label_smoothing,
                         axis=axis)


@_register_class()
class SparseCategoricalCrossentropy(_FnMetric):
    """The running mean of `losses.sparse_categorical_crossentropy`.

    With `ignore_class`, ignored entries contribute 0; when sample weights are given they
    also get weight 0 (Keras's behaviour).

    Args:
        name: defaults to 'sparse_categorical_crossentropy'.
        dtype: the state dtype.
        from_logits: whether `y_pred` holds logits.
        ignore_class: a label to leave out, or None.
        axis: the class axis.

    Example:
        >>> SparseCategoricalCrossentropy()([1], [[0.5, 0.5]])
        <tf.Tensor: shape=(), dtype=float32, numpy=0.6931471824645996>
    """

    _fn_static = staticmethod(losses.sparse_categorical_crossentropy)
    _direction = "down"

    def __init__(self, name: str = "sparse_categorical_crossentropy", dtype: Any = None,
                 from_logits: bool = False, ignore_class: int | None = None,
                 axis: int = -1) -> None:
        super().__init__(name, dtype, from_logits=from_logits, ignore_class=ignore_class,
                         axis=axis)

    def _values(self, y_true: torch.Tensor, y_pred: torch.Tensor):
        kw = self._fn_kwargs
        return losses._sparse_ce_and_mask(y_true, y_pred, kw["from_logits"],
                                          kw["ignore_class"], kw["axis"])
