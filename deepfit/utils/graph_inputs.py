"""`keras.utils.get_source_inputs`: the graph inputs a symbolic tensor is computed from.

Example:
    >>> a, b = deepfit.Input((2,)), deepfit.Input((2,))
    >>> get_source_inputs(deepfit.layers.Add()([a, b])) == [a, b]
    True
"""

from __future__ import annotations

from typing import Any

__all__ = ["get_source_inputs"]


def get_source_inputs(tensor: Any) -> Any:
    """The `Input` tensors that `tensor` depends on, in first-seen order, each once.

    Args:
        tensor: a symbolic tensor (a `KerasTensor`); anything else is returned as it is.

    Returns:
        A list of input KerasTensors (`[tensor]` for an input itself).
    """
    from deepfit.layers.symbolic import KerasTensor

    if not isinstance(tensor, KerasTensor):
        return tensor
    if tensor.history is None:
        return [tensor]
    node = tensor.history[0]
    parents = node.input_tensors
    if not parents:
        return node.output_tensors
    sources: list[Any] = []
    for parent in parents:
        for source in get_source_inputs(parent):
            if all(source is not seen for seen in sources):
                sources.append(source)
    return sources
