"""The `Metric` base class and the `Sum`, `Mean` and `MeanMetricWrapper` reducers."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch

import deepfit.metrics.accuracy_functions  # noqa: F401 (registers the functions heads name)
from deepfit.backend.grad_mode import without_grad
from deepfit.backend.tensor import returns_for_user
from deepfit.losses import (
    _divide_no_nan,
    _float_tensor,
    _map_pred,
    _resolve_dtype,
    _snake_case,
    squeeze_or_expand_to_same_rank,
)
from deepfit.losses.heads import HEADS
from deepfit.metrics.utils import _find_function, _register_class
from deepfit.ops import numpy_bridge

#: The fast-path head of each metric function (`deepfit.losses.heads`), by function.
_HEADS = {_find_function(head.metric): head for head in HEADS}

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
        <tf.Tensor: shape=(), dtype=float32, numpy=3.0>
    """

    _direction: str | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Read by user code, a result is an eager tensor (`.numpy()`); plain inside steps.
        if "result" in cls.__dict__:
            cls.result = returns_for_user(cls.__dict__["result"])

    def __init__(self, name: str | None = None, dtype: Any = None) -> None:
        self.name = name or _snake_case(type(self).__name__)
        # Keras numbers default names per session ('auc', 'auc_1'); compile does it per model.
        self._auto_named = not name
        self._dtype = _resolve_dtype(dtype)
        self._state_shapes: dict[str, tuple[int, ...]] = {}
        self._device: torch.device | None = None
        self._pinned = False  # set by `to`: inputs follow the state, never the reverse
        self._fresh = True  # the state holds only zeros, so it may still move to the data
        self._variables: list[torch.Tensor] = []  # made by add_variable, in creation order

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

    def add_variable(self, shape: Sequence[int], initializer: Any, dtype: Any = None,
                     aggregation: str = "sum", name: str | None = None) -> torch.Tensor:
        """Create a state variable now, as Keras 3's `Metric.add_variable` does: a
        non-trainable `deepfit.Variable` that `update_state` changes with `assign_add`/`assign`,
        listed in `variables` and zeroed by the default `reset_state`.

        Args:
            shape: the variable's shape (`()` for a scalar).
            initializer: an initializer name or object (`"zeros"`), required as in Keras.
            dtype: the variable's dtype; `deepfit.config.floatx()` by default.
            aggregation: how distributed replicas combine it (kept as `variable.aggregation`).
            name: the variable's name (its path is `<metric name>/<name>`).

        Returns:
            The new Variable.

        Example:
            >>> self.true_positives = self.add_variable(shape=(), name="tp",
            ...                                         initializer="zeros")
        """
        from deepfit.metrics.variables import make_variable

        variable = make_variable(self, shape, initializer, dtype, aggregation, name)
        self._variables.append(variable)
        return variable

    def add_weight(self, shape: Sequence[int] = (), initializer: Any = None, dtype: Any = None,
                   name: str | None = None) -> torch.Tensor:
        """Keras's older name for `add_variable` (same arguments, `aggregation="sum"`)."""
        return self.add_variable(shape, initializer, dtype=dtype, name=name)

    @property
    def variables(self) -> list[torch.Tensor]:
        """The state tensors (those of `add_state` exist from the first batch), then the
        variables of `add_variable`."""
        states = [getattr(self, n) for n in self._state_shapes if getattr(self, n) is not None]
        return states + list(getattr(self, "_variables", ()))

    def _build(self, device: torch.device) -> None:
        for variable in getattr(self, "_variables", ()):
            if variable.device != device:  # in place: attributes keep pointing at it
                variable.data = variable.data.to(device)
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
        tensor = x if isinstance(x, torch.Tensor) else numpy_bridge.as_tensor(x)
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
        <tf.Tensor: shape=(), dtype=float32, numpy=4.0>
    """

    def __init__(self, name: str = "sum", dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.add_state("total")

    @without_grad
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
        <tf.Tensor: shape=(), dtype=float32, numpy=2.0>
    """

    def __init__(self, name: str = "mean", dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.add_state("total")
        self.add_state("count")

    @without_grad
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

    @without_grad
    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        in_mask = getattr(y_pred, "_keras_mask", None)  # Keras: masked outputs weigh 0
        if sample_weight is None and in_mask is None and not self._fresh and isinstance(
            y_pred, torch.Tensor
        ) and isinstance(y_true, torch.Tensor) and self._fast_update(y_true, y_pred):
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
        if in_mask is not None:
            sample_weight = self._masked_weight(in_mask, sample_weight, device)
        super().update_state(values, sample_weight=sample_weight)

    def _masked_weight(self, mask: torch.Tensor, sample_weight: Any, device: Any) -> Any:
        mask = mask.to(device=device, dtype=self._dtype)
        if sample_weight is None:
            return mask
        weight = self._tensor(sample_weight, device, self._dtype)
        mask, weight = squeeze_or_expand_to_same_rank(mask, weight)
        return weight * mask

    def _values(self, y_true: torch.Tensor, y_pred: torch.Tensor):
        return self._fn(y_true, y_pred, **self._fn_kwargs), None

    def _fast_update(self, y_true: torch.Tensor, y_pred: torch.Tensor) -> bool:
        """The training loop's common case in a few kernels: unweighted float32 tensors on the
        state's device. Returns False (doing nothing) when the general path is needed."""
        head = _HEADS.get(self._fn)
        total = self.total
        if head is None or total is None or y_pred.device != total.device or (
            y_pred.dtype != torch.float32
        ):
            return False
        summed = head.metric_sums(y_true, y_pred, **self._fn_kwargs)
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
