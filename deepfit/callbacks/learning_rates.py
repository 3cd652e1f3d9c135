"""Where the learning-rate callbacks find the rates: one optimizer, or each of a multi-optimizer.

Example:
    >>> named_optimizers(model.optimizer)
    [('', <SGD ...>)]
"""

from __future__ import annotations

from typing import Any


def named_optimizers(optimizer: Any) -> list[tuple[str, Any]]:
    """(name, optimizer) pairs: `[('', optimizer)]`, or one pair per inner optimizer.

    Args:
        optimizer: an optimizer, or an object with an `optimizers` list (as Keras's
            multi-optimizer wrappers have).

    Returns:
        The pairs; the name is '' for a single optimizer, else each optimizer's `name`.
    """
    if optimizer is None:
        raise ValueError(
            "The model has no optimizer: compile the model before using a learning-rate callback"
        )
    if hasattr(optimizer, "optimizers"):
        return [(getattr(opt, "name", str(i)), opt) for i, opt in enumerate(optimizer.optimizers)]
    return [("", optimizer)]


def log_key(name: str) -> str:
    """The log key for an optimizer's rate: 'learning_rate', or 'learning_rate_<name>'."""
    return f"learning_rate_{name}" if name else "learning_rate"
