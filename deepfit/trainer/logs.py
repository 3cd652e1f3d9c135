"""Loss tracking and the logs handed to callbacks, kept on the device until someone reads them.

Example:
    >>> tracker = LossTracker()
    >>> tracker.update_state(torch.tensor(0.5), sample_weight=32)
    >>> float(tracker.result())
    0.5
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import torch


class LossTracker:
    """The running mean of the batch losses, weighted by batch size, as Keras's loss tracker.

    The sum stays a device tensor and the count a Python int, so an update costs one kernel and
    no host sync.
    """

    def __init__(self, name: str = "loss") -> None:
        self.name = name
        self.total: torch.Tensor | None = None
        self.count = 0

    def update_state(self, value: torch.Tensor, sample_weight: int = 1) -> None:
        value = value.detach()
        if self.total is None:
            self.total = value.to(torch.float32) * sample_weight
        else:
            self.total.add_(value, alpha=sample_weight)
        self.count += sample_weight

    def result(self) -> torch.Tensor:
        if self.total is None:
            return torch.tensor(0.0)
        return self.total / max(self.count, 1)

    def reset_state(self) -> None:
        self.total = None
        self.count = 0


class LazyLogs(Mapping):
    """A read-only mapping name → 0-d tensor whose values are computed when read, so per-batch
    callbacks that never look at the values cost nothing."""

    def __init__(self, sources: dict[str, Callable[[], Any]]) -> None:
        self._sources = sources

    def __getitem__(self, key: str) -> Any:
        return self._sources[key]()

    def __iter__(self) -> Iterator[str]:
        return iter(self._sources)

    def __len__(self) -> int:
        return len(self._sources)


def to_python(value: Any) -> Any:
    """A 0-d tensor → a float; anything else unchanged."""
    if isinstance(value, torch.Tensor):
        return value.item() if value.numel() == 1 else value.detach().cpu().numpy()
    return value


def floats(logs: Mapping[str, Any]) -> dict[str, Any]:
    """Logs with tensor values turned into Python numbers (one host sync for all values)."""
    keys = list(logs)
    values = [logs[key] for key in keys]
    tensors = [v for v in values if isinstance(v, torch.Tensor) and v.numel() == 1]
    if tensors:
        flat = [t.detach().float().reshape(()) for t in tensors]
        if len({t.device for t in flat}) > 1:
            flat = [t.cpu() for t in flat]
        stacked = torch.stack(flat).tolist()
        lookup = iter(stacked)
        values = [next(lookup) if isinstance(v, torch.Tensor) and v.numel() == 1
                  else to_python(v) for v in values]
    return dict(zip(keys, values))
