"""The call context: per-call state owned by the outermost layer call in progress.

When a layer is called and no call is in progress (in this thread), it opens a `CallContext`
and becomes its entry layer: the losses its sublayers added in the previous call are cleared,
and the context carries the `training` flag down to every nested call. The context closes when
that outermost call returns. Layers read it through `current()`; nothing else holds per-call
state, so `layer.losses` always describes exactly the last outermost call (as in Keras).

Example:
    >>> import deepfit
    >>> class Probe(deepfit.layers.Layer):
    ...     def call(self, inputs):
    ...         return inputs * (2.0 if deepfit.layers.call_context.current().training else 1.0)
    >>> Probe()(torch.ones(1), training=True)
    tensor([2.])
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

_state = threading.local()


class CallContext:
    """State shared by all nested layer calls under one outermost call.

    Args:
        entry_layer: the layer whose call opened the context.
        training: the `training` flag in force (None: not given anywhere, i.e. inference).

    Attributes:
        losses: every loss added by a layer during this call (`add_loss`, activity
            regularizers), in order; the layers keep their own share in `layer.losses`.
        observer: `observer(layer, outputs)` is called after every layer call under this
            context (fit's preparation pass counts FLOPs with it, including layers a subclass
            creates during the call); None almost always.
    """

    __slots__ = ("entry_layer", "training", "losses", "observer")

    def __init__(self, entry_layer: Any, training: bool | None = None) -> None:
        self.entry_layer = entry_layer
        self.training = training
        self.losses: list[Any] = []
        self.observer = getattr(_state, "observer", None)


def current() -> CallContext | None:
    """The call context of the outermost layer call in progress in this thread, if any."""
    return getattr(_state, "context", None)


def enter(entry_layer: Any) -> CallContext:
    """Open a context for `entry_layer`'s call (only when none is open)."""
    context = CallContext(entry_layer)
    _state.context = context
    return context


def leave(context: CallContext) -> None:
    """Close `context` (the entry layer's call has returned or raised)."""
    if getattr(_state, "context", None) is context:
        _state.context = None


@contextmanager
def observing(observer: Callable[[Any, Any], None]) -> Iterator[None]:
    """Give the next outermost call's context `observer` (see `CallContext.observer`).

    Args:
        observer: called as `observer(layer, outputs)` after each layer call.

    Example:
        >>> seen = []
        >>> with observing(lambda layer, outputs: seen.append(layer.name)):
        ...     model(x)
    """
    outer = getattr(_state, "observer", None)
    _state.observer = observer
    try:
        yield
    finally:
        _state.observer = outer


def current_training() -> bool | None:
    """The `training` flag of the layer call in progress, if any."""
    context = current()
    return None if context is None else context.training
