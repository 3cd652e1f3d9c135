"""All or nothing: a load that fails half-way leaves the model and its optimizer as they were.

The loaders check files before they change anything; this is the second line: a snapshot of
every weight and of the optimizer's state is taken before a load and put back bit for bit if
anything in it raises (an optimizer state that does not fit, an RNG state that cannot be set).

Example:
    >>> with all_or_nothing(model):
    ...     read_model(model, h5, "'w.h5'")
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import torch


@contextlib.contextmanager
def all_or_nothing(model: Any) -> Iterator[None]:
    """Restore `model`'s weights and optimizer state exactly if the block raises.

    Args:
        model: a deepfit model or layer (its optimizer, if any, is covered too).
    """
    weights = list(model.weights)
    saved = [w.detach().clone() for w in weights]
    optimizer = getattr(model, "optimizer", None)
    optimizer_state = optimizer.get_state() if optimizer is not None and optimizer.built else None
    try:
        yield
    except BaseException:
        with torch.no_grad():
            for weight, copy in zip(weights, saved):
                weight.copy_(copy)
        if optimizer_state is not None:
            optimizer.set_state(optimizer_state)
        raise
