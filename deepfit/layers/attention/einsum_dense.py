"""EinsumDense: a dense layer whose kernel contraction is an einsum equation (Keras's layer;
MultiHeadAttention's projections are made of it).

Example:
    >>> layer = EinsumDense("abc,cde->abde", output_shape=(None, 4, 8), bias_axes="de")
    >>> layer(np.zeros((2, 5, 16), "float32")).shape
    torch.Size([2, 5, 4, 8])
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import torch

from deepfit import activations, constraints, initializers, regularizers
from deepfit.layers.layer import Layer

_EQUATION = re.compile(r"^([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$")


def _split(equation: str) -> tuple[str, str, str]:
    found = _EQUATION.match(equation.replace(" ", ""))
    if found is None:
        if "..." in equation:
            raise NotImplementedError(
                f"EinsumDense: equations with an ellipsis ('...') are not provided by deepfit "
                f"(received {equation!r}); spell every axis out, e.g. 'abc,cd->abd'")
        raise ValueError(f"EinsumDense: invalid einsum equation {equation!r}; expected the form "
                         f"'ab,bc->ac' (input spec, kernel spec, output spec)")
    return found.group(1), found.group(2), found.group(3)


def einsum_shapes(equation: str, input_shape: Sequence[int | None],
                  output_shape: Sequence[int | None], bias_axes: str | None
                  ) -> tuple[tuple[int, ...], tuple[int, ...] | None, tuple[int | None, ...]]:
    """The kernel shape, bias shape and full output shape of an EinsumDense.

    Args:
        equation: e.g. 'abc,cde->abde'.
        input_shape: the input's shape, batch axis first.
        output_shape: the output's shape without the batch axis (None where the input gives
            the size).
        bias_axes: the output letters the bias spans, or None.

    Returns:
        `(kernel_shape, bias_shape or None, output_shape with the batch axis)`.
    """
    inputs, kernel, outputs = _split(equation)
    if len(inputs) != len(input_shape):
        raise ValueError(f"EinsumDense: the equation's input spec {inputs!r} has {len(inputs)} "
                         f"axes but the input has shape {tuple(input_shape)}")
    full = [input_shape[0], *output_shape]
    if len(full) != len(outputs):
        raise ValueError(f"EinsumDense: output_shape {tuple(output_shape)} must have one entry "
                         f"per output axis after the batch axis of {outputs!r}")
    for i, char in enumerate(outputs):
        if char in inputs:
            size = input_shape[inputs.index(char)]
            if full[i] is not None and size is not None and full[i] != size and i > 0:
                raise ValueError(f"EinsumDense: output_shape gives axis '{char}' size {full[i]} "
                                 f"but the input has size {size} there")
            full[i] = size
    kernel_shape = []
    for char in kernel:
        if char in inputs:
            kernel_shape.append(input_shape[inputs.index(char)])
        elif char in outputs:
            kernel_shape.append(full[outputs.index(char)])
        else:
            raise ValueError(f"EinsumDense: kernel axis '{char}' of {equation!r} is in neither "
                             f"the input nor the output spec")
    bias_shape = None
    if bias_axes:
        unknown = [char for char in bias_axes if char not in outputs]
        if unknown:
            raise ValueError(f"EinsumDense: bias_axes {bias_axes!r} name axes {unknown} that are "
                             f"not in the output spec {outputs!r}")
        first = min(outputs.index(char) for char in bias_axes)
        bias_shape = tuple(full[i] if char in bias_axes else 1
                           for i, char in enumerate(outputs) if i >= first)
    return tuple(kernel_shape), bias_shape, tuple(full)


class EinsumDense(Layer):
    """`activation(einsum(equation, inputs, kernel) + bias)`.

    Args:
        equation: the einsum equation, e.g. 'ab,bc->ac' (a Dense layer) or 'abc,cde->abde'.
        output_shape: the output shape without the batch axis; an int for one axis; None for
            axes the input gives.
        activation: an activation name or callable; None for linear.
        bias_axes: the output letters the bias spans; None for no bias.
        kernel_initializer, bias_initializer: initializers.
        kernel_regularizer, bias_regularizer, activity_regularizer: penalties.
        kernel_constraint, bias_constraint: applied after each update.
    """

    def __init__(self, equation: str, output_shape: Any, activation: Any = None,
                 bias_axes: str | None = None, kernel_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None,
                 bias_regularizer: Any = None, activity_regularizer: Any = None,
                 kernel_constraint: Any = None, bias_constraint: Any = None,
                 lora_rank: int | None = None, **kwargs: Any) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        _split(equation)
        if lora_rank:
            raise NotImplementedError("EinsumDense(lora_rank=...) is not provided by deepfit")
        self.equation = equation
        self.partial_output_shape = ((output_shape,) if isinstance(output_shape, int)
                                     else tuple(output_shape))
        self.activation = activations.get(activation)
        self.bias_axes = bias_axes
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.full_output_shape: tuple[int | None, ...] | None = None

    def build(self, input_shape: tuple) -> None:
        kernel_shape, bias_shape, self.full_output_shape = einsum_shapes(
            self.equation, input_shape, self.partial_output_shape, self.bias_axes)
        self.add_weight("kernel", kernel_shape, self.kernel_initializer,
                        regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        if bias_shape is not None:
            self.add_weight("bias", bias_shape, self.bias_initializer,
                            regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.bias = None
        self.built = True

    def call(self, inputs: torch.Tensor) -> torch.Tensor:
        outputs = torch.einsum(self.equation, inputs, self.kernel)
        if self.bias is not None:
            outputs = outputs + self.bias
        return self.activation(outputs)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return einsum_shapes(self.equation, input_shape, self.partial_output_shape,
                             self.bias_axes)[2]

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "output_shape": self.partial_output_shape,
            "equation": self.equation,
            "activation": activations.serialize(self.activation),
            "bias_axes": self.bias_axes,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }
