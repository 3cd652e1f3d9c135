"""Merging layers: combine a list of tensors — Concatenate, Add, Subtract, Multiply, Average,
Maximum, Minimum and Dot — with Keras's shape rules, errors and mask handling.

Element-wise merges broadcast as Keras does: sample shapes must match or be 1 on each axis,
and inputs of lower rank get axes inserted after the batch axis.

Example:
    >>> import deepfit
    >>> a, b = torch.ones(2, 3), torch.full((2, 3), 2.0)
    >>> deepfit.layers.Add()([a, b])
    tensor([[3., 3., 3.],
            [3., 3., 3.]])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from deepfit import config
from deepfit.layers.layer import Layer


def _mask_of(tensor: torch.Tensor) -> torch.Tensor | None:
    return getattr(tensor, "_keras_mask", None)


class Merge(Layer):
    """Base of the element-wise merges: validates the list of inputs and broadcasts shapes.

    Subclasses implement `_merge_function(inputs)` on tensors of equal rank.
    """

    #: How many inputs the layer takes (None: any number >= 1).
    _arity: int | None = None
    supports_masking = True

    def call(self, inputs: Sequence[torch.Tensor]) -> torch.Tensor:
        inputs = self._check_inputs(inputs)
        self._broadcast_shape([tuple(x.shape) for x in inputs])
        ranks = {x.dim() for x in inputs}
        if len(ranks) > 1:
            top = max(ranks)
            # As in Keras, reshaped inputs leave their masks behind.
            inputs = [x.reshape(x.shape[0], *([1] * (top - x.dim())), *x.shape[1:])
                      for x in inputs]
        output = self._merge_function(inputs)
        if _mask_of(output) is None:
            return _with_mask(output, self.compute_mask(inputs, [_mask_of(x) for x in inputs]))
        return output

    def _merge_function(self, inputs: list[torch.Tensor]) -> torch.Tensor:
        raise NotImplementedError

    def _check_inputs(self, inputs: Any) -> list[torch.Tensor]:
        kind = type(self).__name__
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"A merge layer should be called on a list of inputs. Received: "
                             f"inputs={_describe(inputs)} (not a list of tensors)")
        if len(inputs) < 1:
            raise ValueError(f"A `{kind}` layer should be called on a list of at least 1 "
                             f"input. Received {len(inputs)} inputs")
        if self._arity is not None and len(inputs) != self._arity:
            raise ValueError(f"A `{kind}` layer should be called on exactly {self._arity} "
                             f"inputs. Received: {len(inputs)} inputs with shapes "
                             f"{[tuple(x.shape) for x in inputs]}")
        for index, x in enumerate(inputs):
            if not isinstance(x, torch.Tensor):
                raise TypeError(f"A `{kind}` layer expects tensors, received input {index} of "
                                f"type {type(x).__name__}")
        batches = {x.shape[0] if x.dim() else None for x in inputs} - {None}
        if len(batches) > 1:
            raise ValueError(f"Cannot merge tensors with different batch sizes. Received "
                             f"tensors with shapes {[tuple(x.shape) for x in inputs]}")
        return list(inputs)

    def _broadcast_shape(self, shapes: list[tuple]) -> tuple:
        """Keras's element-wise output shape (without the batch axis), or a ValueError."""
        output = shapes[0][1:]
        for shape in shapes[1:]:
            output = _elementwise_shape(output, shape[1:])
        return output

    def compute_mask(self, inputs: Any, mask: Any = None) -> torch.Tensor | None:
        """The union (OR) of the inputs' masks when every input has one, else None (Keras)."""
        masks = _check_masks(inputs, mask)
        if masks is None or any(m is None for m in masks):
            return None
        output = masks[0]
        for item in masks[1:]:
            output = output | item
        return output

    def compute_output_shape(self, input_shape: list[tuple]) -> tuple:
        batches = {s[0] for s in input_shape} - {None}
        batch = next(iter(batches)) if len(batches) == 1 else None
        return (batch, *self._broadcast_shape([tuple(s) for s in input_shape]))


