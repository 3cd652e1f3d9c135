"""The `Loss` base class and `LossFunctionWrapper`, reducing per-sample values as Keras does."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import torch

from deepfit.backend.tensor import for_user
from deepfit.identifiers import register
from deepfit.losses.heads import BY_LOSS
from deepfit.losses.utils import (
    _CLASSES,
    _align,
    _find_function,
    _float_tensor,
    _function_name,
    _resolve_dtype,
    _snake_case,
    _standardize_reduction,
    reduce_weighted_values,
)
from deepfit.ops import numpy_bridge


@register(_CLASSES)
class Loss:
    """Base class: subclasses implement `call(y_true, y_pred)` returning per-sample values.

    Args:
        name: the loss's name (defaults to the snake-case class name).
        reduction: 'sum_over_batch_size' (default), 'sum', 'mean', 'mean_with_sample_weight',
            or None / 'none'.
        dtype: the computation dtype (defaults to `deepfit.config.floatx()`); half-precision
            predictions are computed in it.

    Example:
        >>> class Absolute(Loss):
        ...     def call(self, y_true, y_pred):
        ...         return torch.abs(y_true - y_pred).mean(dim=-1)
        >>> Absolute()(torch.zeros(2, 1), torch.ones(2, 1))
        <tf.Tensor: shape=(), dtype=float32, numpy=1.0>
    """

    def __init__(
        self,
        name: str | None = None,
        reduction: str | None = "sum_over_batch_size",
        dtype: Any = None,
    ) -> None:
        self.name = name or _snake_case(type(self).__name__)
        self.reduction = _standardize_reduction(reduction)
        self._dtype = _resolve_dtype(dtype)

    @property
    def dtype(self) -> str:
        """The computation dtype's name."""
        return str(self._dtype).replace("torch.", "")

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> torch.Tensor:
        """Per-sample losses, weighted by `sample_weight`, reduced by `self.reduction`.

        As in Keras, a mask riding on `y_pred` (`_keras_mask`, e.g. padded steps of a sequence
        model's output) leaves those entries out of the loss."""
        in_mask = getattr(y_pred, "_keras_mask", None)
        y_pred = _float_tensor(y_pred, self._dtype)
        if not isinstance(y_true, torch.Tensor):
            y_true = numpy_bridge.as_tensor(y_true, device=y_pred.device)
        values, mask = self._values_and_mask(y_true, y_pred)
        if in_mask is not None:
            mask = in_mask if mask is None else in_mask & mask
        return for_user(reduce_weighted_values(values, sample_weight, mask, self.reduction))

    def _values_and_mask(self, y_true: Any, y_pred: torch.Tensor):
        values = self.call(y_true, y_pred)
        # A loss function may mask its own output (Keras's `circle` does).
        mask = getattr(values, "_keras_mask", None)
        if mask is not None and tuple(mask.shape) != tuple(values.shape):
            mask = None
        return values, mask

    def call(self, y_true: Any, y_pred: torch.Tensor) -> torch.Tensor:
        """Per-sample loss values; subclasses implement this."""
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred)")

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments that recreate this loss."""
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Loss:
        """Recreate a loss from `get_config()`'s output."""
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} reduction={self.reduction!r}>"


@register(_CLASSES)
class LossFunctionWrapper(Loss):
    """A `Loss` around a per-sample function `fn(y_true, y_pred, **kwargs)`.

    Args:
        fn: the loss function (a callable or a registered function name).
        reduction: see `Loss`.
        name: the loss's name (defaults to the function's name).
        dtype: see `Loss`.
        **kwargs: keyword arguments passed to `fn`.

    Example:
        >>> LossFunctionWrapper(huber, delta=2.0)(torch.zeros(1, 1), torch.full((1, 1), 3.0))
        tensor(4.)
    """

    def __init__(
        self,
        fn: Callable | str,
        reduction: str | None = "sum_over_batch_size",
        name: str | None = None,
        dtype: Any = None,
        **kwargs: Any,
    ) -> None:
        if isinstance(fn, str):
            fn = _find_function(fn)
        if not callable(fn):
            raise TypeError(f"fn: expected a callable, received {fn!r}")
        super().__init__(name=name or getattr(fn, "__name__", None), reduction=reduction,
                         dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true: Any, y_pred: torch.Tensor) -> torch.Tensor:
        y_true, y_pred = _align(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> torch.Tensor:
        if sample_weight is None and self.reduction == "sum_over_batch_size" and isinstance(
            y_pred, torch.Tensor
        ) and isinstance(y_true, torch.Tensor) and y_pred.dtype == self._dtype and getattr(
            y_pred, "_keras_mask", None) is None:
            head = BY_LOSS.get(self.fn)
            value = head.mean(y_true, y_pred, **self._fn_kwargs) if head is not None else None
            if value is not None:
                return for_user(value)
        return super().__call__(y_true, y_pred, sample_weight)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["fn"] = _function_name(self.fn)
        config.update(self._fn_kwargs)
        return config

    def __repr__(self) -> str:
        return f"<LossFunctionWrapper({_function_name(self.fn)}, kwargs={self._fn_kwargs})>"


class _OptionsLoss(LossFunctionWrapper):
    """A wrapper of one registered function whose options are also constructor arguments."""

    _fn: Callable
    _options: tuple[str, ...] = ()

    def __init__(self, reduction, name, dtype, **options: Any) -> None:
        super().__init__(type(self)._fn, reduction=reduction, name=name, dtype=dtype, **options)
        for key, value in options.items():
            setattr(self, key, value)

    def get_config(self) -> dict[str, Any]:
        config = Loss.get_config(self)
        config.update(self._fn_kwargs)
        return config
