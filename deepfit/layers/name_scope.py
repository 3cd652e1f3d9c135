"""Layer paths as Keras writes them: a layer built (or first called) while another layer is
building gets the path `outer/inner`, and its weights `outer/inner/kernel`.

A Sequential's layers read `sequential/dense`; a Functional model's layers, built when the graph
is traced, read `dense`; a cell built by its RNN reads `lstm/lstm_cell`.

Example:
    >>> model = deepfit.Sequential([deepfit.Input((4,)), deepfit.layers.Dense(2)])
    >>> model.layers[0].path, model.weights[0].path
    ('sequential/dense', 'sequential/dense/kernel')
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

_state = threading.local()


def _stack() -> list:
    stack = getattr(_state, "stack", None)
    if stack is None:
        stack = _state.stack = []
    return stack


def layer_path(layer: Any) -> str:
    """`layer`'s path: the one it was given when built, else its name under the layer being
    built now (if any)."""
    own = layer.__dict__.get("_path")
    if own is not None:
        return own
    stack = _stack()
    if stack and stack[-1][0] is not layer:
        return "/".join(part for part in (stack[-1][1], layer.name) if part)  # '' adds none
    return layer.name


@contextlib.contextmanager
def building(layer: Any) -> Iterator[None]:
    """Fix `layer`'s path and make it the enclosing scope of what is built inside."""
    path = layer_path(layer)
    layer.__dict__["_path"] = path
    stack = _stack()
    stack.append((layer, path))
    try:
        yield
    finally:
        stack.pop()
