"""How a layer call hands masks on, as Keras 3's `Layer.__call__` does.

A mask rides on its tensor as `_keras_mask` (a boolean tensor, True where a step is real).
Around each call:

1. the mask of the first argument (a list/dict of masks for a list/dict of tensors) is passed as
   `mask=` when the layer's `call` names a `mask` parameter and none was given;
2. the mask given explicitly (`mask=`), else the first argument's, is the *previous mask*;
3. after the call, a layer that supports masking attaches `compute_mask(inputs, previous_mask)`
   to the outputs that carry no mask of their own; a layer that does not warns that it drops
   the mask, as Keras does.

Example:
    >>> ids = torch.tensor([[3, 0]])
    >>> out = deepfit.layers.Dense(2)(deepfit.layers.Embedding(5, 4, mask_zero=True)(ids))
    >>> out._keras_mask
    tensor([[ True, False]])
"""

from __future__ import annotations

import inspect
import warnings
from typing import Any

import torch

from deepfit import tree


def mask_of(value: Any) -> Any:
    """The mask riding on `value`: a tensor's `_keras_mask`, a list/tuple/dict of them for a
    structure with at least one mask, else None."""
    if isinstance(value, torch.Tensor):
        return getattr(value, "_keras_mask", None)
    if isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
        masks = [mask_of(item) for item in value]
        return masks if any(m is not None for m in masks) else None
    if isinstance(value, dict):
        masks = {key: mask_of(item) for key, item in value.items()}
        return masks if any(m is not None for m in masks.values()) else None
    return None


def prepare(layer: Any, args: tuple, kwargs: dict) -> Any:
    """Fill `kwargs["mask"]` from the first argument where the layer's `call` names `mask`,
    and return the previous mask (None when there is none)."""
    explicit = kwargs.get("mask")
    previous = explicit if explicit is not None else mask_of(args[0] if args else None)
    if previous is not None and explicit is None and names_mask(type(layer)):
        kwargs["mask"] = previous
    return previous


def propagate(layer: Any, inputs: Any, outputs: Any, previous: Any) -> None:
    """Attach the layer's output mask(s) after a call, or warn that a mask was dropped."""
    own_compute_mask = type(layer).compute_mask is not _base_compute_mask()
    if previous is None and not own_compute_mask:
        return  # the common case: nothing to hand on, nothing to make
    if layer.supports_masking:
        attach(outputs, layer.compute_mask(inputs, previous))
    elif previous is not None and layer._warns_on_dropped_mask:
        warnings.warn(f"Layer '{layer.name}' (of type {type(layer).__name__}) was passed an "
                      f"input with a mask attached to it. However, this layer does not support "
                      f"masking and will therefore destroy the mask information. Downstream "
                      f"layers will not see the mask.", stacklevel=4)


def attach(outputs: Any, masks: Any) -> None:
    """Set each mask on the output in the same place (flattened, in order) unless that output
    already carries one: a mask the layer set itself wins."""
    if masks is None:
        return
    for output, mask in zip(tree.flatten(outputs), tree.flatten(masks)):
        if mask is not None and isinstance(output, torch.Tensor) and (
                getattr(output, "_keras_mask", None) is None):
            output._keras_mask = mask


def keep(source: Any, converted: Any) -> Any:
    """`converted` (a cast of `source`) with `source`'s mask, which a cast leaves behind."""
    mask = getattr(source, "_keras_mask", None)
    if mask is not None and converted is not source:
        converted._keras_mask = mask
    return converted


_names_mask_cache: dict[type, bool] = {}


def names_mask(cls: type) -> bool:
    """Whether `cls.call` has a `mask` parameter of its own (Keras passes masks only then)."""
    if cls not in _names_mask_cache:
        _names_mask_cache[cls] = "mask" in inspect.signature(cls.call).parameters
    return _names_mask_cache[cls]


_base: list[Any] = []


def _base_compute_mask() -> Any:
    if not _base:
        from deepfit.layers.layer import Layer

        _base.append(Layer.compute_mask)
    return _base[0]
