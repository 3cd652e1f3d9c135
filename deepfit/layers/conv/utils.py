"""Argument checks and channels-first/last layout helpers shared by the convolution, pooling and
reshaping layers.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F

from deepfit.layers.layer import Layer

# ----------------------------------------------------------------------------- argument checks


def standardize_tuple(
    value: Any, n: int, name: str, layer: str, allow_zero: bool = False
) -> tuple[int, ...]:
    """An int or a sequence of `n` ints → a tuple of `n` ints, checked to be positive.

    Args:
        value: the user's value.
        n: the tuple length wanted.
        name: the argument's name, for errors.
        layer: the layer's class name, for errors.
        allow_zero: accept 0 (paddings, croppings).

    Returns:
        A tuple of `n` Python ints.

    Raises:
        ValueError: for anything else.

    Example:
        >>> standardize_tuple(3, 2, "kernel_size", "Conv2D")
        (3, 3)
    """
    if _is_int(value):
        values = (int(value),) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            values = ()
        if len(values) != n or not all(_is_int(v) for v in values):
            raise ValueError(
                f"{layer}: {name} must be an int or a tuple of {n} ints, received {value!r}"
            )
        values = tuple(int(v) for v in values)
    lowest = 0 if allow_zero else 1
    if any(v < lowest for v in values):
        requirement = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{layer}: {name} values must be {requirement}, received {value!r}")
    return values


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def standardize_data_format(value: str | None, layer: str) -> str:
    """None → 'channels_last'; otherwise 'channels_last' or 'channels_first' (any case).

    Args:
        value: the user's `data_format`.
        layer: the layer's class name, for errors.

    Returns:
        'channels_last' or 'channels_first'.
    """
    if value is None:
        return "channels_last"
    if isinstance(value, str) and value.lower() in ("channels_last", "channels_first"):
        return value.lower()
    raise ValueError(
        f"{layer}: data_format must be 'channels_last' or 'channels_first', received {value!r}"
    )


def standardize_padding(value: str, layer: str, allow_causal: bool = False) -> str:
    """'valid' or 'same' (and 'causal' where allowed), lower-cased.

    Args:
        value: the user's `padding`.
        layer: the layer's class name, for errors.
        allow_causal: accept 'causal' (Conv1D).

    Returns:
        The padding mode in lower case.
    """
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    if isinstance(value, str) and value.lower() in allowed:
        return value.lower()
    raise ValueError(f"{layer}: padding must be one of {allowed}, received {value!r}")


def check_ndim(layer: Layer, shape: Sequence[int | None], ndim: int) -> None:
    """Raise Keras's error when an input of the wrong rank reaches `layer`.

    Args:
        layer: the layer being called.
        shape: the input's shape.
        ndim: the rank the layer expects.
    """
    if len(shape) != ndim:
        raise ValueError(
            f"Input 0 of layer '{layer.name}' is incompatible with the layer: expected "
            f"ndim={ndim}, found ndim={len(shape)}. Full shape received: {tuple(shape)}"
        )


# ----------------------------------------------------------------------------- layout helpers


def to_channels_first(x: torch.Tensor, data_format: str, rank: int) -> torch.Tensor:
    """A channels-first view of `x` (no copy); rank-1 inputs get a unit height axis.

    Args:
        x: `(batch, *spatial, channels)` or `(batch, channels, *spatial)`.
        data_format: which of the two `x` is.
        rank: the number of spatial axes of `x`.

    Returns:
        `(batch, channels, *spatial)`, with `(1, length)` as spatial axes when `rank == 1`.
    """
    if data_format == "channels_last":
        if rank == 1:
            x = x.unsqueeze(1)
        return x.movedim(-1, 1)
    return x.unsqueeze(2) if rank == 1 else x


def from_channels_first(y: torch.Tensor, data_format: str, rank: int) -> torch.Tensor:
    """Undo `to_channels_first` on a result (a view again, no copy)."""
    if data_format == "channels_last":
        y = y.movedim(1, -1)
        return y.squeeze(1) if rank == 1 else y
    return y.squeeze(2) if rank == 1 else y


def same_padding(size: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """TensorFlow's 'same' padding `(before, after)` along one axis of length `size`.

    Example:
        >>> same_padding(28, 2, 2)
        (0, 0)
        >>> same_padding(5, 2, 1)
        (0, 1)
    """
    effective = (kernel - 1) * dilation + 1
    output = -(-size // stride)
    total = max(0, (output - 1) * stride + effective - size)
    return total // 2, total - total // 2


def pad_same(
    x: torch.Tensor,
    kernel: Sequence[int],
    strides: Sequence[int],
    dilation: Sequence[int] | None = None,
    value: float = 0.0,
) -> tuple[torch.Tensor, tuple[int, ...]]:
    """Prepare channels-first `x` for a 'same' window op.

    Symmetric padding is left to the torch op (returned as its `padding` argument); asymmetric
    padding is applied here with `value` and the op then gets zero padding.

    Returns:
        `(x or padded x, padding for the torch op)`.
    """
    dilation = dilation or (1,) * len(kernel)
    pads = [same_padding(n, k, s, d) for n, k, s, d in zip(x.shape[2:], kernel, strides, dilation)]
    if all(before == after for before, after in pads):
        return x, tuple(before for before, _ in pads)
    flat = [p for before, after in reversed(pads) for p in (before, after)]
    return F.pad(x, flat, value=value), (0,) * len(pads)


def conv_output_length(
    size: int | None, kernel: int, stride: int, padding: str, dilation: int = 1
) -> int | None:
    """Keras's output length of a convolution or pooling window along one axis."""
    if size is None:
        return None
    if padding in ("same", "causal"):
        return -(-size // stride)
    return (size - ((kernel - 1) * dilation + 1)) // stride + 1


def transpose_crops(
    kernel: int, stride: int, dilation: int, padding: str, output_padding: int | None
) -> tuple[int, int]:
    """How much to cut from each end of torch's full transposed convolution to get Keras's.

    Torch with no padding yields `(n - 1) * stride + effective_kernel` values; Keras (like
    TensorFlow) keeps a window of it set by `padding` and `output_padding`. A negative amount
    means zeros to add instead.

    Returns:
        `(cut_before, cut_after)`.
    """
    effective = (kernel - 1) * dilation + 1
    if padding == "valid":
        extra = max(effective, stride) - effective if output_padding is None else output_padding
        return 0, -extra
    if output_padding is None:
        total = stride + effective - 2
    else:
        total = effective + effective % 2 - 2 + output_padding
    before = min(total // 2 + total % 2, effective - 1)
    return effective - 1 - before, effective - 1 - (total - before)


def _torch_kernel(kernel: torch.Tensor, rank: int) -> torch.Tensor:
    """Keras `(*window, a, b)` → torch `(b, a, *window)`, as a view (unit height for rank 1)."""
    if rank == 1:
        kernel = kernel.unsqueeze(0)
    n = kernel.dim()
    return kernel.permute(n - 1, n - 2, *range(n - 2))


def _lift(values: tuple[int, ...], rank: int, fill: int = 1) -> tuple[int, ...]:
    """Per-axis settings for the torch op: rank-1 layers run in 2D with a unit height."""
    return (fill, *values) if rank == 1 else values