def _check_masks(inputs: Any, mask: Any) -> list | None:
    """Keras's checks of a merge layer's `compute_mask` arguments: lists of equal length."""
    if mask is None:
        return None
    if not isinstance(mask, (list, tuple)):
        raise ValueError(f"`mask` should be a list. Received: mask={mask}")
    if not isinstance(inputs, (list, tuple)):
        raise ValueError(f"`inputs` should be a list. Received: inputs={_describe(inputs)}")
    if len(mask) != len(inputs):
        raise ValueError(f"The lists `inputs` and `mask` should have the same length. "
                         f"Received: {len(inputs)} inputs and {len(mask)} masks")
    return list(mask)


def _with_mask(tensor: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    if mask is not None:
        tensor._keras_mask = mask
    return tensor


def _describe(value: Any) -> str:
    if isinstance(value, torch.Tensor):
        return f"tensor of shape {tuple(value.shape)}"
    return repr(value)


def _elementwise_shape(shape1: tuple, shape2: tuple) -> tuple:
    if len(shape1) < len(shape2):
        return _elementwise_shape(shape2, shape1)
    if not shape2:
        return tuple(shape1)
    output = list(shape1[: len(shape1) - len(shape2)])
    for i, j in zip(shape1[len(shape1) - len(shape2):], shape2):
        if i is None or j is None:
            output.append(None)
        elif i == 1 or j == 1:
            output.append(j if i == 1 else i)
        elif i != j:
            raise ValueError(f"Inputs have incompatible shapes. Received shapes {shape1} and "
                             f"{shape2}")
        else:
            output.append(i)
    return tuple(output)


def _masked_reduce(op: Callable, inputs: list[torch.Tensor]) -> torch.Tensor:
    """Combine `inputs` with `op` where masked positions take the other operand's value
    (Keras's rule for Maximum and Minimum, which have no identity element)."""
    output, output_mask = None, None
    for x in inputs:
        mask = _mask_of(x)
        if mask is not None:
            mask = mask.unsqueeze(-1).expand_as(x)
        if output is None:
            output, output_mask = x, mask
            continue
        if mask is not None:
            x = torch.where(mask, x, output)
        if output_mask is not None:
            output = torch.where(output_mask, output, x)
        output_mask = output_mask | mask if (
            mask is not None and output_mask is not None) else None
        output = op(output, x)
    if output_mask is not None:
        output = _with_mask(output, output_mask.any(dim=-1))
    return output


class Add(Merge):
    """Element-wise sum of a list of tensors.

    Example:
        >>> Add()([torch.ones(2, 3), torch.ones(2, 3)]).sum()
        tensor(12.)
    """

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = output + x
        return output


class Subtract(Merge):
    """`inputs[0] - inputs[1]` for a list of exactly two tensors.

    Example:
        >>> Subtract()([torch.ones(2, 3), torch.ones(2, 3)]).abs().sum()
        tensor(0.)
    """

    _arity = 2

    def _merge_function(self, inputs):
        return inputs[0] - inputs[1]


class Multiply(Merge):
    """Element-wise product of a list of tensors (masked positions count as 1).

    Example:
        >>> Multiply()([torch.full((1, 2), 2.0), torch.full((1, 2), 3.0)])
        tensor([[6., 6.]])
    """

    def _merge_function(self, inputs):
        masks = [_mask_of(x) for x in inputs]
        if all(m is None for m in masks):
            output = inputs[0]
            for x in inputs[1:]:
                output = output * x
            return output
        return _masked_product(inputs, masks)


def _masked_product(inputs: list[torch.Tensor], masks: list) -> torch.Tensor:
    all_masked = all(m is not None for m in masks)
    output, output_mask = None, None
    for x, mask in zip(inputs, masks):
        if mask is not None:
            mask = mask.unsqueeze(-1).expand_as(x)
            x = torch.where(mask, x, torch.ones((), dtype=x.dtype, device=x.device))
            if all_masked:
                output_mask = mask if output_mask is None else output_mask | mask
        output = x if output is None else output * x
    if all_masked:
        output = torch.where(output_mask, output,
                             torch.zeros((), dtype=output.dtype, device=output.device))
        output = _with_mask(output, output_mask.any(dim=-1))
    return output


class Average(Merge):
    """Element-wise mean of a list of tensors.

    Example:
        >>> Average()([torch.zeros(1, 2), torch.full((1, 2), 4.0)])
        tensor([[2., 2.]])
    """

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = output + x
        return output / len(inputs)


class Maximum(Merge):
    """Element-wise maximum of a list of tensors (masked positions are ignored).

    Example:
        >>> Maximum()([torch.tensor([[1.0, 5.0]]), torch.tensor([[3.0, 2.0]])])
        tensor([[3., 5.]])
    """

    def _merge_function(self, inputs):
        return _masked_reduce(torch.maximum, inputs)


class Minimum(Merge):
    """Element-wise minimum of a list of tensors (masked positions are ignored).

    Example:
        >>> Minimum()([torch.tensor([[1.0, 5.0]]), torch.tensor([[3.0, 2.0]])])
        tensor([[1., 2.]])
    """

    def _merge_function(self, inputs):
        return _masked_reduce(torch.minimum, inputs)


class Concatenate(Merge):
    """Concatenates a list of tensors along `axis`; other axes must match.

    Args:
        axis: the concatenation axis (-1 by default).

    Example:
        >>> Concatenate()([torch.ones(2, 3), torch.ones(2, 4)]).shape
        torch.Size([2, 7])
    """

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise ValueError(f"Concatenate: axis must be an int, received {axis!r}")
        self.axis = axis

    def call(self, inputs: Sequence[torch.Tensor]) -> torch.Tensor:
        inputs = self._check_inputs(inputs)
        self._check_shapes([tuple(x.shape) for x in inputs])
        output = torch.cat(list(inputs), dim=self.axis)
        return _with_mask(output, self.compute_mask(inputs, [_mask_of(x) for x in inputs]))

    def _check_shapes(self, shapes: list[tuple]) -> None:
        ranks = {len(s) for s in shapes}
        error = ValueError(f"A `Concatenate` layer requires inputs with matching shapes except "
                           f"for the concatenation axis. Received: input_shape={shapes}")
        if len(ranks) != 1:
            raise error
        rank = ranks.pop()
        if not -rank <= self.axis < rank:
            raise ValueError(f"Concatenate '{self.name}': axis {self.axis} is out of bounds for "
                             f"inputs of rank {rank}")
        axis = self.axis % rank
        reduced = {tuple(d for i, d in enumerate(s) if i != axis) for s in shapes}
        if len(reduced) != 1:
            raise error

    def compute_mask(self, inputs: Any, mask: Any = None) -> torch.Tensor | None:
        """The inputs' masks (all True for an unmasked input) concatenated along `axis`, then
        reduced over the last axis with `any`, as Keras does; None when no input has a mask."""
        masks = _check_masks(inputs, mask)
        if masks is None or all(m is None for m in masks):
            return None
        full = []
        for x, mask in zip(inputs, masks):
            if mask is None:
                full.append(torch.ones(x.shape, dtype=torch.bool, device=x.device))
            elif mask.dim() < x.dim():
                full.append(mask.unsqueeze(-1).expand_as(x))
            else:
                full.append(mask)
        return torch.cat(full, dim=self.axis).any(dim=-1)

    def compute_output_shape(self, input_shape: list[tuple]) -> tuple:
        shapes = [tuple(s) for s in input_shape]
        output = list(shapes[0])
        sizes = [s[self.axis] for s in shapes]
        output[self.axis] = None if None in sizes else sum(sizes)
        return tuple(output)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis}


