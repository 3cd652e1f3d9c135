"""`KerasTensor`: a placeholder for a tensor in a Functional graph — a shape, a dtype and the
layer call that produced it. Calling a layer on one records the call instead of computing.

Example:
    >>> import deepfit
    >>> x = deepfit.Input(shape=(4,))
    >>> x.shape
    (None, 4)
"""

from __future__ import annotations

from typing import Any

import torch

from deepfit import tree


class KerasTensor:
    """A symbolic tensor: `shape` (batch axis first, None where unknown), `dtype`, and its origin.

    Args:
        shape: the full shape including the batch axis.
        dtype: a torch dtype.
        name: a readable name (the input's name for graph inputs).
        history: `(node, index)` — the recorded call that produced it and which of its outputs.
    """

    def __init__(
        self,
        shape: tuple,
        dtype: torch.dtype = torch.float32,
        name: str | None = None,
        history: Any = None,
    ) -> None:
        self.shape = tuple(shape)
        self.dtype = dtype
        self.name = name
        self.history = history

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"


class Node:
    """One recorded layer call: the layer, its arguments (with KerasTensors in them), and outputs.
    An `InputLayer`'s node has no arguments."""

    def __init__(self, layer: Any, args: tuple, kwargs: dict, outputs: Any) -> None:
        self.layer = layer
        self.args = args
        self.kwargs = kwargs
        self.outputs = outputs

    @property
    def input_tensors(self) -> list[KerasTensor]:
        return [t for t in tree.flatten((self.args, self.kwargs)) if isinstance(t, KerasTensor)]
