"""`OptimizerMap` and `MultiOptimizer`: a different optimizer for different variables, picked
by variable path (exact, then a regular expression matching the whole path, else the default).

Example:
    >>> mapping = OptimizerMap(Adam(1e-3), {"dense_1/.*": SGD(0.1)})
    >>> model.compile(MultiOptimizer(mapping), "mse")
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from typing import Any

import torch

from deepfit.identifiers import register, resolve
from deepfit.optimizers.base import _REGISTRY, Optimizer
from deepfit.optimizers.loss_scale import LossScaleOptimizer
from deepfit.optimizers.scalars import OptimizerScalar


def _serialized(optimizer: Optimizer) -> dict[str, Any]:
    builtin = _REGISTRY.get(type(optimizer).__name__) is type(optimizer)
    return {"module": "keras.optimizers" if builtin else type(optimizer).__module__,
            "class_name": type(optimizer).__name__, "config": optimizer.get_config(),
            "registered_name": None}


def _deserialized(config: Any, custom_objects: Mapping[str, Any] | None) -> Optimizer:
    return resolve("optimizer", config, _REGISTRY, base_class=Optimizer, allow_callable=False,
                   custom_objects=custom_objects)


def _check_inner(optimizer: Any, argument: str) -> Optimizer:
    if not isinstance(optimizer, Optimizer):
        raise ValueError(f"{argument}: expected an Optimizer instance, received {optimizer!r}")
    if isinstance(optimizer, LossScaleOptimizer):
        raise ValueError("optimizer cannot be LossScaleOptimizer.")
    if isinstance(optimizer, MultiOptimizer):
        raise ValueError("optimizer cannot be MultiOptimizer.")
    return optimizer


class OptimizerMap(MutableMapping):
    """Variable path (or a regular expression matching whole paths) -> optimizer, with a
    default for the other variables.

    Args:
        default_optimizer: the optimizer of variables no key matches.
        optimizer_map: `{path or pattern: optimizer}`.

    Raises:
        TypeError: `default_optimizer` is no Optimizer or `optimizer_map` no dict.
    """

    def __init__(self, default_optimizer: Optimizer,
                 optimizer_map: dict[str, Optimizer] | None = None) -> None:
        if not isinstance(default_optimizer, Optimizer):
            raise TypeError("default_optimizer must be a Keras Optimizer instance. "
                            f"Received: {default_optimizer}")
        if optimizer_map is not None and not isinstance(optimizer_map, dict):
            raise TypeError(f"optimizer_map must be a dictionary. Received: {optimizer_map}")
        self._default_optimizer = default_optimizer
        self._optimizer_map = dict(optimizer_map or {})

    @property
    def default_optimizer(self) -> Optimizer:
        """The optimizer of unmatched variables."""
        return self._default_optimizer

    def __getitem__(self, key: str) -> Optimizer:
        if key in self._optimizer_map:
            return self._optimizer_map[key]
        matching = [pattern for pattern in self._optimizer_map if re.fullmatch(pattern, key)]
        if len(matching) > 1:
            raise ValueError(f"Multiple optimizers assigned to variable {key}.")
        return self._optimizer_map[matching[0]] if matching else self._default_optimizer

    def __setitem__(self, key: str, optimizer: Optimizer) -> None:
        if key in self._optimizer_map:
            raise ValueError(f"'{key}' already exists in the OptimizerMap with value "
                             f"{self._optimizer_map[key]}. Please make sure to not use "
                             "duplicated keys.")
        if not isinstance(key, str):
            raise ValueError(f"key must be a string. Received: {key}")
        self._optimizer_map[key] = _check_inner(optimizer, "optimizer")

    def __delitem__(self, key: str) -> None:
        del self._optimizer_map[key]

    def __len__(self) -> int:
        return len(self._optimizer_map)

    def __iter__(self) -> Iterator[str]:
        return iter(self._optimizer_map)

    def __call__(self, variable: Any) -> Optimizer:
        """The optimizer of `variable` (by its `path`)."""
        return self[str(getattr(variable, "path", None) or getattr(variable, "name", ""))]

    def get_config(self) -> dict[str, Any]:
        return {"default_optimizer": _serialized(self._default_optimizer),
                "optimizer_map": {key: _serialized(opt)
                                  for key, opt in self._optimizer_map.items()}}

    @classmethod
    def from_config(cls, config: Mapping[str, Any],
                    custom_objects: Mapping[str, Any] | None = None) -> OptimizerMap:
        return cls(_deserialized(config["default_optimizer"], custom_objects),
                   {key: _deserialized(value, custom_objects)
                    for key, value in (config.get("optimizer_map") or {}).items()})


@register(_REGISTRY)
class MultiOptimizer(Optimizer):
    """Several optimizers, each updating the variables an `OptimizerMap` gives it.

    Args:
        optimizer_map: an `OptimizerMap` (or any callable variable -> optimizer).
        loss_scale_factor: set on every inner optimizer (the loss is scaled once).
        name: the optimizer's name.

    Example:
        >>> opt = MultiOptimizer(OptimizerMap(Adam(), {".*bias": SGD(0.1)}))
    """

    def __init__(self, optimizer_map: Any, loss_scale_factor: float | None = None,
                 name: str | None = None) -> None:
        self._inner: list[Optimizer] = []
        super().__init__(learning_rate=0.0, loss_scale_factor=loss_scale_factor, name=name)
        if not callable(optimizer_map):
            raise TypeError("optimizer_map: expected an OptimizerMap, received "
                            f"{type(optimizer_map).__name__}")
        self._optimizer_map = optimizer_map
        found = list(getattr(optimizer_map, "values", lambda: [])())
        found.append(getattr(optimizer_map, "default_optimizer", None))
        for optimizer in found:
            if optimizer is not None and all(optimizer is not o for o in self._inner):
                optimizer.loss_scale_factor = loss_scale_factor
                self._inner.append(optimizer)
        self._routes: dict[int, int] = {}

    @property
    def loss_scale_factor(self) -> float | None:
        return self.__dict__.get("_loss_scale_factor")

    @loss_scale_factor.setter
    def loss_scale_factor(self, value: float | None) -> None:
        self._loss_scale_factor = value
        for optimizer in self.__dict__.get("_inner", ()):
            optimizer.loss_scale_factor = value

    @property
    def optimizers(self) -> list[Optimizer]:
        """The inner optimizers."""
        return list(self._inner)

    @property
    def learning_rate(self) -> Any:
        raise AttributeError("Learning rate cannot be accessed on a MultiOptimizer. Access the "
                             "learning rate on the individual sub-optimizers instead.")

    @learning_rate.setter
    def learning_rate(self, value: Any) -> None:
        if "_optimizer_map" in self.__dict__:  # Optimizer.__init__ sets it first
            raise AttributeError("Learning rate cannot be set on a MultiOptimizer. Set the "
                                 "learning rate on the individual sub-optimizers instead.")

    def _set_learning_rate(self, learning_rate: Any) -> None:
        if "_optimizer_map" in self.__dict__:
            raise AttributeError("Learning rate cannot be set on a MultiOptimizer. Set the "
                                 "learning rate on the individual sub-optimizers instead.")
        super()._set_learning_rate(learning_rate)

    @property
    def iterations(self) -> OptimizerScalar:
        return super().iterations

    @property
    def built(self) -> bool:
        return self._built

    @property
    def variables(self) -> list[torch.Tensor]:
        return [value for optimizer in self._inner for value in optimizer.variables]

    def _route(self, variable: torch.Tensor) -> int:
        optimizer = _check_inner(self._optimizer_map(variable),
                                 f"the optimizer of {getattr(variable, 'path', variable)}")
        for k, inner in enumerate(self._inner):
            if inner is optimizer:
                return k
        optimizer.loss_scale_factor = self.loss_scale_factor
        self._inner.append(optimizer)
        return len(self._inner) - 1

    @torch.no_grad()
    def build(self, variables: Sequence[torch.Tensor]) -> None:
        variables = list(variables)
        if self._built and len(variables) == len(self._vars) and all(
                a is b for a, b in zip(variables, self._vars)):
            return
        self._routes = {id(v): self._route(v) for v in variables}
        for k, optimizer in enumerate(self._inner):
            mine = [v for v in variables if self._routes[id(v)] == k]
            if mine:
                optimizer.build(mine)
        self._vars, self._built = variables, True

    def zero_grad(self) -> None:
        for optimizer in self._inner:
            if optimizer.built:
                optimizer.zero_grad()

    @torch.no_grad()
    def step(self) -> None:
        for optimizer in self._inner:
            if optimizer.built:
                optimizer.step()
        self._iterations += 1

    @torch.no_grad()
    def apply(self, grads: Sequence[Any],
              trainable_variables: Sequence[torch.Tensor] | None = None) -> None:
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            if not self._built:
                raise ValueError("When passing `grads` without `variables`, the optimizer must "
                                 "already be built on a list of variables. Call "
                                 "`optimizer.build(trainable_variables)` first.")
            trainable_variables = self._vars
        trainable_variables = list(trainable_variables)
        if not self._built or any(id(v) not in self._routes for v in trainable_variables):
            self.build(trainable_variables)
        if len(grads) != len(trainable_variables):
            raise ValueError("Gradients must match trainable variables one-to-one. Received "
                             f"{len(grads)} gradients and {len(trainable_variables)} variables.")
        for k, optimizer in enumerate(self._inner):
            pairs = [(g, v) for g, v in zip(grads, trainable_variables)
                     if self._routes[id(v)] == k]
            if pairs:
                optimizer.apply([g for g, _ in pairs], [v for _, v in pairs])
        self._iterations += 1

    def finalize_variable_values(self, var_list: Any = None) -> None:
        for optimizer in self._inner:
            optimizer.finalize_variable_values()

    def _members(self, k: int) -> list[int]:
        """The indices (in `build`'s list) of the variables optimizer `k` updates."""
        return [i for i, v in enumerate(self._vars) if self._routes.get(id(v)) == k]

    def get_state(self) -> dict[str, Any]:
        """Every inner optimizer's state, keyed `<k>/<slot>.<i>` with `i` the variable's index
        in the list the MultiOptimizer was built on (`<k>/iterations` etc. for its scalars)."""
        state: dict[str, Any] = {"iterations": self._iterations}
        for k, optimizer in enumerate(self._inner):
            if not optimizer.built:
                continue
            members = self._members(k)
            for key, value in optimizer.get_state().items():
                slot, _, j = key.rpartition(".")
                state[f"{k}/{slot}.{members[int(j)]}" if slot else f"{k}/{key}"] = value
        return state

    def set_state(self, state: Mapping[str, Any]) -> None:
        self._iterations = int(state["iterations"])
        for k, optimizer in enumerate(self._inner):
            prefix = f"{k}/"
            local = {i: j for j, i in enumerate(self._members(k))}
            mine: dict[str, Any] = {}
            for key, value in state.items():
                if not key.startswith(prefix):
                    continue
                slot, _, i = key[len(prefix):].rpartition(".")
                mine[f"{slot}.{local[int(i)]}" if slot else key[len(prefix):]] = value
            if mine and optimizer.built:
                # A .keras file keeps one step count: every inner optimizer steps with it.
                mine.setdefault("iterations", self._iterations)
                optimizer.set_state(mine)

    def get_config(self) -> dict[str, Any]:
        mapping = self._optimizer_map
        serialized = ({"module": "keras.optimizers", "class_name": "OptimizerMap",
                       "config": mapping.get_config(), "registered_name": None}
                      if isinstance(mapping, OptimizerMap) else mapping)
        return {"optimizer_map": serialized, "loss_scale_factor": self.loss_scale_factor,
                "name": self.name}

    @classmethod
    def from_config(cls, config: Mapping[str, Any],
                    custom_objects: Mapping[str, Any] | None = None) -> MultiOptimizer:
        config = dict(config)
        mapping = config["optimizer_map"]
        if isinstance(mapping, Mapping) and mapping.get("class_name") == "OptimizerMap":
            config["optimizer_map"] = OptimizerMap.from_config(mapping["config"],
                                                               custom_objects)
        return cls(**config)

    def __repr__(self) -> str:
        return f"<MultiOptimizer name={self.name!r} optimizers={self._inner!r}>"
