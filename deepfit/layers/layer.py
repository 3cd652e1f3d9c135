"""`Layer`: a `torch.nn.Module` with Keras's life cycle — declare, build on first input, call.

A layer creates its weights in `build(input_shape)` with `add_weight`, computes in
`call(inputs, training=None)`, and describes itself with `get_config()`. Weights are
`torch.nn.Parameter`s in Keras's layout (a Dense kernel is `(in, out)`), registered under their
Keras names (`kernel`, `bias`), so `state_dict()` keys read `dense.kernel`.

Example:
    >>> import deepfit
    >>> layer = deepfit.layers.Dense(3)
    >>> layer(torch.zeros(2, 4)).shape
    torch.Size([2, 3])
    >>> [w.shape for w in layer.get_weights()]
    [(4, 3), (3,)]
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from deepfit import backend, config, tree
from deepfit.backend.context import _state as _backend_state
from deepfit.data.strings import is_text
from deepfit.layers import call_context, mask_propagation, name_scope, storage, tracking
from deepfit.layers.layer_attributes import LayerAttributes
from deepfit.layers.symbolic import KerasTensor, first_call_tensors, never_called_message
from deepfit.layers.weight_arguments import weight_arguments
from deepfit.ops import numpy_bridge

_name_counts: dict[str, int] = {}
# Values that may hold metrics Keras tracks (`tracking.track_metrics`).
_METRIC_CANDIDATES = (tracking.Metric, list, tuple)


def unique_name(base: str) -> str:
    """`base`, then `base_1`, `base_2`, ... as Keras names layers; reset by `clear_session()`."""
    count = _name_counts.get(base, 0)
    _name_counts[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


def reset_names() -> None:
    """Forget the automatic names handed out so far (Keras's `clear_session`)."""
    _name_counts.clear()


def snake_case(name: str) -> str:
    """`BatchNormalization` → `batch_normalization`, `Conv2D` → `conv2d`."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


class Layer(LayerAttributes, torch.nn.Module):
    """Base class of every deepfit layer and model.

    Args:
        name: the layer's name; unique automatic names otherwise (`dense`, `dense_1`, ...).
        trainable: whether the layer's weights are updated by training.
        dtype: accepted for Keras compatibility; weights are float32.
        input_shape: shape of one sample (no batch axis), declaring the model's input.
        input_dim: shorthand for `input_shape=(input_dim,)`.
        batch_input_shape: shape including the batch axis.
        batch_size: the fixed batch size that goes with `input_shape`.
        activity_regularizer: a penalty on the layer's outputs, added to `losses` at each call
            (divided by the batch size, as in Keras).
    """

    #: Cast integer, bool and float64 inputs to float32 on call (off for index inputs).
    autocast_inputs = True
    #: Whether a layer that drops an input's mask warns (Keras's warning); off for op nodes.
    _warns_on_dropped_mask = True

    def __new__(cls, *args: Any, **kwargs: Any) -> Layer:
        instance = super().__new__(cls)
        if cls.get_config is Layer.get_config and not cls.__module__.startswith("deepfit."):
            # A user's layer without its own get_config: Keras's automatic config.
            from deepfit.layers.auto_config import capture

            object.__setattr__(instance, "_auto_config", capture(cls, args, kwargs))
        return instance

    def __init__(
        self,
        *,
        name: str | None = None,
        trainable: bool = True,
        dtype: Any = None,
        input_shape: Sequence[int | None] | None = None,
        input_dim: int | None = None,
        batch_input_shape: Sequence[int | None] | None = None,
        batch_size: int | None = None,
        activity_regularizer: Any = None,
        **kwargs: Any,
    ) -> None:
        if kwargs:
            raise TypeError(
                f"{type(self).__name__}: unexpected keyword argument(s) {sorted(kwargs)}"
            )
        super().__init__()
        if name is not None and (not isinstance(name, str) or "." in name):
            raise ValueError(
                f"{type(self).__name__}: name must be a string without '.', received {name!r}"
            )
        # '' is a valid name, kept as given (Keras: only None gets an automatic name)
        self.name = unique_name(snake_case(type(self).__name__)) if name is None else name
        self._trainable = bool(trainable)
        self.built = False
        self._dtype_policy = dtype
        self._weight_names: list[str] = []
        self._weight_trainable: dict[str, bool] = {}
        self._regularized: list[tuple[str, Callable[[torch.Tensor], torch.Tensor]]] = []
        self._constraints: list[tuple[str, Callable[[torch.Tensor], torch.Tensor]]] = []
        self._build_input_shape: tuple | None = None
        self._declared_input_shape = _declared_shape(input_shape, input_dim, batch_input_shape)
        self._declared_batch_size = batch_size
        if batch_input_shape is not None:
            self._declared_batch_size = batch_input_shape[0]
        self._losses: list[torch.Tensor] = []
        self._last_call_losses: list[torch.Tensor] = []
        self._automatic_names: set[str] = set()
        from deepfit import regularizers

        self.activity_regularizer = regularizers.get(activity_regularizer)

    # ----------------------------------------------------------------- life cycle
    def build(self, input_shape: Any) -> None:
        """Create the layer's weights for inputs of `input_shape` (batch axis first, may be None).

        Args:
            input_shape: a shape tuple, or a list of them for layers with several inputs.
        """
        self.built = True

    def call(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        """The layer's computation; override in subclasses."""
        raise NotImplementedError(f"{type(self).__name__} must implement call()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not getattr(_backend_state, "internal", False):
            return self._user_call(args, kwargs)
        inputs = args[0] if args else kwargs.get("inputs")
        if isinstance(inputs, torch.Tensor):
            if self.autocast_inputs and inputs.dtype != torch.float32 and _needs_cast(inputs):
                inputs = mask_propagation.keep(inputs, inputs.float())
                args = (inputs, *args[1:]) if args else args
        elif _is_symbolic(inputs):
            from deepfit.models.functional import call_symbolic

            return call_symbolic(self, args, kwargs)
        elif isinstance(inputs, (list, tuple, dict)):
            converted = self._arrays_to_tensors(inputs)
            if converted is not inputs:
                inputs = converted
                if args:
                    args = (inputs, *args[1:])
                else:
                    kwargs = {**kwargs, "inputs": inputs}
        elif inputs is not None:
            inputs = self._to_tensor(inputs)
            args = (inputs, *args[1:])
        self._check_input_spec(inputs)
        if not self.built:
            self._build_for(inputs)
        context = call_context.current()
        if context is not None:
            return self._call_in(context, args, kwargs)
        context = self._open_call_context()
        try:
            return self._call_in(context, args, kwargs)
        finally:
            call_context.leave(context)

    def _user_call(self, args: tuple, kwargs: dict) -> Any:
        # The outermost call from user code: inputs as plain tensors, outputs as EagerTensors.
        plain = backend.to_plain(args)
        with backend.internal():
            outputs = self(*plain, **backend.to_plain(kwargs))
        if plain and outputs is plain[0]:
            return args[0]  # a layer that passes its input through returns it unchanged
        return backend.to_eager(outputs)

    def _open_call_context(self) -> call_context.CallContext:
        """Become the outermost call: open the context and forget the last call's losses."""
        context = call_context.enter(self)
        self._clear_losses()
        self.__dict__["_last_call_losses"] = context.losses
        return context

    def _call_in(self, context: call_context.CallContext, args: tuple, kwargs: dict) -> Any:
        outer = context.training
        training = kwargs.pop("training", None)
        if training is None:
            training = outer
        if _accepts(type(self), "training"):
            kwargs["training"] = training
        previous_mask = mask_propagation.prepare(self, args, kwargs)
        if "mask" in kwargs and not _accepts(type(self), "mask"):
            kwargs.pop("mask")
        context.training = training
        try:
            outputs = self._forward(args, kwargs)
        finally:
            context.training = outer
        mask_propagation.propagate(self, args[0] if args else None, outputs, previous_mask)
        if self.activity_regularizer is not None:
            self._add_activity_loss(outputs)
        if context.observer is not None:
            context.observer(self, outputs)
        return outputs

    @property
    def supports_masking(self) -> bool:
        """Whether the layer passes masks on (`compute_mask`); as in Keras, True by default for
        a layer that overrides `compute_mask`. Subclasses set it as a class or instance
        attribute."""
        found = self.__dict__.get("_supports_masking")
        return found if found is not None else type(self).compute_mask is not Layer.compute_mask

    @supports_masking.setter
    def supports_masking(self, value: bool) -> None:
        self.__dict__["_supports_masking"] = bool(value)

    def compute_mask(self, inputs: Any, previous_mask: Any = None) -> Any:
        """The mask of the outputs, for a layer that supports masking: the input's mask.

        Args:
            inputs: the call's first input.
            previous_mask: the mask given as `mask=`, else the one that came with `inputs`
                (`inputs._keras_mask`, a list of masks for a list of inputs), or None.

        Returns:
            A boolean tensor (True where a step is real), a structure of them, or None.

        Example:
            >>> class Half(deepfit.layers.Layer):
            ...     def compute_mask(self, inputs, mask=None):
            ...         return None if mask is None else mask[:, ::2]
        """
        return previous_mask

    def _add_activity_loss(self, outputs: Any) -> None:
        for output in tree.flatten(outputs):
            if isinstance(output, torch.Tensor):
                loss = self.activity_regularizer(output)
                if output.dim() > 0:
                    loss = loss / output.shape[0] if output.shape[0] else loss * 0
                self.add_loss(loss)

    def _forward(self, args: tuple, kwargs: dict) -> Any:
        if self.__dict__.pop("_first_call", False):  # sublayers built now are inside this one
            with name_scope.building(self):
                return self._forward(args, kwargs)
        if self._forward_hooks or self._forward_pre_hooks or _global_hooks():
            return torch.nn.Module.__call__(self, *args, **kwargs)
        return self.call(*args, **kwargs)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """`torch.nn.Module` entry point (used by wrappers such as DistributedDataParallel):
        runs `call`, opening the call context when no layer call is in progress."""
        if call_context.current() is not None:
            return self.call(*args, **kwargs)
        context = self._open_call_context()
        try:
            context.training = kwargs.get("training")
            return self.call(*args, **kwargs)
        finally:
            call_context.leave(context)

    def _build_for(self, inputs: Any) -> None:
        shape = _shape_of(inputs)
        self._built_on_text = is_text(inputs)
        self._build_input_shape = shape
        with name_scope.building(self), torch.no_grad():
            self.build(shape)
        self.built = self.__dict__["_first_call"] = True
        self._sync_requires_grad()
        self._check_input_spec(inputs)  # build may have set the spec (Keras checks again)

    def _to_tensor(self, value: Any) -> torch.Tensor:
        if is_text(value):  # torch has no strings: text stays NumPy for preprocessing layers
            return value if isinstance(value, np.ndarray) else np.asarray(value, dtype=object)
        array = np.asarray(value)
        tensor = numpy_bridge.as_tensor(array)
        if self.autocast_inputs and _needs_cast(tensor):
            tensor = tensor.float()
        return tensor.to(self._device())

    def _arrays_to_tensors(self, inputs: list | tuple | dict) -> Any:
        """A list/tuple/dict of inputs with its NumPy arrays (and pandas columns) as tensors,
        as Keras converts them (`concat([a, b])`, `model({"x": array})`); `inputs` itself when
        it holds none. Numbers and nested lists stay as given (a list may be one input)."""
        items = inputs.values() if isinstance(inputs, dict) else inputs
        if not any(isinstance(item, np.ndarray) or _is_pandas(item) for item in items):
            return inputs

        def convert(item: Any) -> Any:
            if isinstance(item, np.ndarray) or _is_pandas(item):
                return self._to_tensor(np.asarray(item))
            return item

        if isinstance(inputs, dict):
            return {key: convert(item) for key, item in inputs.items()}
        converted = [convert(item) for item in inputs]
        return converted if isinstance(inputs, list) else tuple(converted)

    def _device(self) -> torch.device:
        for param in self.parameters():
            return param.device
        return config.get_device()

    # ----------------------------------------------------------------- weights
    def add_weight(
        self,
        *args: Any,
        shape: Sequence[int] | None = None,
        initializer: Any = None,
        dtype: Any = None,
        trainable: bool = True,
        autocast: bool = True,
        regularizer: Any = None,
        constraint: Any = None,
        aggregation: str = "none",
        overwrite_with_gradient: bool = False,
        name: str | None = None,
        device: torch.device | None = None,
    ) -> torch.nn.Parameter:
        """Create a weight, register it with the layer and return it (Keras 3's signature).

        Every argument is optional and may be given by keyword. Positionally, Keras 3's order
        `(shape, initializer, dtype, trainable)` is accepted, and so is a leading name
        (`add_weight("kernel", (3, 4), "zeros")`, the Keras 2 and deepfit layers' style).

        Args:
            shape: the weight's shape in Keras's layout; `()` (a scalar) by default.
            initializer: an initializer name, object or callable `(shape, dtype, device)`;
                by default "glorot_uniform" for float weights and "zeros" otherwise.
            dtype: the weight's dtype (a torch dtype or a name such as "float32").
            trainable: False for state such as BatchNormalization's moving statistics.
            autocast, aggregation, overwrite_with_gradient: accepted for Keras compatibility.
            regularizer: a regularizer name or callable adding a penalty to `losses`.
            constraint: a callable applied to the weight after each optimizer update.
            name: the registered name (`kernel`, `bias`, ...); without one the weight is named
                `variable`, `variable_1`, ... and renamed after the attribute it is assigned to.
            device: where to create it; the configured device by default.

        Returns:
            The new weight: a `deepfit.Variable` (a `torch.nn.Parameter`).

        Example:
            >>> self.w = self.add_weight(shape=(4, 2), initializer="random_normal")
        """
        name, shape, initializer, dtype, trainable = weight_arguments(
            self, args, name, shape, initializer, dtype, trainable)
        from deepfit import constraints, initializers, regularizers

        init = initializers.get(initializer)
        device = device or config.get_device()
        value = init(tuple(int(d) for d in shape), dtype=dtype, device=device)
        if name is None:
            name = self._automatic_weight_name()
        param = backend.Variable(value.detach(), trainable, name)
        param._path = self._weight_path(name)
        self.register_parameter(name, param)
        self._weight_names.append(name)
        self._weight_trainable[name] = trainable
        if regularizer is not None:
            self._regularized.append((name, regularizers.get(regularizer)))
        if constraint is not None:
            self._constraints.append((name, constraints.get(constraint)))
        return param

    @property
    def trainable(self) -> bool:
        """Whether training updates this layer's weights; setting it applies to sublayers too."""
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        for layer in self._sublayers():
            layer.trainable = value
        self._sync_requires_grad()

    def _sync_requires_grad(self) -> None:
        for name in self._weight_names:
            getattr(self, name).requires_grad_(self._trainable and self._weight_trainable[name])

    def _automatic_weight_name(self) -> str:
        taken = set(self._parameters) | set(self.__dict__)
        name, count = "variable", 0
        while name in taken:
            count += 1
            name = f"variable_{count}"
        self._automatic_names.add(name)
        return name

    def __setattr__(self, name: str, value: Any) -> None:
        # Keras tracks layers and weights kept in lists/dicts, and weights assigned directly.
        value = tracking.tracked(value, name)
        if isinstance(value, torch.nn.Parameter) and self.__dict__.get("_automatic_names"):
            self._rename_weight(value, name)
        super().__setattr__(name, value)
        if isinstance(value, _METRIC_CANDIDATES) or "_tracked_metrics" in self.__dict__:
            tracking.track_metrics(self, name, value)
        if isinstance(value, torch.nn.Parameter) and "_weight_names" in self.__dict__ and (
                name not in self._weight_trainable):
            self._weight_names.append(name)
            self._weight_trainable[name] = value.requires_grad

    def _rename_weight(self, param: torch.nn.Parameter, name: str) -> None:
        """`self.w = self.add_weight(shape=...)`: the unnamed weight takes the attribute's name,
        keeping its place in `weights` and its regularizer and constraint."""
        old = next((k for k in self._automatic_names if self._parameters.get(k) is param), None)
        if old is None or name in self._parameters:
            return
        self._automatic_names.discard(old)
        self.__dict__["_parameters"] = {(name if k == old else k): v
                                        for k, v in self._parameters.items()}
        self._weight_names[self._weight_names.index(old)] = name
        self._weight_trainable[name] = self._weight_trainable.pop(old)
        self._regularized = [(name if k == old else k, f) for k, f in self._regularized]
        self._constraints = [(name if k == old else k, f) for k, f in self._constraints]
        if isinstance(param, backend.Variable):
            param._name, param._path = name, self._weight_path(name)

    def _sublayers(self) -> list[Layer]:
        return [module for module in tracking.children(self) if isinstance(module, Layer)]

    def _own_weights(self, trainable: bool | None = None) -> list[torch.nn.Parameter]:
        names = [n for n in self._weight_names if self._weight_trainable[n]]
        names += [n for n in self._weight_names if not self._weight_trainable[n]]
        if trainable is True:
            names = [n for n in names if self._weight_trainable[n] and self._trainable]
        elif trainable is False:
            names = [n for n in names if not (self._weight_trainable[n] and self._trainable)]
        return [getattr(self, n) for n in names]

    def _collect(self, trainable: bool | None) -> list[torch.nn.Parameter]:
        found = self._own_weights(trainable)
        for layer in self._sublayers():
            found += layer._collect(trainable)
        for module in tracking.children(self):
            if not isinstance(module, Layer):
                found += _plain_module_weights(module, trainable, self._trainable)
        unique, seen = [], set()
        for weight in found:
            if id(weight) not in seen:
                seen.add(id(weight))
                unique.append(weight)
        return unique

    @property
    def weights(self) -> list[torch.nn.Parameter]:
        """All weights: this layer's own in creation order (trainable first), then sublayers'."""
        return self._collect(None)

    @property
    def trainable_weights(self) -> list[torch.nn.Parameter]:
        """The weights training updates."""
        return self._collect(True)

    @property
    def non_trainable_weights(self) -> list[torch.nn.Parameter]:
        """The weights training leaves alone (frozen layers, moving statistics)."""
        return self._collect(False)

    variables = weights
    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    def state_dict(self, *args: Any, **kwargs: Any) -> Any:
        """torch's `state_dict`, holding only this layer's data: weights that are views into
        the optimizer's flat buffer are copied, so saving one layer does not write the whole
        model's storage (`deepfit.layers.storage.compact`)."""
        state = super().state_dict(*args, **kwargs)
        nested = kwargs.get("destination") is not None or len(args) > 0  # a parent's recursion
        keep_vars = kwargs.get("keep_vars", False)
        return state if nested or keep_vars else storage.compact(state)

    def get_weights(self) -> list[np.ndarray]:
        """The weights as NumPy arrays, in `weights` order and Keras's layout."""
        return [w.detach().cpu().numpy().copy() for w in self.weights]

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Replace the weights with arrays of matching shapes, in `weights` order.

        Raises:
            ValueError: a different number of arrays or a shape mismatch, before anything changes.
        """
        params = self.weights
        if len(weights) != len(params):
            raise ValueError(
                f"Layer '{self.name}': set_weights expected a list of {len(params)} arrays "
                f"(shapes {[tuple(p.shape) for p in params]}), received {len(weights)}"
            )
        arrays = [np.asarray(w) for w in weights]
        for param, array, index in zip(params, arrays, range(len(arrays))):
            if tuple(param.shape) != array.shape:
                raise ValueError(
                    f"Layer '{self.name}': weight {index} has shape {tuple(param.shape)}, "
                    f"received an array of shape {array.shape}"
                )
        with torch.no_grad():
            for param, array in zip(params, arrays):
                param.copy_(numpy_bridge.as_tensor(array, dtype=param.dtype))

    def count_params(self) -> int:
        """The number of scalars in all weights (trainable and not)."""
        if not self.built:
            raise ValueError(
                f"Layer '{self.name}' has not been built yet: call it on data or give it "
                f"an input shape before counting its parameters"
            )
        return int(sum(w.numel() for w in self.weights))

    # ----------------------------------------------------------------- metrics
    @property
    def metrics(self) -> list[Any]:
        """The metrics this layer keeps in its attributes, then its sublayers' (Keras's
        `Layer.metrics`)."""
        if not tracking.metrics_seen:
            return []
        found = tracking.own_metrics(self)
        for layer in self._sublayers():
            found.extend(layer.metrics)
        return found

    # ----------------------------------------------------------------- losses
    @property
    def losses(self) -> list[torch.Tensor]:
        """The losses of the last outermost call and the weight penalties, as Keras lists them:
        `add_loss` and activity-regularizer losses of this layer and its sublayers, then the
        regularization penalties of the trainable weights (frozen weights add nothing)."""
        layers = self._flatten_layers()
        found = [loss for layer in layers for loss in layer._losses]
        trainable = {id(w) for w in self.trainable_weights}
        for layer in layers:
            for name, regularizer in layer._regularized:
                weight = getattr(layer, name)
                if id(weight) in trainable:
                    found.append(regularizer(weight))
        return found

    def add_loss(self, loss: Any) -> None:
        """Add a loss (a tensor, or a structure of them) computed in `call`; it counts in
        `losses` and in the training loss until the next outermost call.

        Args:
            loss: a tensor (summed to a scalar by the trainer) or a list of them.

        Example:
            >>> class Sparse(deepfit.layers.Layer):
            ...     def call(self, inputs):
            ...         self.add_loss(1e-3 * inputs.abs().sum())
            ...         return inputs
        """
        losses = tree.flatten(loss)
        for value in losses:
            if not isinstance(value, torch.Tensor):
                raise ValueError(f"Layer '{self.name}': add_loss() expects tensors computed in "
                                 f"call(), received {value!r}")
        self._losses.extend(losses)
        context = call_context.current()
        if context is not None:
            context.losses.extend(losses)

    def _clear_losses(self) -> None:
        for layer in self._flatten_layers():
            layer._losses.clear()

    def _flatten_layers(self) -> list[Layer]:
        """This layer and all its sublayers, each once, depth first."""
        found, seen, stack = [], set(), [self]
        while stack:
            layer = stack.pop()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            found.append(layer)
            stack.extend(reversed(layer._sublayers()))
        return found

    def _has_losses(self) -> bool:
        """Whether losses can arise beyond the compiled loss (weight or activity penalties)."""
        return any(layer._regularized or layer.activity_regularizer is not None or layer._losses
                   for layer in self._flatten_layers())

    def _apply_constraints(self) -> None:
        with torch.no_grad():
            for name, constraint in self._constraints:
                weight = getattr(self, name)
                weight.copy_(constraint(weight))
        for layer in self._sublayers():
            layer._apply_constraints()

    def _has_constraints(self) -> bool:
        return bool(self._constraints) or any(l._has_constraints() for l in self._sublayers())

    # ----------------------------------------------------------------- shapes and config
    def compute_output_shape(self, input_shape: Any) -> Any:
        """Output shape for `input_shape`, found by running the layer on a dummy batch."""
        shape = tuple(input_shape)
        dummy = torch.zeros((1,) + tuple(1 if d is None else d for d in shape[1:]))
        with torch.no_grad():
            out = self(dummy.to(self._device()), training=False)
        return (shape[0],) + tuple(out.shape[1:])

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments that recreate this layer (without its weights). A user's
        layer that does not write `get_config` gets the arguments it was built with, when they
        are plain values (Keras's automatic config, `deepfit.layers.auto_config`)."""
        config_dict: dict[str, Any] = {"name": self.name, "trainable": self.trainable}
        auto = self.__dict__.get("_auto_config")
        if auto is not None and type(self).get_config is Layer.get_config:
            config_dict = {"name": self.name, **auto, "trainable": self.trainable}
        config_dict["dtype"] = "float32"
        if self.activity_regularizer is not None:
            from deepfit import regularizers

            config_dict["activity_regularizer"] = regularizers.serialize(
                self.activity_regularizer)
        if self._declared_input_shape is not None:
            config_dict["batch_input_shape"] = (
                self._declared_batch_size,
                *self._declared_input_shape,
            )
        if auto is not None and type(self).get_config is Layer.get_config:
            from deepfit.layers.auto_config import accepts

            return {k: v for k, v in config_dict.items() if k in auto or accepts(type(self), k)}
        return config_dict

    @classmethod
    def from_config(cls, config_dict: dict[str, Any]) -> Layer:
        """Recreate a layer from `get_config()`'s output."""
        config_dict = dict(config_dict)
        config_dict.pop("dtype", None)
        return cls(**config_dict)

    @property
    def input_shape(self) -> tuple | None:
        """The shape the layer was built for, batch axis first."""
        if self._build_input_shape is not None:
            return self._build_input_shape
        if self._declared_input_shape is not None:
            return (self._declared_batch_size, *self._declared_input_shape)
        return None

    @property
    def input(self) -> Any:
        """The symbolic input of the layer's first call on KerasTensors (a list when several).

        Raises:
            AttributeError: the layer was never called symbolically (Keras's rule).
        """
        return first_call_tensors(self, "input")

    @property
    def output(self) -> Any:
        """The symbolic output of the layer's first call on KerasTensors (a list when several):
        in a built Sequential or Functional model, what feature extraction models start from.

        Example:
            >>> features = deepfit.Model(model.inputs, [l.output for l in model.layers])
        """
        return first_call_tensors(self, "output")

    def __getattr__(self, name: str) -> Any:
        try:
            return torch.nn.Module.__getattr__(self, name)
        except AttributeError:
            # A property above raised; torch's lookup then lost its message: say it again.
            message = self._undefined_attribute(name)
            if message is None:
                raise
            raise AttributeError(message) from None

    def _undefined_attribute(self, name: str) -> str | None:
        """The message for a Keras attribute that is not defined yet, or None."""
        if name in ("input", "output"):
            return never_called_message(self, name)
        return None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"

    def extra_repr(self) -> str:
        return f"name={self.name!r}"


def _global_hooks() -> bool:
    """Whether torch's process-wide module hooks are set (`register_module_forward_hook`, ...),
    which only `torch.nn.Module.__call__` runs."""
    hooks = torch.nn.modules.module
    return bool(hooks._global_forward_hooks or hooks._global_forward_pre_hooks
                or hooks._global_backward_hooks or hooks._global_backward_pre_hooks)


def _declared_shape(input_shape, input_dim, batch_input_shape) -> tuple | None:
    if batch_input_shape is not None:
        return tuple(batch_input_shape[1:])
    if input_dim is not None:
        return (int(input_dim),)
    if input_shape is not None:
        if isinstance(input_shape, int):
            return (input_shape,)
        return tuple(input_shape)
    return None


def _is_pandas(value: Any) -> bool:
    return type(value).__module__.partition(".")[0] == "pandas" and hasattr(value, "to_numpy")


def _needs_cast(tensor: torch.Tensor) -> bool:
    return not tensor.is_floating_point() or tensor.dtype == torch.float64


def _shape_of(inputs: Any) -> Any:
    if isinstance(inputs, (torch.Tensor, np.ndarray)):
        return (None, *inputs.shape[1:])
    if isinstance(inputs, (list, tuple)):
        return [_shape_of(item) for item in inputs]
    if isinstance(inputs, dict):
        return {key: _shape_of(value) for key, value in inputs.items()}
    return None


def _is_symbolic(inputs: Any) -> bool:
    if isinstance(inputs, KerasTensor):
        return True
    if isinstance(inputs, (list, tuple)):
        return any(isinstance(item, KerasTensor) for item in inputs)
    if isinstance(inputs, dict):
        return any(isinstance(item, KerasTensor) for item in inputs.values())
    return False


_accepts_cache: dict[tuple[type, str], bool] = {}


def _accepts(cls: type, argument: str) -> bool:
    key = (cls, argument)
    if key not in _accepts_cache:
        parameters = inspect.signature(cls.call).parameters
        _accepts_cache[key] = argument in parameters or any(
            p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()
        )
    return _accepts_cache[key]


def _plain_module_weights(module, trainable, parent_trainable) -> list[torch.nn.Parameter]:
    params = list(module.parameters())
    if trainable is None:
        return params
    if trainable:
        return [p for p in params if p.requires_grad and parent_trainable]
    return [p for p in params if not (p.requires_grad and parent_trainable)]
