"""Streaming metrics with Keras 3's names, defaults, sample weighting and results.

A `Metric` accumulates state tensors with `update_state(y_true, y_pred, sample_weight=None)`
and reports with `result()`, a tensor that stays on the device (no host sync). State tensors
are created on the device of the first batch, or wherever `to(device)` puts them.

Example:
    >>> import torch
    >>> from deepfit import metrics
    >>> m = metrics.get("acc", torch.zeros(4), torch.zeros(4, 3))
    >>> m.update_state(torch.tensor([0, 1, 2, 0]), torch.eye(3)[[0, 1, 1, 0]])
    >>> m.name, m.result()
    ('acc', tensor(0.7500))
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch

from deepfit import config, losses
from deepfit.identifiers import register, resolve, valid_names
from deepfit.losses import (
    _divide_no_nan,
    _float_tensor,
    _map_pred,
    _resolve_dtype,
    _snake_case,
    squeeze_or_expand_to_same_rank,
)

__all__ = [
    "Metric", "Mean", "Sum", "MeanMetricWrapper", "Accuracy", "BinaryAccuracy",
    "CategoricalAccuracy", "SparseCategoricalAccuracy", "TopKCategoricalAccuracy",
    "SparseTopKCategoricalAccuracy", "MeanSquaredError", "MeanAbsoluteError",
    "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError", "RootMeanSquaredError",
    "CosineSimilarity", "LogCoshError", "BinaryCrossentropy", "CategoricalCrossentropy",
    "SparseCategoricalCrossentropy", "KLDivergence", "Poisson", "Hinge", "SquaredHinge",
    "CategoricalHinge", "TruePositives", "FalsePositives", "TrueNegatives", "FalseNegatives",
    "Precision", "Recall", "AUC", "AutoAccuracy", "AutoCrossentropy", "accuracy",
    "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
    "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy", "get", "serialize",
    "deserialize", "resolve_accuracy", "resolve_crossentropy",
]

NEG_INF = -1e10
_CLASSES: dict[str, Any] = {}  # metric classes by class name, snake-case name and alias
_FUNCTIONS: dict[str, Any] = {}  # stateless metric functions (accuracy, ...)


def _register_class(*aliases: str) -> Callable[[type], type]:
    def add(cls: type) -> type:
        register(_CLASSES, _snake_case(cls.__name__), *aliases)(cls)
        return cls

    return add


# ----------------------------------------------------------------------------- base classes


class Metric:
    """Base class: state tensors plus `update_state`, `result` and `reset_state`.

    Subclasses declare state with `add_state(name, shape)` in `__init__`; the tensors appear
    as attributes (zeros, in the metric's dtype) on the device of the first batch, placed by
    calling `prepare(...)` at the start of `update_state`; `result` reads them with `state`.
    Updates add to the state in place, on the device, under `torch.no_grad()`.

    Args:
        name: the metric's name, its key in logs (defaults to the snake-case class name).
        dtype: the state dtype (defaults to `deepfit.config.floatx()`).

    Example:
        >>> class Count(Metric):
        ...     def __init__(self, name="count"):
        ...         super().__init__(name=name)
        ...         self.add_state("n")
        ...     def update_state(self, y_true, y_pred, sample_weight=None):
        ...         self.prepare(y_pred)
        ...         self.n.add_(len(y_pred))
        ...     def result(self):
        ...         return self.state("n")
        >>> c = Count(); c.update_state(None, torch.zeros(3)); c.result()
        tensor(3.)
    """

    _direction: str | None = None

    def __init__(self, name: str | None = None, dtype: Any = None) -> None:
        self.name = name or _snake_case(type(self).__name__)
        self._dtype = _resolve_dtype(dtype)
        self._state_shapes: dict[str, tuple[int, ...]] = {}
        self._device: torch.device | None = None
        self._pinned = False  # set by `to`: inputs follow the state, never the reverse
        self._fresh = True  # the state holds only zeros, so it may still move to the data

    @property
    def dtype(self) -> str:
        """The state dtype's name ('float32')."""
        return str(self._dtype).replace("torch.", "")

    @property
    def device(self) -> torch.device | None:
        """Where the state lives (None before the first batch)."""
        return self._device

    def add_state(self, name: str, shape: Sequence[int] = ()) -> None:
        """Declare a zero-initialised state tensor, created with the first batch."""
        self._state_shapes[name] = tuple(int(d) for d in shape)
        setattr(self, name, None)

    @property
    def variables(self) -> list[torch.Tensor]:
        """The state tensors (empty before the first batch)."""
        return [getattr(self, n) for n in self._state_shapes if getattr(self, n) is not None]

    def _build(self, device: torch.device) -> None:
        for name, shape in self._state_shapes.items():
            current = getattr(self, name)
            if current is None:
                setattr(self, name, torch.zeros(shape, dtype=self._dtype, device=device))
            elif current.device != device:
                setattr(self, name, current.to(device))
        self._device = device

    def prepare(self, *inputs: Any) -> torch.device:
        """Place the state for a batch; call it first in `update_state`.

        The state goes to the first tensor input's device while it holds only zeros (after
        construction or `reset_state`); afterwards, and after `to`, it stays where it is.

        Args:
            *inputs: the batch's arguments (tensors, arrays or lists).

        Returns:
            The device the state lives on; move inputs there.
        """
        device = self._device
        if not self._pinned and (self._fresh or device is None):
            tensor = next((x for x in inputs if isinstance(x, torch.Tensor)), None)
            device = tensor.device if tensor is not None else (device or torch.device("cpu"))
        self._build(device)
        self._fresh = False
        return device

    def state(self, name: str) -> torch.Tensor:
        """A state tensor for `result`: built as zeros (on the current or CPU device) if no
        batch has been seen yet.

        Args:
            name: the name given to `add_state`.

        Returns:
            The state tensor.
        """
        if getattr(self, name) is None:
            self._build(self._device or torch.device("cpu"))
        return getattr(self, name)

    def _tensor(self, x: Any, device: torch.device, dtype: torch.dtype | None = None):
        """`x` as a tensor on `device` (and `dtype`), keeping logits attached to predictions."""
        tensor = x if isinstance(x, torch.Tensor) else torch.as_tensor(x)
        return _map_pred(x, tensor, lambda t: t.to(device=device, dtype=dtype or t.dtype))

    def update_state(self, *args: Any, **kwargs: Any) -> None:
        """Accumulate statistics from one batch; subclasses implement this."""
        raise NotImplementedError(f"{type(self).__name__} must implement update_state")

    def result(self) -> torch.Tensor:
        """The current value as a tensor on the state's device; subclasses implement this."""
        raise NotImplementedError(f"{type(self).__name__} must implement result")

    def reset_state(self) -> None:
        """Zero every state tensor in place (between epochs)."""
        for tensor in self.variables:
            tensor.zero_()
        self._fresh = True

    def to(self, device: str | torch.device) -> Metric:
        """Move the state to `device` and keep it there; later batches are moved to it.

        Args:
            device: a device or device string.

        Returns:
            This metric.
        """
        self._build(torch.device(device))
        self._pinned = True
        return self

    def __call__(self, *args: Any, **kwargs: Any) -> torch.Tensor:
        """`update_state(...)` then `result()`."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments that recreate this metric."""
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Metric:
        """Recreate a metric from `get_config()`'s output."""
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"


def _samplewise(values: torch.Tensor, weight: torch.Tensor | None, reduce_fn: Callable):
    """Keras's `reduce_to_samplewise_values`: weight, then reduce to one value per sample."""
    if weight is not None:
        values, weight = squeeze_or_expand_to_same_rank(values, weight)
        weight_rank, value_rank = weight.dim(), values.dim()
        if value_rank > weight_rank:
            values = reduce_fn(values, dim=tuple(range(weight_rank, value_rank)))
        weight = weight.broadcast_to(values.shape)
        values = values * weight
        if weight_rank > 1:
            weight = reduce_fn(weight, dim=tuple(range(1, weight_rank)))
    if values.dim() > 1:
        values = reduce_fn(values, dim=tuple(range(1, values.dim())))
    return values, weight


@_register_class()
class Sum(Metric):
    """The (weighted) sum of the values given to `update_state(values, sample_weight)`.

    Args:
        name: defaults to 'sum'.
        dtype: the state dtype.

    Example:
        >>> s = Sum(); s.update_state([1.0, 3.0, 5.0, 7.0], sample_weight=[1, 1, 0, 0])
        >>> s.result()
        tensor(4.)
    """

    def __init__(self, name: str = "sum", dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.add_state("total")

    @torch.no_grad()
    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        device = self.prepare(values)
        values = self._tensor(values, device, self._dtype)
        weight = None if sample_weight is None else self._tensor(sample_weight, device, self._dtype)
        values, _ = _samplewise(values, weight, torch.sum)
        self.total.add_(torch.sum(values))

    def result(self) -> torch.Tensor:
        return self.state("total").clone()


@_register_class()
class Mean(Metric):
    """The (weighted) mean of the values given to `update_state(values, sample_weight)`.

    Args:
        name: defaults to 'mean'.
        dtype: the state dtype.

    Example:
        >>> m = Mean(); m.update_state([1.0, 3.0, 5.0, 7.0], sample_weight=[1, 1, 0, 0])
        >>> m.result()
        tensor(2.)
    """

    def __init__(self, name: str = "mean", dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.add_state("total")
        self.add_state("count")

    @torch.no_grad()
    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        device = self.prepare(values)
        values = self._tensor(values, device, self._dtype)
        weight = None if sample_weight is None else self._tensor(sample_weight, device, self._dtype)
        values, weight = _samplewise(values, weight, torch.mean)
        self.total.add_(torch.sum(values))
        if weight is not None:
            self.count.add_(torch.sum(weight))
        else:
            self.count.add_(values.shape[0] if values.dim() >= 1 else 1)

    def result(self) -> torch.Tensor:
        return _divide_no_nan(self.state("total"), self.state("count"))


@_register_class()
class MeanMetricWrapper(Mean):
    """The running (weighted) mean of a per-sample function `fn(y_true, y_pred, **kwargs)`.

    Args:
        fn: the function (or a registered function name such as 'mean_squared_error').
        name: the metric's name (defaults to 'mean_metric_wrapper').
        dtype: the state dtype.
        **kwargs: keyword arguments passed to `fn`.

    Example:
        >>> m = MeanMetricWrapper(losses.mean_absolute_error, name="mae")
        >>> m.update_state(torch.zeros(2, 1), torch.tensor([[1.0], [3.0]]))
        >>> m.result()
        tensor(2.)
    """

    def __init__(self, fn: Callable | str, name: str | None = None, dtype: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(name=name or "mean_metric_wrapper", dtype=dtype)
        self._fn = _find_function(fn) if isinstance(fn, str) else fn
        if not callable(self._fn):
            raise TypeError(f"fn: expected a callable, received {fn!r}")
        self._fn_kwargs = kwargs

    @torch.no_grad()
    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        if sample_weight is None and not self._fresh and isinstance(y_pred, torch.Tensor) and (
            isinstance(y_true, torch.Tensor)
        ) and self._fast_update(y_true, y_pred):
            return
        device = self.prepare(y_pred, y_true)
        y_pred = self._tensor(y_pred, device)
        if y_pred.is_floating_point() and y_pred.element_size() < 4:
            y_pred = _float_tensor(y_pred, torch.float32)
        y_true = self._tensor(y_true, device)
        values, mask = self._values(y_true, y_pred)
        if mask is not None and sample_weight is not None:
            weight = self._tensor(sample_weight, device, self._dtype)
            mask, weight = squeeze_or_expand_to_same_rank(mask.to(self._dtype), weight)
            sample_weight = weight * mask
        super().update_state(values, sample_weight=sample_weight)

    def _values(self, y_true: torch.Tensor, y_pred: torch.Tensor):
        return self._fn(y_true, y_pred, **self._fn_kwargs), None

    def _fast_update(self, y_true: torch.Tensor, y_pred: torch.Tensor) -> bool:
        """The training loop's common case in a few kernels: unweighted float32 tensors on the
        state's device. Returns False (doing nothing) when the general path is needed."""
        fast = _FAST_VALUES.get(self._fn)
        total = self.total
        if fast is None or total is None or y_pred.device != total.device or (
            y_pred.dtype != torch.float32
        ):
            return False
        summed = fast(y_true, y_pred, **self._fn_kwargs)
        if summed is None:
            return False
        total.add_(summed[0])
        self.count.add_(summed[1])
        return True

    def get_config(self) -> dict[str, Any]:
        name = getattr(self._fn, "__name__", None)
        fn = name if name is not None and _find_function(name, None) is self._fn else self._fn
        return {"name": self.name, "dtype": self.dtype, "fn": fn, **self._fn_kwargs}


class _FnMetric(MeanMetricWrapper):
    """A `MeanMetricWrapper` of one fixed function whose options are constructor arguments."""

    _fn_static: Callable

    def __init__(self, name: str, dtype: Any, **options: Any) -> None:
        super().__init__(type(self)._fn_static, name=name, dtype=dtype, **options)
        for key, value in options.items():
            setattr(self, key, value)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype, **self._fn_kwargs}


# ----------------------------------------------------------------------------- accuracy


def _labels(y_true: Any, like: torch.Tensor, dtype: torch.dtype | None = None) -> torch.Tensor:
    return torch.as_tensor(y_true, dtype=dtype, device=like.device)


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
        tensor([1., 0.])
    """
    y_pred = torch.as_tensor(y_pred)
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
        tensor([[1.],
                [0.]])
    """
    y_pred = torch.as_tensor(y_pred)
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
        tensor([1., 0.])
    """
    y_pred = torch.as_tensor(y_pred)
    true_ids = torch.argmax(_labels(y_true, y_pred), dim=-1)
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
        tensor([1., 0.])
    """
    y_pred = torch.as_tensor(y_pred)
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
        tensor([0.])
    """
    y_pred = torch.as_tensor(y_pred)
    true_ids = torch.argmax(_labels(y_true, y_pred), dim=-1)
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
        tensor([1.])
    """
    y_pred = torch.as_tensor(y_pred)
    dtype = y_pred.dtype if from_sorted_ids else torch.long
    true_ids = _labels(y_true, y_pred, dtype)
    return _top_k_matches(true_ids, y_pred, k, sorted_ids=from_sorted_ids)


@_register_class()
class Accuracy(_FnMetric):
    """How often predictions equal labels exactly (`accuracy`).

    Args:
        name: defaults to 'accuracy'.
        dtype: the state dtype.

    Example:
        >>> Accuracy()([1, 2, 3], [1, 2, 0])
        tensor(0.6667)
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
        tensor(0.5000)
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
        tensor(0.5000)
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
        tensor(0.5000)
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
        tensor(0.5000)
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
        tensor(0.5000)
    """

    _fn_static = staticmethod(sparse_top_k_categorical_accuracy)
    _direction = "up"

    def __init__(self, k: int = 5, name: str = "sparse_top_k_categorical_accuracy",
                 dtype: Any = None, from_sorted_ids: bool = False) -> None:
        super().__init__(name, dtype, k=k, from_sorted_ids=from_sorted_ids)


# ----------------------------------------------------------------------------- regression


def _cosine(y_true: Any, y_pred: Any, axis: int = -1) -> torch.Tensor:
    """Cosine similarity (positive: 1 means same direction), the metric's sign convention."""
    return -losses.cosine_similarity(y_true, y_pred, axis=axis)


@_register_class("mse", "MSE")
class MeanSquaredError(_FnMetric):
    """The running (weighted) mean of `losses.mean_squared_error`.

    Args:
        name: defaults to 'mean_squared_error'.
        dtype: the state dtype.

    Example:
        >>> MeanSquaredError()([[0.0], [0.0]], [[1.0], [3.0]])
        tensor(5.)
    """

    _fn_static = staticmethod(losses.mean_squared_error)
    _direction = "down"

    def __init__(self, name: str = "mean_squared_error", dtype: Any = None) -> None:
        super().__init__(name, dtype)


@_register_class("mae", "MAE")
class MeanAbsoluteError(_FnMetric):
    """The running (weighted) mean of `losses.mean_absolute_error`.

    Args:
        name: defaults to 'mean_absolute_error'.
        dtype: the state dtype.

    Example:
        >>> MeanAbsoluteError()([[0.0], [0.0]], [[1.0], [3.0]])
        tensor(2.)
    """

    _fn_static = staticmethod(losses.mean_absolute_error)
    _direction = "down"

    def __init__(self, name: str = "mean_absolute_error", dtype: Any = None) -> None:
        super().__init__(name, dtype)


@_register_class("mape", "MAPE")
class MeanAbsolutePercentageError(_FnMetric):
    """The running (weighted) mean of `losses.mean_absolute_percentage_error`.

    Args:
        name: defaults to 'mean_absolute_percentage_error'.
        dtype: the state dtype.

    Example:
        >>> MeanAbsolutePercentageError()([[2.0]], [[1.0]])
        tensor(50.)
    """

    _fn_static = staticmethod(losses.mean_absolute_percentage_error)
    _direction = "down"

    def __init__(self, name: str = "mean_absolute_percentage_error", dtype: Any = None) -> None:
        super().__init__(name, dtype)


@_register_class("msle", "MSLE")
class MeanSquaredLogarithmicError(_FnMetric):
    """The running (weighted) mean of `losses.mean_squared_logarithmic_error`.

    Args:
        name: defaults to 'mean_squared_logarithmic_error'.
        dtype: the state dtype.

    Example:
        >>> MeanSquaredLogarithmicError()([[0.0]], [[0.0]])
        tensor(0.)
    """

    _fn_static = staticmethod(losses.mean_squared_logarithmic_error)
    _direction = "down"

    def __init__(self, name: str = "mean_squared_logarithmic_error", dtype: Any = None) -> None:
        super().__init__(name, dtype)


@_register_class("logcosh", "log_cosh")
class LogCoshError(_FnMetric):
    """The running (weighted) mean of `losses.log_cosh`.

    Args:
        name: defaults to 'logcosh'.
        dtype: the state dtype.

    Example:
        >>> LogCoshError()([[0.0]], [[0.0]])
        tensor(0.)
    """

    _fn_static = staticmethod(losses.log_cosh)
    _direction = "down"

    def __init__(self, name: str = "logcosh", dtype: Any = None) -> None:
        super().__init__(name, dtype)


@_register_class("kld", "KLD", "kullback_leibler_divergence")
class KLDivergence(_FnMetric):
    """The running (weighted) mean of `losses.kl_divergence`.

    Args:
        name: defaults to 'kl_divergence'.
        dtype: the state dtype.

    Example:
        >>> KLDivergence()([[0.5, 0.5]], [[0.5, 0.5]])
        tensor(0.)
    """

    _fn_static = staticmethod(losses.kl_divergence)
    _direction = "down"

    def __init__(self, name: str = "kl_divergence", dtype: Any = None) -> None:
        super().__init__(name, dtype)


@_register_class()
class Poisson(_FnMetric):
    """The running (weighted) mean of `losses.poisson`.

    Args:
        name: defaults to 'poisson'.
        dtype: the state dtype.

    Example:
        >>> Poisson()([[0.0]], [[2.0]])
        tensor(2.)
    """

    _fn_static = staticmethod(losses.poisson)
    _direction = "down"

    def __init__(self, name: str = "poisson", dtype: Any = None) -> None:
        super().__init__(name, dtype)


@_register_class()
class Hinge(_FnMetric):
    """The running (weighted) mean of `losses.hinge`.

    Args:
        name: defaults to 'hinge'.
        dtype: the state dtype.

    Example:
        >>> Hinge()([[1.0]], [[0.25]])
        tensor(0.7500)
    """

    _fn_static = staticmethod(losses.hinge)
    _direction = "down"

    def __init__(self, name: str = "hinge", dtype: Any = None) -> None:
        super().__init__(name, dtype)


@_register_class()
class SquaredHinge(_FnMetric):
    """The running (weighted) mean of `losses.squared_hinge`.

    Args:
        name: defaults to 'squared_hinge'.
        dtype: the state dtype.

    Example:
        >>> SquaredHinge()([[1.0]], [[0.5]])
        tensor(0.2500)
    """

    _fn_static = staticmethod(losses.squared_hinge)
    _direction = "down"

    def __init__(self, name: str = "squared_hinge", dtype: Any = None) -> None:
        super().__init__(name, dtype)


@_register_class()
class CategoricalHinge(_FnMetric):
    """The running (weighted) mean of `losses.categorical_hinge`.

    Args:
        name: defaults to 'categorical_hinge'.
        dtype: the state dtype.

    Example:
        >>> CategoricalHinge()([[0.0, 1.0]], [[0.2, 0.9]])
        tensor(0.3000)
    """

    _fn_static = staticmethod(losses.categorical_hinge)
    _direction = "down"

    def __init__(self, name: str = "categorical_hinge", dtype: Any = None) -> None:
        super().__init__(name, dtype)


@_register_class()
class CosineSimilarity(_FnMetric):
    """The running mean of the cosine similarity between labels and predictions.

    Args:
        name: defaults to 'cosine_similarity'.
        dtype: the state dtype.
        axis: the axis along which similarity is computed.

    Example:
        >>> CosineSimilarity()([[1.0, 0.0]], [[2.0, 0.0]])
        tensor(1.)
    """

    _fn_static = staticmethod(_cosine)
    _direction = "up"

    def __init__(self, name: str = "cosine_similarity", dtype: Any = None,
                 axis: int = -1) -> None:
        super().__init__(name, dtype, axis=axis)


@_register_class()
class RootMeanSquaredError(Mean):
    """`sqrt` of the running (weighted) mean of squared errors.

    Args:
        name: defaults to 'root_mean_squared_error'.
        dtype: the state dtype.

    Example:
        >>> RootMeanSquaredError()([[0.0], [0.0]], [[3.0], [4.0]])
        tensor(3.5355)
    """

    _direction = "down"

    def __init__(self, name: str = "root_mean_squared_error", dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)

    @torch.no_grad()
    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        device = self.prepare(y_pred, y_true)
        y_pred = self._tensor(y_pred, device, self._dtype)
        y_true = self._tensor(y_true, device, self._dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        super().update_state(torch.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self) -> torch.Tensor:
        return torch.sqrt(super().result())


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
        tensor(0.6931)
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
        tensor(0.6931)
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
        tensor(0.6931)
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
        tensor(1.)
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
        tensor(1.)
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
        tensor(0.)
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
        tensor(1.)
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
        tensor(0.5000)
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
        tensor(0.3333)
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
        tensor(0.7500)
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


# ----------------------------------------------------------------------------- resolution


class _ShapeResolved(Metric):
    """A metric whose concrete kind is chosen from the first batch's shapes."""

    def __init__(self, name: str, dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self._inner: Metric | None = None
        self._target_device: torch.device | None = None

    def _choose(self, y_true: Any, y_pred: Any) -> Metric:
        raise NotImplementedError

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        if self._inner is None:
            self._inner = self._choose(y_true, y_pred)
            if self._target_device is not None:
                self._inner.to(self._target_device)
        self._inner.update_state(y_true, y_pred, sample_weight=sample_weight)

    def result(self) -> torch.Tensor:
        if self._inner is None:
            return torch.zeros((), dtype=self._dtype, device=self._target_device)
        return self._inner.result()

    def reset_state(self) -> None:
        if self._inner is not None:
            self._inner.reset_state()

    def to(self, device: str | torch.device) -> Metric:
        self._target_device = torch.device(device)
        if self._inner is not None:
            self._inner.to(device)
        return self

    @property
    def variables(self) -> list[torch.Tensor]:
        return [] if self._inner is None else self._inner.variables

    @property
    def device(self) -> torch.device | None:
        return self._target_device if self._inner is None else self._inner.device

    @property
    def resolved(self) -> Metric | None:
        """The concrete metric, once the first batch has been seen."""
        return self._inner


@_register_class()
class AutoAccuracy(_ShapeResolved):
    """'accuracy' / 'acc' before the shapes are known: becomes the accuracy Keras's compile
    would pick (see `resolve_accuracy`) at the first `update_state`. A deepfit extension.

    Args:
        name: defaults to 'accuracy'.
        dtype: the state dtype.

    Example:
        >>> AutoAccuracy()([0, 1], [[0.9, 0.1], [0.8, 0.2]])
        tensor(0.5000)
    """

    _direction = "up"

    def __init__(self, name: str = "accuracy", dtype: Any = None) -> None:
        super().__init__(name, dtype)

    def _choose(self, y_true: Any, y_pred: Any) -> Metric:
        return resolve_accuracy(self.name, y_true, y_pred, dtype=self._dtype)


@_register_class()
class AutoCrossentropy(_ShapeResolved):
    """'crossentropy' / 'ce' before the shapes are known: becomes the crossentropy metric
    Keras's rule picks (see `resolve_crossentropy`) at the first `update_state`.

    Args:
        name: defaults to 'crossentropy'.
        dtype: the state dtype.

    Example:
        >>> AutoCrossentropy()([1], [[0.5, 0.5]])
        tensor(0.6931)
    """

    _direction = "down"

    def __init__(self, name: str = "crossentropy", dtype: Any = None) -> None:
        super().__init__(name, dtype)

    def _choose(self, y_true: Any, y_pred: Any) -> Metric:
        return resolve_crossentropy(self.name, y_true, y_pred, dtype=self._dtype)


def _as_shaped(x: Any) -> Any:
    return x if hasattr(x, "shape") or isinstance(x, (tuple, torch.Size)) else np.asarray(x)


def resolve_accuracy(name: str, y_true: Any, y_pred: Any, dtype: Any = None) -> Metric:
    """The accuracy metric Keras's compile picks for 'accuracy'/'acc', named `name`.

    Keras's rule (`compile_utils.get_metric`): y_pred's last dimension is 1 -> binary
    accuracy; y_true of lower rank than y_pred, or y_true's last dimension 1 with y_pred's
    larger -> sparse categorical accuracy; otherwise categorical accuracy.

    Args:
        name: the metric's name (the string the user wrote).
        y_true: labels of the first batch (a tensor, an array or a shape tuple).
        y_pred: predictions of the first batch (a tensor, an array or a shape tuple).
        dtype: the state dtype.

    Returns:
        A `BinaryAccuracy`, `SparseCategoricalAccuracy` or `CategoricalAccuracy`.

    Example:
        >>> type(resolve_accuracy("acc", (32,), (32, 10))).__name__
        'SparseCategoricalAccuracy'
    """
    is_binary, is_sparse = losses.is_binary_or_sparse_categorical(_as_shaped(y_true),
                                                                  _as_shaped(y_pred))
    if is_binary:
        return BinaryAccuracy(name=name, dtype=dtype)
    if is_sparse:
        return SparseCategoricalAccuracy(name=name, dtype=dtype)
    return CategoricalAccuracy(name=name, dtype=dtype)


def resolve_crossentropy(name: str, y_true: Any, y_pred: Any, dtype: Any = None) -> Metric:
    """The crossentropy metric for 'crossentropy'/'ce', by the same rule as `resolve_accuracy`.

    Args:
        name: the metric's name (the string the user wrote).
        y_true: labels of the first batch (a tensor, an array or a shape tuple).
        y_pred: predictions of the first batch (a tensor, an array or a shape tuple).
        dtype: the state dtype.

    Returns:
        A `BinaryCrossentropy`, `SparseCategoricalCrossentropy` or `CategoricalCrossentropy`.

    Example:
        >>> type(resolve_crossentropy("ce", (32, 1), (32, 1))).__name__
        'BinaryCrossentropy'
    """
    is_binary, is_sparse = losses.is_binary_or_sparse_categorical(_as_shaped(y_true),
                                                                  _as_shaped(y_pred))
    if is_binary:
        return BinaryCrossentropy(name=name, dtype=dtype)
    if is_sparse:
        return SparseCategoricalCrossentropy(name=name, dtype=dtype)
    return CategoricalCrossentropy(name=name, dtype=dtype)


def _find_function(name: str, default: Any = ...) -> Any:
    found = _FUNCTIONS.get(name) or losses._FUNCTIONS.get(name)
    if found is None and default is ...:
        names = valid_names({**_FUNCTIONS, **losses._FUNCTIONS})
        raise ValueError(f"Unknown metric function: {name!r}. Valid names: {names}")
    return found if found is not None else default


def _lookup_registry() -> dict[str, Any]:
    names = {**losses._FUNCTIONS, **_CLASSES}
    names.update(accuracy=AutoAccuracy, acc=AutoAccuracy, crossentropy=AutoCrossentropy,
                 ce=AutoCrossentropy)
    return names


def get(identifier: Any, y_true: Any = None, y_pred: Any = None) -> Metric | None:
    """Resolve a metric identifier to a `Metric` object.

    Strings give a metric named exactly as written (its log key): 'mse' -> MeanSquaredError
    named 'mse'. 'accuracy'/'acc' and 'crossentropy'/'ce' follow Keras's compile rule on
    `y_true`/`y_pred` when given (see `resolve_accuracy`), else resolve on the first batch.
    Loss-function names without a metric class ('huber') wrap the function.

    Args:
        identifier: a name, a `{'class_name', 'config'}` dict, a `Metric` object (returned
            unchanged), a `Metric` class, or a callable `fn(y_true, y_pred)`.
        y_true: labels of the first batch, for 'accuracy'-style names (optional).
        y_pred: predictions of the first batch, for 'accuracy'-style names (optional).

    Returns:
        A `Metric`, or None for None.

    Raises:
        ValueError: for an unknown name (listing the valid ones) or an unusable value.

    Example:
        >>> get("mse").name, type(get("mse")).__name__
        ('mse', 'MeanSquaredError')
    """
    if identifier is None or isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        kind = identifier.lower()
        if kind in ("accuracy", "acc", "crossentropy", "ce"):
            is_accuracy = kind in ("accuracy", "acc")
            if y_true is None or y_pred is None:
                return (AutoAccuracy if is_accuracy else AutoCrossentropy)(name=identifier)
            rule = resolve_accuracy if is_accuracy else resolve_crossentropy
            return rule(identifier, y_true, y_pred)
        target = resolve("metric", identifier, _lookup_registry(), allow_callable=False)
        if isinstance(target, type):
            return target(name=identifier)
        return MeanMetricWrapper(target, name=identifier)
    if isinstance(identifier, Mapping):
        return resolve("metric", identifier, _CLASSES)
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier):
        name = getattr(identifier, "name", None) or getattr(identifier, "__name__", None)
        return MeanMetricWrapper(identifier, name=name)
    raise ValueError(
        "Could not interpret metric identifier: expected a name, a config dict, a Metric or "
        f"a callable, received {identifier!r} of type {type(identifier).__name__}"
    )


def serialize(metric: Metric) -> dict[str, Any]:
    """A Keras-compatible config dict for a metric.

    Args:
        metric: a `Metric` object.

    Returns:
        `{'module', 'class_name', 'config', 'registered_name'}`.

    Example:
        >>> serialize(Mean())["config"]
        {'name': 'mean', 'dtype': 'float32'}
    """
    if not isinstance(metric, Metric):
        raise TypeError(f"metric: expected a Metric, received {type(metric).__name__}")
    return {"module": "keras.metrics", "class_name": type(metric).__name__,
            "config": metric.get_config(), "registered_name": None}


def deserialize(config: Any) -> Metric | None:
    """Inverse of `serialize` (also accepts names); same as `get`."""
    return get(config)


# ----------------------------------------------------------------------------- fast paths
# (sum of per-sample values, number of samples) for unweighted batches whose labels already have
# the expected shape; None falls back to the general path. Tests check both paths agree.


def _fast_sparse_accuracy(y_true, y_pred):
    if y_pred.dim() < 2 or y_true.numel() * y_pred.shape[-1] != y_pred.numel():
        return None
    matches = y_pred.argmax(dim=-1) == y_true.reshape(y_pred.shape[:-1])
    return matches.sum(), matches.shape[0]


def _fast_categorical_accuracy(y_true, y_pred):
    if y_true.shape != y_pred.shape or y_pred.dim() != 2:
        return None
    matches = y_pred.argmax(dim=-1) == y_true.argmax(dim=-1)
    return matches.sum(), matches.shape[0]


def _fast_binary_accuracy(y_true, y_pred, threshold=0.5):
    if y_true.numel() != y_pred.numel() or y_pred.dim() != 2 or y_pred.shape[-1] != 1:
        return None
    predicted = (y_pred > threshold).to(y_true.dtype)
    matches = predicted.reshape(-1) == y_true.reshape(-1)
    return matches.sum(), matches.shape[0]


def _fast_squared(y_true, y_pred):
    if y_true.numel() != y_pred.numel() or y_pred.dim() != 2:
        return None
    diff = y_pred - y_true.reshape(y_pred.shape).to(y_pred.dtype)
    return diff.square().mean(dim=-1).sum(), y_pred.shape[0]


def _fast_absolute(y_true, y_pred):
    if y_true.numel() != y_pred.numel() or y_pred.dim() != 2:
        return None
    diff = y_pred - y_true.reshape(y_pred.shape).to(y_pred.dtype)
    return diff.abs().mean(dim=-1).sum(), y_pred.shape[0]


_FAST_VALUES = {
    sparse_categorical_accuracy: _fast_sparse_accuracy,
    categorical_accuracy: _fast_categorical_accuracy,
    binary_accuracy: _fast_binary_accuracy,
    losses.mean_squared_error: _fast_squared,
    losses.mean_absolute_error: _fast_absolute,
}
