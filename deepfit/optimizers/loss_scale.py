"""`LossScaleOptimizer`: Keras's dynamic loss scaling around another optimizer, for float16
training: the loss is multiplied by a scale before backward, the gradients divided by it
before the inner update; a non-finite gradient skips the update and halves the scale, and
`dynamic_growth_steps` finite steps in a row double it.

Example:
    >>> opt = LossScaleOptimizer(SGD(0.1), initial_scale=1024.0)
    >>> model.compile(opt, "mse")   # fit scales the loss with `opt.scale_loss`
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch

from deepfit.identifiers import register, resolve
from deepfit.optimizers.base import _REGISTRY, Optimizer, _real
from deepfit.optimizers.scalars import OptimizerScalar

_NOT_HERE = {"weight_decay": None, "clipnorm": None, "global_clipnorm": None, "clipvalue": None,
             "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None,
             "loss_scale_factor": None, "gradient_accumulation_steps": None}
_SCALE, _COUNTER = "loss_scale/dynamic_scale", "loss_scale/step_counter"


def _all_finite(grads: Sequence[torch.Tensor]) -> bool:
    if not grads:
        return True
    return bool(torch.stack([torch.isfinite(g).all() for g in grads]).all())


@register(_REGISTRY)
class LossScaleOptimizer(Optimizer):
    """Dynamic loss scaling around `inner_optimizer` (Keras 3's class).

    Args:
        inner_optimizer: the optimizer that makes the updates.
        initial_scale: the starting scale.
        dynamic_growth_steps: finite steps in a row after which the scale doubles.
        name: the optimizer's name.
        **kwargs: `dynamic=False` and the common optimizer arguments are refused, as in
            Keras (set them on the inner optimizer).

    Example:
        >>> LossScaleOptimizer(SGD()).get_config()["initial_scale"]
        32768.0
    """

    def __init__(self, inner_optimizer: Optimizer, initial_scale: float = 2.0**15,
                 dynamic_growth_steps: int = 2000, name: str | None = None,
                 **kwargs: Any) -> None:
        if not kwargs.pop("dynamic", True):
            raise ValueError("LossScaleOptimizer no longer supports `dynamic=False`. Instead, "
                             "simply set `loss_scale_factor` directly on the `inner_optimizer`.")
        for argument, default in _NOT_HERE.items():
            if argument in kwargs and kwargs.pop(argument) != default:
                raise ValueError(f"LossScaleOptimizer does not support `{argument}`. Instead, "
                                 f"set `{argument}` on the `inner_optimizer`.")
        if kwargs:
            raise ValueError("LossScaleOptimizer does not support arguments: "
                             f"`{'`, `'.join(kwargs)}`.")
        if not isinstance(inner_optimizer, Optimizer):
            raise TypeError("inner_optimizer: expected an Optimizer, received "
                            f"{type(inner_optimizer).__name__}")
        if not isinstance(dynamic_growth_steps, int) or dynamic_growth_steps < 1:
            raise ValueError("dynamic_growth_steps: expected a positive integer, received "
                             f"{dynamic_growth_steps!r}")
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = inner_optimizer
        self.initial_scale = _real("initial_scale", initial_scale)
        self.dynamic_growth_steps = dynamic_growth_steps
        inner_optimizer.loss_scale_factor = None
        self._scale = self.initial_scale
        self._counter = 0

    # ----------------------------------------------------------------- delegated state
    @property
    def _scales_loss(self) -> bool:
        return True

    @property
    def learning_rate(self) -> OptimizerScalar:
        """The inner optimizer's learning rate."""
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value: Any) -> None:
        if "inner_optimizer" in self.__dict__:  # Optimizer.__init__ sets it first
            self.inner_optimizer.learning_rate = value

    lr = learning_rate

    def _set_learning_rate(self, learning_rate: Any) -> None:
        inner = self.__dict__.get("inner_optimizer")
        if inner is not None:
            inner._set_learning_rate(learning_rate)

    @property
    def iterations(self) -> OptimizerScalar:
        """The inner optimizer's update count."""
        return self.inner_optimizer.iterations

    @property
    def built(self) -> bool:
        return self.inner_optimizer.built

    @property
    def dynamic_scale(self) -> torch.Tensor:
        """The current loss scale (float32)."""
        return torch.tensor(self._scale, dtype=torch.float32)

    @property
    def step_counter(self) -> torch.Tensor:
        """Finite steps since the scale last changed."""
        return torch.tensor(self._counter, dtype=torch.int32)

    @property
    def variables(self) -> list[torch.Tensor]:
        return [self.step_counter, self.dynamic_scale] + list(self.inner_optimizer.variables)

    def build(self, variables: Sequence[torch.Tensor]) -> None:
        self.inner_optimizer.build(variables)

    def zero_grad(self) -> None:
        self.inner_optimizer.zero_grad()

    def exclude_from_weight_decay(self, var_list: Any = None, var_names: Any = None) -> None:
        self.inner_optimizer.exclude_from_weight_decay(var_list, var_names)

    def swap_average(self) -> None:
        self.inner_optimizer.swap_average()

    def set_average_to_variables(self) -> None:
        self.inner_optimizer.set_average_to_variables()

    def finalize_variable_values(self, var_list: Any = None) -> None:
        self.inner_optimizer.finalize_variable_values(var_list)

    # ----------------------------------------------------------------- scaling
    def scale_loss(self, loss: torch.Tensor) -> torch.Tensor:
        """`loss` times the current scale."""
        return loss * self._scale

    def _after(self, finite: bool) -> None:
        if not finite:
            self._counter, self._scale = 0, self._scale * 0.5
        elif self._counter == self.dynamic_growth_steps - 1:
            self._counter, self._scale = 0, self._scale * 2.0
        else:
            self._counter += 1

    @torch.no_grad()
    def step(self) -> None:
        """Unscale the variables' `.grad` and update with the inner optimizer when all of them
        are finite; otherwise skip the update and halve the scale."""
        inner = self.inner_optimizer
        grads = [p.grad for p in inner._vars if p.grad is not None]
        finite = _all_finite(grads)
        if finite:
            for grad in grads:
                grad.div_(self._scale)
            inner.step()
        self._after(finite)

    @torch.no_grad()
    def apply(self, grads: Sequence[Any],
              trainable_variables: Sequence[torch.Tensor] | None = None) -> None:
        """Keras's `apply`: the inner update with unscaled gradients when all are finite."""
        grads = list(grads)
        given = [torch.as_tensor(g) for g in grads if g is not None]
        finite = _all_finite(given)
        if trainable_variables is not None and not self.built:
            self.build(trainable_variables)
        if finite:
            self.inner_optimizer.apply(
                [None if g is None else torch.as_tensor(g) / self._scale for g in grads],
                trainable_variables)
        self._after(finite)

    # ----------------------------------------------------------------- state and config
    def get_state(self) -> dict[str, Any]:
        return {**self.inner_optimizer.get_state(), _SCALE: self._scale,
                _COUNTER: self._counter}

    def set_state(self, state: Mapping[str, Any]) -> None:
        state = dict(state)
        self._scale = float(state.pop(_SCALE, self._scale))
        self._counter = int(state.pop(_COUNTER, self._counter))
        self.inner_optimizer.set_state(state)

    def get_config(self) -> dict[str, Any]:
        inner = self.inner_optimizer
        builtin = _REGISTRY.get(type(inner).__name__) is type(inner)
        return {"name": self.name,
                "inner_optimizer": {"module": "keras.optimizers" if builtin
                                    else type(inner).__module__,
                                    "class_name": type(inner).__name__,
                                    "config": inner.get_config(), "registered_name": None},
                "initial_scale": self.initial_scale,
                "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config: Mapping[str, Any],
                    custom_objects: Mapping[str, Any] | None = None) -> LossScaleOptimizer:
        config = dict(config)
        inner = resolve("optimizer", config.pop("inner_optimizer"), _REGISTRY,
                        base_class=Optimizer, allow_callable=False,
                        custom_objects=custom_objects)
        return cls(inner, **config)

    def __repr__(self) -> str:
        return (f"<LossScaleOptimizer name={self.name!r} scale={self._scale} "
                f"inner={self.inner_optimizer!r}>")
