"""A state dict that holds only its own data.

Why: once fit builds the optimizer, every trainable weight is a view into one flat buffer per
(device, dtype) (`deepfit.optimizers.buffers`). `torch.save` writes a view's whole storage, so
the state dict of one layer would carry every weight of the model (and of any other model
sharing the optimizer). `compact` copies exactly the tensors whose storage holds more than the
state dict itself refers to; a state dict that covers its storages (a whole model's, or a
layer that was never trained) keeps its views and costs nothing.

Example:
    >>> state = compact(layer.state_dict())   # what Layer.state_dict returns
    >>> torch.save(state, "dense.pt")          # this layer's bytes only
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import torch


def compact(state: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Replace, in place, the tensors of `state` that are views into a larger storage by copies.

    Tensors that alias each other (a tied weight under two names) stay aliased: each distinct
    view is copied once. Entries that are not tensors, and storages the state dict covers
    entirely, are left as they are.

    Args:
        state: a state dict (e.g. from `torch.nn.Module.state_dict`); its metadata is kept.

    Returns:
        `state` itself.
    """
    groups: dict[int, list[str]] = {}
    for key, value in state.items():
        if isinstance(value, torch.Tensor) and not _is_special(value):
            groups.setdefault(value.untyped_storage().data_ptr(), []).append(key)
    for keys in groups.values():
        views = {_view_key(state[key]): state[key] for key in keys}
        used = sum(view.numel() * view.element_size() for view in views.values())
        if used >= state[keys[0]].untyped_storage().nbytes():
            continue  # the state dict refers to all of this storage: saving it wastes nothing
        copies = {view_key: view.clone() for view_key, view in views.items()}
        for key in keys:
            state[key] = copies[_view_key(state[key])]
    return state


def _view_key(tensor: torch.Tensor) -> tuple:
    return tensor.storage_offset(), tuple(tensor.shape), tuple(tensor.stride()), tensor.dtype


def _is_special(tensor: torch.Tensor) -> bool:
    """Meta, sparse and subclass tensors have no plain storage to measure."""
    return (tensor.is_meta or tensor.layout != torch.strided
            or type(tensor) not in (torch.Tensor, torch.nn.Parameter))
