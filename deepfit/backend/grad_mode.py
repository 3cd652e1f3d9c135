"""`without_grad`: `torch.no_grad()` as a decorator that costs nothing when autograd is off.

Why: metric updates and optimizer steps run on every training step, mostly inside fit's own
no-grad block. `@torch.no_grad()` builds two objects and switches the grad mode twice on each
call (~3 µs), a measurable share of a small model's step; a check of the mode is ~0.1 µs.

Example:
    >>> @without_grad
    ... def update(total, value):
    ...     total.add_(value)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import torch

F = TypeVar("F", bound=Callable[..., Any])


def without_grad(fn: F) -> F:
    """`fn` run with autograd off, switching the mode only when it is on.

    Args:
        fn: the function.

    Returns:
        The wrapped function (same name, signature and docstring).
    """

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        if not torch.is_grad_enabled():
            return fn(*args, **kwargs)
        with torch.no_grad():
            return fn(*args, **kwargs)

    return run  # type: ignore[return-value]
