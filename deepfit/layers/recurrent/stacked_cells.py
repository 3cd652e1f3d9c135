"""`StackedRNNCells`: a list of recurrent cells that behaves as one cell — each step feeds the
input through the cells in order, every cell keeping its own states.

`RNN([cell_1, cell_2])` wraps its list in one. Its states are nested, one entry per cell: a list
for a cell whose `get_initial_state` returns a list (the built-in cells), a tensor for a user's
cell with an int `state_size` and no `get_initial_state` (Keras's structure).

Example:
    >>> import deepfit
    >>> cells = [deepfit.layers.LSTMCell(8), deepfit.layers.GRUCell(4)]
    >>> layer = deepfit.layers.RNN(cells, return_state=True)
    >>> output, (h1, c1), [h2] = layer(torch.randn(2, 5, 3))
"""

from __future__ import annotations

import inspect
from typing import Any

import torch

from deepfit import tree
from deepfit.layers.layer import Layer


def check_cell(cell: Any, owner: str) -> None:
    """Raise Keras's ValueError when `cell` lacks a `call` method or a `state_size`."""
    if not callable(getattr(cell, "call", None)):
        raise ValueError(f"{owner}: every cell must have a `call` method. Received a cell "
                         f"without one: {cell!r}")
    if not hasattr(cell, "state_size"):
        raise ValueError(f"{owner}: every cell must have a `state_size` attribute. Received a "
                         f"cell without one: {cell!r}")


def cell_output_size(cell: Any) -> int:
    """A cell's output width: `output_size`, else its (first) state size."""
    size = getattr(cell, "output_size", None)
    if size is not None:
        return size
    state_size = cell.state_size
    return state_size[0] if isinstance(state_size, (list, tuple)) else state_size


def accepts_training(cell: Any) -> bool:
    """Whether a cell's `call` takes a `training` argument."""
    try:
        parameters = inspect.signature(cell.call).parameters
    except (TypeError, ValueError):
        return False
    return "training" in parameters


def cell_initial_state(cell: Any, batch_size: int, device: Any = None,
                       dtype: torch.dtype = torch.float32) -> Any:
    """A cell's zero states: its own `get_initial_state` if it has one, else zeros shaped by
    `state_size` (a tensor for an int, a list for a list)."""
    own = getattr(cell, "get_initial_state", None)
    if callable(own):
        return own(batch_size=batch_size)
    size = cell.state_size
    if isinstance(size, (list, tuple)):
        return [torch.zeros(batch_size, d, device=device, dtype=dtype) for d in size]
    return torch.zeros(batch_size, size, device=device, dtype=dtype)


class StackedRNNCells(Layer):
    """Several recurrent cells run as one: each step passes the input through them in order.

    Args:
        cells: the cells (built-in ones such as `LSTMCell(...)`, or any layer with
            `call(inputs, states)` returning `(output, new_states)` and a `state_size`).

    Example:
        >>> stack = StackedRNNCells([LSTMCell(16), LSTMCell(16)])
        >>> RNN(stack)(torch.randn(4, 10, 3)).shape
        torch.Size([4, 16])
    """

    def __init__(self, cells: list, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(cells, (list, tuple)) or not cells:
            raise ValueError(f"StackedRNNCells: cells must be a non-empty list of cells, "
                             f"received {cells!r}")
        for cell in cells:
            check_cell(cell, "StackedRNNCells")
        self.cells = list(cells)

    @property
    def state_size(self) -> list:
        return [cell.state_size for cell in self.cells]

    @property
    def output_size(self) -> int:
        return cell_output_size(self.cells[-1])

    def get_initial_state(self, batch_size: int | None = None) -> list:
        """Zero states for `batch_size` sequences, one entry per cell."""
        device = self._device()
        return [cell_initial_state(cell, batch_size, device) for cell in self.cells]

    def build(self, input_shape: tuple) -> None:
        batch = tree.flatten(input_shape)[0] if tree.is_nested(input_shape) else None
        shape = tuple(input_shape)
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell.build(shape)
                cell.built = True
                cell._build_input_shape = shape
                cell._sync_requires_grad()
            shape = (batch if batch is not None else shape[0], cell_output_size(cell))
        self.built = True

    def call(self, inputs: torch.Tensor, states: Any, training: bool | None = None) -> tuple:
        """One step through every cell: returns (the last cell's output, the new states)."""
        new_states = []
        for cell, cell_states in zip(self.cells, states, strict=True):
            was_list = tree.is_nested(cell_states)
            cell_states = list(cell_states) if was_list else [cell_states]
            kwargs = {"training": training} if accepts_training(cell) else {}
            run = cell if isinstance(cell, Layer) else cell.call
            inputs, cell_states = run(inputs, cell_states, **kwargs)
            if tree.is_nested(cell_states) and len(cell_states) == 1 and not was_list:
                cell_states = cell_states[0]
            new_states.append(cell_states)
        return inputs, new_states

    def get_config(self) -> dict[str, Any]:
        from deepfit import layers as layers_module

        cells = [layers_module.serialize(cell) for cell in self.cells]
        return {**super().get_config(), "cells": cells}

    @classmethod
    def from_config(cls, config: dict[str, Any],
                    custom_objects: dict | None = None) -> StackedRNNCells:
        from deepfit.layers.recurrent.rnn import _deserialize

        config = dict(config)
        config.pop("dtype", None)
        cells = [_deserialize(cell, custom_objects) if isinstance(cell, dict) else cell
                 for cell in config.pop("cells")]
        return cls(cells, **config)
