"""Metrics resolved from shapes, and resolving, serializing and deserializing identifiers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from deepfit import losses
from deepfit.identifiers import resolve
from deepfit.metrics.accuracy_metrics import (
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
)
from deepfit.metrics.base import MeanMetricWrapper, Metric
from deepfit.metrics.probabilistic_metrics import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
)
from deepfit.metrics.utils import _CLASSES, _register_class
from deepfit.object_registration import get_registered_name

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
    cls = type(metric)
    builtin = _CLASSES.get(cls.__name__) is cls
    return {"module": "keras.metrics" if builtin else cls.__module__,
            "class_name": cls.__name__, "config": metric.get_config(),
            "registered_name": None if builtin else get_registered_name(cls)}


def deserialize(config: Any) -> Metric | None:
    """Inverse of `serialize` (also accepts names); same as `get`."""
    return get(config)
