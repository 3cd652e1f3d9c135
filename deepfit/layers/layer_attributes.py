"""Keras's Layer attributes that describe a layer rather than compute with it: its dtype policy
and dtypes, its path, its input spec, its build config and the hooks that save and load its
own variables. `Layer` inherits them.

Example:
    >>> dense = deepfit.layers.Dense(2)
    >>> dense.build((None, 3))
    >>> dense.dtype, dense.compute_dtype, dense.get_build_config()
    ('float32', 'float32', {'input_shape': (None, 3)})
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from deepfit import mixed_precision
from deepfit.layers import name_scope
from deepfit.layers.input_spec import assert_input_compatibility
from deepfit.ops import numpy_bridge


def resolve_policy(value: Any) -> mixed_precision.DTypePolicy:
    """A layer's `dtype` argument as a DTypePolicy: None is the global policy; a policy name,
    a policy, or Keras's serialized policy as given. deepfit computes other float dtypes
    ('float64', ...) in float32, and says so."""
    if value is None:
        return mixed_precision.global_policy()
    if isinstance(value, mixed_precision.DTypePolicy):
        return value
    if isinstance(value, dict):
        return resolve_policy(value.get("config", {}).get("name", value.get("name")))
    name = str(getattr(value, "name", value)).removeprefix("torch.")
    try:
        return mixed_precision.DTypePolicy(name)
    except ValueError:
        return mixed_precision.DTypePolicy("float32")


def _scoped_build(build: Callable) -> Callable:
    """`build` run in the layer's name scope (what it builds gets paths under the layer's),
    remembering the first shape it was given for `get_build_config` (Keras's build wrapper)."""

    @functools.wraps(build)
    def scoped_build(self: Any, *args: Any, **kwargs: Any) -> Any:
        with name_scope.building(self):
            result = build(self, *args, **kwargs)
        shape = args[0] if args else kwargs.get("input_shape")
        if shape is not None and self.__dict__.get("_build_input_shape") is None:
            self.__dict__["_build_input_shape"] = shape
        return result

    scoped_build._scoped = True
    return scoped_build


class LayerAttributes:
    """The descriptive half of Keras's Layer API (mixed into `deepfit.layers.Layer`)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        build = cls.__dict__.get("build")
        if callable(build) and not getattr(build, "_scoped", False):
            cls.build = _scoped_build(build)

    # ----------------------------------------------------------------- dtypes
    @property
    def dtype_policy(self) -> mixed_precision.DTypePolicy:
        """The policy the layer follows: the one given as `dtype=`, else the global one."""
        return resolve_policy(self.__dict__.get("_dtype_policy"))

    @dtype_policy.setter
    def dtype_policy(self, value: Any) -> None:
        self.__dict__["_dtype_policy"] = resolve_policy(value)

    @property
    def dtype(self) -> str:
        """The dtype of the layer's weights (Keras: an alias of `variable_dtype`)."""
        return self.variable_dtype

    @property
    def compute_dtype(self) -> str:
        """The dtype the layer computes in."""
        return self.dtype_policy.compute_dtype

    @property
    def variable_dtype(self) -> str:
        """The dtype of the layer's weights."""
        return self.dtype_policy.variable_dtype

    @property
    def input_dtype(self) -> str:
        """The dtype the layer's inputs are converted to: its compute dtype, or the dtype an
        `InputLayer` declares."""
        declared = self.__dict__.get("_declared_input_dtype")
        if declared is not None:
            return str(declared).removeprefix("torch.")
        return self.compute_dtype

    @input_dtype.setter
    def input_dtype(self, value: Any) -> None:
        self.__dict__["_declared_input_dtype"] = value

    # ----------------------------------------------------------------- path and input spec
    @property
    def path(self) -> str | None:
        """`outer/inner`: the layer's name under the layers it was built in; None before it is
        built."""
        own = self.__dict__.get("_path")
        if own is not None:
            return own
        return self.name if self.built else None

    @property
    def input_spec(self) -> Any:
        """An `InputSpec` (or a structure of them) each call's first input must fit; None."""
        return self.__dict__.get("_input_spec")

    @input_spec.setter
    def input_spec(self, value: Any) -> None:
        self.__dict__["_input_spec"] = value

    def _check_input_spec(self, inputs: Any) -> None:
        spec = self.__dict__.get("_input_spec")
        if spec:
            assert_input_compatibility(spec, inputs, self.name)

    def _weight_path(self, name: str) -> str:
        return "/".join(part for part in (name_scope.layer_path(self), name) if part)

    # ----------------------------------------------------------------- variables
    def add_variable(self, shape: Any, initializer: Any, dtype: Any = None,
                     trainable: bool = True, autocast: bool = True, regularizer: Any = None,
                     constraint: Any = None, name: str | None = None) -> torch.nn.Parameter:
        """Keras's alias of `add_weight` (shape and initializer first).

        Example:
            >>> self.scale = self.add_variable((4,), "ones", name="scale")
        """
        return self.add_weight(shape=shape, initializer=initializer, dtype=dtype,
                               trainable=trainable, autocast=autocast, regularizer=regularizer,
                               constraint=constraint, name=name)

    def get_build_config(self) -> dict[str, Any] | None:
        """`{'input_shape': ...}`: the shape the layer was built for, which `build_from_config`
        rebuilds it from; None for a layer never built."""
        shapes = self.__dict__.get("_build_shapes_dict")
        if shapes:
            return {"shapes_dict": shapes}
        shape = self.__dict__.get("_build_input_shape")
        return None if shape is None else {"input_shape": shape}

    def build_from_config(self, config: dict[str, Any] | None) -> None:
        """Create the layer's weights from `get_build_config()`'s output (nothing for None)."""
        if not config:
            return
        shape = config.get("input_shape")
        if shape is None and "shapes_dict" in config:
            shape = next(iter(config["shapes_dict"].values()))
        shape = list(shape) if isinstance(shape, list) else tuple(shape)
        with name_scope.building(self), torch.no_grad():
            self.build(shape)
        self.built = True
        self._build_input_shape = shape
        self._sync_requires_grad()

    def save_own_variables(self, store: dict) -> None:
        """Write the layer's own weights (not its sublayers') into `store` as '0', '1', ...
        (trainable first), as Keras's saving calls it."""
        for index, weight in enumerate(self._own_weights()):
            store[str(index)] = weight.detach().cpu().numpy()

    def load_own_variables(self, store: Any) -> None:
        """Set the layer's own weights from `store` ('0', '1', ... as `save_own_variables`).

        Raises:
            ValueError: the store holds another number of variables (Keras's message).
        """
        weights = self._own_weights()
        if len(store.keys()) != len(weights):
            if not weights and not self.built:
                raise ValueError(f"Layer '{self.name}' was never built and thus it doesn't have "
                                 f"any variables. However the weights file lists "
                                 f"{len(store.keys())} variables for this layer.")
            raise ValueError(f"Layer '{self.name}' expected {len(weights)} variables, but "
                             f"received {len(store.keys())} variables during loading. "
                             f"Expected: {[getattr(w, 'name', '') for w in weights]}")
        with torch.no_grad():
            for index, weight in enumerate(weights):
                value = numpy_bridge.as_tensor(np.asarray(store[str(index)]))
                weight.copy_(value.to(device=weight.device, dtype=weight.dtype))
