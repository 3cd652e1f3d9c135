"""Whether layers are running on the dummy batches a functional graph uses to infer shapes.

Keras infers a symbolic call's output without running the layer; deepfit runs it on dummy
inputs (zeros, placeholder strings). A layer whose eager call rejects values it has never seen
(a lookup with `num_oov_indices=0`) checks `tracing()` and skips that check on dummies.

Example:
    >>> with dummy_run():
    ...     tracing()
    True
    >>> tracing()
    False
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_state = threading.local()


@contextmanager
def dummy_run() -> Iterator[None]:
    """Mark the calls inside as runs on dummy inputs (shape inference)."""
    previous = getattr(_state, "active", False)
    _state.active = True
    try:
        yield
    finally:
        _state.active = previous


def tracing() -> bool:
    """Whether the current call runs on dummy inputs."""
    return getattr(_state, "active", False)
