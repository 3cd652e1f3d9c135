"""Core layers: Input, InputLayer, Dense, Activation, Flatten, Reshape, Dropout, Lambda, Identity.

Example:
    >>> import deepfit
    >>> model = deepfit.Sequential([deepfit.layers.Dense(8, activation="relu", input_dim=4),
    ...                             deepfit.layers.Dropout(0.5), deepfit.layers.Dense(1)])
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Sequence
from typing import Any

import torch

from deepfit import activations, constraints, initializers, regularizers
from deepfit.backend.dropout_mask import keep_mask
from deepfit.data.strings import STRING
from deepfit.layers.arguments import positive_int
from deepfit.layers.layer import Layer
from deepfit.layers.symbolic import KerasTensor, Node

_TORCH_DTYPES = {
    None: torch.float32,
    "float32": torch.float32,
    "float64": torch.float64,
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
    "int32": torch.int32,
    "int64": torch.int64,
    "uint8": torch.uint8,
    "bool": torch.bool,
}


def torch_dtype(dtype: Any) -> torch.dtype:
    """A torch dtype from a Keras dtype name, a NumPy dtype or a torch dtype ('string' gives
    `deepfit.data.strings.STRING`: string inputs stay NumPy arrays)."""
    if isinstance(dtype, torch.dtype):
        return dtype
    if dtype in ("string", "str", str) or dtype is STRING:
        return STRING
    key = getattr(dtype, "name", dtype)
    key = getattr(key, "__name__", key) if not isinstance(key, str) else key
    if key not in _TORCH_DTYPES:
        raise ValueError(f"dtype: expected one of {sorted(k for k in _TORCH_DTYPES if k)}, "
                         f"received {dtype!r}")
    return _TORCH_DTYPES[key]


class InputLayer(Layer):
    """Declares the input of a model: the shape of one sample, without the batch axis.

    Args:
        shape: shape of one sample, e.g. `(28, 28)`.
        batch_size: optional fixed batch size.
        dtype: the input's dtype ('float32' by default; 'int32' for token ids).
        batch_shape: the shape including the batch axis, instead of `shape`/`batch_size`.
        name: the layer's name.
    """

    def __init__(
        self,
        shape: Sequence[int | None] | None = None,
        batch_size: int | None = None,
        dtype: Any = None,
        sparse: bool | None = None,
        batch_shape: Sequence[int | None] | None = None,
        input_tensor: Any = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        legacy = kwargs.pop("input_shape", None)
        legacy_batch = kwargs.pop("batch_input_shape", None)
        kwargs.pop("trainable", None)
        shape = shape if shape is not None else legacy
        if batch_shape is None and legacy_batch is not None:
            batch_shape = legacy_batch
        if batch_shape is not None:
            batch_size, shape = batch_shape[0], tuple(batch_shape[1:])
        if shape is None:
            raise ValueError("InputLayer: give `shape` (one sample's shape) or `batch_shape`")
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        if any(d is not None and (not isinstance(d, int) or d < 0) for d in shape):
            raise ValueError(f"InputLayer: shape must hold non-negative ints or None, "
                             f"received {shape}")
        super().__init__(name=name, input_shape=shape, batch_size=batch_size, **kwargs)
        self.input_dtype = torch_dtype(dtype)
        self.built = True
        output = KerasTensor((batch_size, *shape), torch_dtype(dtype), name=self.name)
        output.history = (Node(self, (), {}, output), 0)
        self._inbound_nodes = [output.history[0]]

    @property
    def batch_shape(self) -> tuple:
        return (self._declared_batch_size, *self._declared_input_shape)

    def call(self, inputs: torch.Tensor) -> torch.Tensor:
        return inputs

    def get_config(self) -> dict[str, Any]:
        return {
            "batch_shape": self.batch_shape,
            "dtype": self.input_dtype,
            "sparse": False,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> InputLayer:
        config = dict(config)
        config.pop("ragged", None)
        return cls(**config)


def Input(  # noqa: N802 - Keras's name
    shape: Sequence[int | None] | None = None,
    batch_size: int | None = None,
    dtype: Any = None,
    sparse: bool | None = None,
    batch_shape: Sequence[int | None] | None = None,
    name: str | None = None,
    tensor: Any = None,
) -> KerasTensor:
    """A symbolic input for the Functional API, or to declare a Sequential model's input.

    Args:
        shape: shape of one sample, without the batch axis.
        batch_size: optional fixed batch size.
        dtype: the input's dtype.
        batch_shape: the full shape, instead of `shape` and `batch_size`.
        name: the input's name.

    Returns:
        A `KerasTensor`.

    Example:
        >>> inputs = deepfit.Input(shape=(784,))
    """
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype,
                       batch_shape=batch_shape, name=name)
    return layer.output


class Dense(Layer):
    """A densely connected layer: `activation(inputs @ kernel + bias)`.

    Args:
        units: the output width.
        activation: an activation name or callable; None for linear.
        use_bias: whether to add a bias vector.
        kernel_initializer, bias_initializer: initializers by name or object.
        kernel_regularizer, bias_regularizer, activity_regularizer: penalties added to the loss.
        kernel_constraint, bias_constraint: applied after each update.

    Example:
        >>> Dense(10, activation="softmax")
    """

    supports_masking = True

    def __init__(
        self,
        units: int,
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        lora_rank: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.units = positive_int("Dense", "units", units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self._linear_activation = self.activation is activations.linear

    def build(self, input_shape: tuple) -> None:
        in_features = input_shape[-1]
        if in_features is None:
            raise ValueError(f"Dense '{self.name}': the last axis of the input must be known, "
                             f"received input shape {input_shape}")
        self.add_weight("kernel", (in_features, self.units), self.kernel_initializer,
                        regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        if self.use_bias:
            self.add_weight("bias", (self.units,), self.bias_initializer,
                            regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.input_features = in_features
        self.built = True

    def call(self, inputs: torch.Tensor) -> torch.Tensor:
        if inputs.shape[-1] != self.input_features:
            raise ValueError(
                f"Input 0 of layer '{self.name}' is incompatible with the layer: expected axis -1 "
                f"of input shape to have value {self.input_features}, but received input with "
                f"shape {tuple(inputs.shape)}"
            )
        if inputs.dim() == 2 and self.use_bias:
            outputs = torch.addmm(self.bias, inputs, self.kernel)
        else:
            outputs = torch.matmul(inputs, self.kernel)
            if self.use_bias:
                outputs = outputs + self.bias
        if not self._linear_activation:
            outputs = self.activation(outputs)
        return outputs

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (*input_shape[:-1], self.units)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }


class Activation(Layer):
    """Applies an activation function.

    Args:
        activation: a name such as 'relu' or a callable.
    """

    supports_masking = True

    def __init__(self, activation: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.activation(inputs)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class Flatten(Layer):
    """Flattens each sample to one axis: `(batch, ...)` → `(batch, prod(...))`.

    Args:
        data_format: 'channels_last' (default) or 'channels_first'.
    """

    def __init__(self, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last", "channels_first"):
            raise ValueError(f"Flatten: data_format must be 'channels_last' or 'channels_first', "
                             f"received {data_format!r}")
        self.data_format = data_format or "channels_last"

    def call(self, inputs: torch.Tensor) -> torch.Tensor:
        if self.data_format == "channels_first" and inputs.dim() > 2:
            inputs = inputs.movedim(1, -1)
        return inputs.reshape(inputs.shape[0], -1)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        rest = input_shape[1:]
        size = None if any(d is None for d in rest) else math.prod(rest)
        return (input_shape[0], size)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "data_format": self.data_format}


class Reshape(Layer):
    """Reshapes each sample to `target_shape` (one entry may be -1).

    Args:
        target_shape: the new shape of one sample, without the batch axis.
    """

    def __init__(self, target_shape: Sequence[int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        target_shape = tuple(target_shape)
        if sum(1 for d in target_shape if d == -1) > 1 or any(
            not isinstance(d, int) or (d <= 0 and d != -1) for d in target_shape
        ):
            raise ValueError(f"Reshape: target_shape must hold positive ints and at most one -1, "
                             f"received {target_shape}")
        self.target_shape = target_shape

    def call(self, inputs: torch.Tensor) -> torch.Tensor:
        sample = math.prod(inputs.shape[1:])
        known = math.prod(d for d in self.target_shape if d != -1)
        if (-1 not in self.target_shape and known != sample) or (
            -1 in self.target_shape and sample % known
        ):
            raise ValueError(
                f"Reshape '{self.name}': cannot reshape samples of shape "
                f"{tuple(inputs.shape[1:])} ({sample} values) to {self.target_shape}"
            )
        return inputs.reshape(inputs.shape[0], *self.target_shape)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        if -1 not in self.target_shape:
            return (input_shape[0], *self.target_shape)
        rest = input_shape[1:]
        if any(d is None for d in rest):
            return (input_shape[0], *(None if d == -1 else d for d in self.target_shape))
        known = math.prod(d for d in self.target_shape if d != -1)
        fill = math.prod(rest) // known
        return (input_shape[0], *(fill if d == -1 else d for d in self.target_shape))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "target_shape": list(self.target_shape)}


class Dropout(Layer):
    """Sets a random fraction `rate` of inputs to 0 while training, scaling the rest by 1/(1-rate).

    Args:
        rate: the fraction to drop, in [0, 1).
        noise_shape: shape of the binary mask (1 where it broadcasts), None for the input's.
        seed: accepted for Keras compatibility; use `deepfit.utils.set_random_seed`.
    """

    supports_masking = True

    def __init__(self, rate: float, noise_shape: Sequence[int | None] | None = None,
                 seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(rate, (int, float)) or not 0 <= rate < 1:
            raise ValueError(f"Dropout: rate must be a float in [0, 1), received {rate!r}")
        self.rate = float(rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed

    def call(self, inputs: torch.Tensor, training: bool | None = None) -> torch.Tensor:
        if not training or self.rate == 0:
            return inputs
        shape = inputs.shape if self.noise_shape is None else [
            inputs.shape[i] if d is None else d for i, d in enumerate(self.noise_shape)]
        return inputs * keep_mask(shape, self.rate, inputs)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape,
                "seed": self.seed}


class Lambda(Layer):
    """Wraps a function of tensors as a layer (not serializable to a safe file).

    Args:
        function: a callable `(inputs) -> outputs` on torch tensors; one with a `mask`
            parameter receives the input's mask.
        output_shape: optional; inferred by running the function otherwise.
        mask: None (the layer drops masks), a callable `(inputs, mask) -> mask`, or a mask
            tensor given to every output, as in Keras.
        arguments: extra keyword arguments for `function`.
    """

    def __init__(self, function: Callable[..., Any], output_shape: Any = None, mask: Any = None,
                 arguments: dict | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda: function must be callable, received {function!r}")
        self.function = function
        self.output_shape_arg = output_shape
        self.arguments = dict(arguments or {})
        self.mask = mask
        self.supports_masking = mask is not None
        self._function_takes_mask = _takes_mask(function)

    def call(self, inputs: Any, mask: Any = None) -> Any:
        if self._function_takes_mask:
            return self.function(inputs, mask=mask, **self.arguments)
        return self.function(inputs, **self.arguments)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return self.mask(inputs, mask) if callable(self.mask) else self.mask


def _takes_mask(function: Callable[..., Any]) -> bool:
    try:
        return "mask" in inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False


class Identity(Layer):
    """Returns its input unchanged."""

    supports_masking = True

    def call(self, inputs: Any) -> Any:
        return inputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape
