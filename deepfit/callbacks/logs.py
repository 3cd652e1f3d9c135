"""Log values: the dicts callbacks receive hold Python numbers or 0-d torch tensors on any device.

Callbacks that need a number call `to_float` at the moment they need it (epoch ends, a drawn
progress line), so a training step never waits for the device just to feed its logs.

Example:
    >>> import torch
    >>> to_float(torch.tensor(0.25))
    0.25
    >>> flatten_logs({"loss": 1.0, "accuracy": 0.5})
    {'accuracy': 0.5, 'loss': 1.0}
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import torch


def to_float(value: Any) -> float:
    """Convert one log value to a Python float (this waits for the device if `value` lives there).

    Args:
        value: a Python number, a NumPy scalar or one-element array, or a one-element torch tensor.

    Returns:
        The value as a `float`.

    Raises:
        TypeError: for strings, multi-element arrays/tensors and other non-numbers.

    Example:
        >>> to_float(np.float32(0.5))
        0.5
    """
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise TypeError(
                f"to_float: expected a one-element tensor, received a tensor of shape "
                f"{tuple(value.shape)}"
            )
        return float(value.detach())
    if isinstance(value, numbers.Number) and not isinstance(value, complex):
        return float(value)
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "biuf":
        return float(value.reshape(()))
    raise TypeError(
        f"to_float: expected a number or a one-element tensor/array, received {value!r} "
        f"of type {type(value).__name__}"
    )


def pythonify(value: Any) -> Any:
    """`to_float(value)` when the value is numeric, else the value unchanged (strings, arrays)."""
    try:
        return to_float(value)
    except TypeError:
        return value


def flatten_logs(logs: Mapping[str, Any] | None) -> dict[str, Any]:
    """A new dict with nested dicts merged in and keys sorted, as Keras hands logs to callbacks.

    Values are kept as they are (tensors stay tensors): only the layout changes.

    Args:
        logs: the logs a training loop produced, or None.

    Returns:
        A flat dict ordered by key.
    """
    if not logs:
        return {}
    flat: dict[str, Any] = {}
    for key, value in sorted(logs.items()):
        if isinstance(value, Mapping):
            flat.update(flatten_logs(value))
        else:
            flat[key] = value
    return flat


class SortedLogs(Mapping):
    """A read-only view of `logs` with keys in sorted order; values are read only on access.

    Example:
        >>> list(SortedLogs({"loss": 1.0, "accuracy": 0.5}))
        ['accuracy', 'loss']
    """

    __slots__ = ("_logs", "_keys")

    def __init__(self, logs: Mapping[str, Any]) -> None:
        self._logs = logs
        # A custom step's flattened logs are in Keras's order already: top-level keys sorted,
        # a nested dict's keys where its key sorts (`compile_metrics` before `loss`).
        self._keys = list(logs) if hasattr(logs, "nested") else sorted(logs)

    def __getitem__(self, key: str) -> Any:
        return self._logs[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)
