"""`Layer.add_weight`'s argument handling: Keras 3's positional order or a leading name, and
dtype names resolved to torch dtypes."""

from __future__ import annotations

from typing import Any

import torch


def weight_arguments(layer: Any, args: tuple, name: Any, shape: Any, initializer: Any,
                     dtype: Any, trainable: Any) -> tuple:
    """`add_weight`'s positional arguments in either order → (name, shape, init, dtype,
    trainable)."""
    args = list(args)
    if args and isinstance(args[0], str) and name is None:
        name = args.pop(0)
    given = dict(zip(("shape", "initializer", "dtype", "trainable"), args))
    if len(args) > 4:
        raise TypeError(f"Layer '{layer.name}': add_weight takes at most 4 positional arguments "
                        f"after the name (shape, initializer, dtype, trainable), received {args}")
    shape = given.get("shape", shape)
    shape = () if shape is None else ((shape,) if isinstance(shape, int) else tuple(shape))
    dtype = torch_dtype(given.get("dtype", dtype), layer)
    initializer = given.get("initializer", initializer)
    if initializer is None:
        initializer = "glorot_uniform" if dtype.is_floating_point else "zeros"
    trainable = bool(given.get("trainable", trainable)) and dtype.is_floating_point
    if name is not None and (not isinstance(name, str) or not name or "." in name):
        raise ValueError(f"Layer '{layer.name}': add_weight name must be a non-empty string "
                         f"without '.', received {name!r}")
    return name, shape, initializer, dtype, trainable


def torch_dtype(dtype: Any, layer: Any) -> torch.dtype:
    """A dtype given to `add_weight` (None, a torch dtype or a name) as a torch dtype."""
    if dtype is None:
        return torch.float32
    if isinstance(dtype, torch.dtype):
        return dtype
    found = getattr(torch, str(getattr(dtype, "name", dtype)), None)
    if not isinstance(found, torch.dtype):
        raise ValueError(f"Layer '{layer.name}': add_weight dtype must be a dtype name such as "
                         f"'float32' or 'int32', received {dtype!r}")
    return found