class Dot(Merge):
    """Dot product of the samples of two tensors along `axes`.

    For `(batch, n)` inputs and `axes=1` the output is `(batch, 1)`; for `(batch, a, d)` and
    `(batch, b, d)` with `axes=2` it is `(batch, a, b)`.

    Args:
        axes: an int (the same axis for both) or a pair `(axis_of_x, axis_of_y)`; never 0.
        normalize: L2-normalize the samples along the axes first (cosine similarity).

    Example:
        >>> Dot(axes=1)([torch.ones(2, 3), torch.ones(2, 3)])
        tensor([[3.],
                [3.]])
    """

    _arity = 2

    def __init__(self, axes: int | Sequence[int], normalize: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(axes, int) or isinstance(axes, bool):
            if not isinstance(axes, (list, tuple)):
                raise TypeError(f"Dot: axes must be an int or a pair of ints, received "
                                f"{axes!r}")
            if len(axes) != 2:
                raise ValueError(f"Dot: axes must contain two elements, received {axes!r}")
            if not all(isinstance(a, int) and not isinstance(a, bool) for a in axes):
                raise ValueError(f"Dot: the elements of axes must be ints, received {axes!r}")
        self.axes = list(axes) if isinstance(axes, (list, tuple)) else axes
        self.normalize = bool(normalize)

    def call(self, inputs: Sequence[torch.Tensor]) -> torch.Tensor:
        x, y = self._check_inputs(inputs)
        a0, a1 = self._axes(x.dim(), y.dim())
        if x.shape[a0] != y.shape[a1]:
            raise ValueError(
                f"Incompatible input shapes: axis values {x.shape[a0]} (at axis {a0}) != "
                f"{y.shape[a1]} (at axis {a1}). Full input shapes: {tuple(x.shape)}, "
                f"{tuple(y.shape)}")
        if self.normalize:
            x, y = _l2_normalize(x, a0), _l2_normalize(y, a1)
        return _batch_dot(x, y, a0, a1)

    def _axes(self, x_rank: int, y_rank: int) -> tuple[int, int]:
        if x_rank < 2 or y_rank < 2:
            raise ValueError(f"Dot '{self.name}': inputs must have rank >= 2, received ranks "
                             f"{x_rank} and {y_rank}")
        pair = [self.axes, self.axes] if isinstance(self.axes, int) else self.axes
        axes = []
        for axis, rank in zip(pair, (x_rank, y_rank)):
            if not -rank <= axis < rank:
                raise ValueError(f"Dot '{self.name}': axis {axis} is out of bounds for an input "
                                 f"of rank {rank}")
            axes.append(axis % rank)
        if 0 in axes:
            raise ValueError(f"Dot '{self.name}': cannot take the dot product over axis 0 (the "
                             f"batch axis), received axes={self.axes}")
        return axes[0], axes[1]

    def compute_mask(self, inputs: Any, mask: Any = None) -> None:
        """A dot product has no steps left to mask (Keras)."""
        return None

    def compute_output_shape(self, input_shape: list[tuple]) -> tuple:
        shape1, shape2 = list(input_shape[0]), list(input_shape[1])
        a0, a1 = self._axes(len(shape1), len(shape2))
        shape1.pop(a0)
        shape2.pop(a1)
        shape2.pop(0)
        output = shape1 + shape2
        return tuple(output + [1] if len(output) == 1 else output)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def _l2_normalize(x: torch.Tensor, axis: int) -> torch.Tensor:
    eps = config.epsilon()
    square_sum = x.square().sum(dim=axis, keepdim=True)
    return x * torch.rsqrt(torch.clamp(square_sum, min=eps * eps))


def _batch_dot(x: torch.Tensor, y: torch.Tensor, a0: int, a1: int) -> torch.Tensor:
    """Sum over `x`'s axis a0 and `y`'s axis a1, per sample: Keras's `batch_dot`."""
    x_rest = [d for i, d in enumerate(x.shape) if i not in (0, a0)]
    y_rest = [d for i, d in enumerate(y.shape) if i not in (0, a1)]
    left = x.movedim(a0, -1).reshape(x.shape[0], -1, x.shape[a0])
    right = y.movedim(a1, 1).reshape(y.shape[0], y.shape[a1], -1)
    output = torch.bmm(left, right).reshape(x.shape[0], *x_rest, *y_rest)
    return output.unsqueeze(-1) if output.dim() == 1 else output


# --------------------------------------------------------------------------- functional forms
def add(inputs: Sequence[Any], **kwargs: Any) -> Any:
    """`Add(**kwargs)(inputs)`."""
    return Add(**kwargs)(inputs)


def subtract(inputs: Sequence[Any], **kwargs: Any) -> Any:
    """`Subtract(**kwargs)(inputs)`."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs: Sequence[Any], **kwargs: Any) -> Any:
    """`Multiply(**kwargs)(inputs)`."""
    return Multiply(**kwargs)(inputs)


def average(inputs: Sequence[Any], **kwargs: Any) -> Any:
    """`Average(**kwargs)(inputs)`."""
    return Average(**kwargs)(inputs)


def maximum(inputs: Sequence[Any], **kwargs: Any) -> Any:
    """`Maximum(**kwargs)(inputs)`."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs: Sequence[Any], **kwargs: Any) -> Any:
    """`Minimum(**kwargs)(inputs)`."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs: Sequence[Any], axis: int = -1, **kwargs: Any) -> Any:
    """`Concatenate(axis, **kwargs)(inputs)`."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs: Sequence[Any], axes: int | Sequence[int] = -1, normalize: bool = False,
        **kwargs: Any) -> Any:
    """`Dot(axes, normalize, **kwargs)(inputs)`."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
