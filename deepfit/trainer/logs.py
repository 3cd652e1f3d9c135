"""Loss tracking and the logs handed to callbacks, kept on the device until someone reads them.

Example:
    >>> tracker = LossTracker()
    >>> tracker.update_state(torch.tensor(0.5), sample_weight=32)
    >>> float(tracker.result())
    0.5
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import torch

from deepfit.metrics.base import Mean, Metric
from deepfit.ops import numpy_bridge


class LossTracker(Mean):
    """The running mean of the batch losses, weighted by batch size: Keras's loss tracker
    (a `Mean` named 'loss', `model.metrics[0]`).

    The sum stays a device tensor and the count a Python number, so an update costs one kernel
    and no host sync.

    Args:
        name: its name in the logs.
    """

    def __init__(self, name: str = "loss") -> None:
        Metric.__init__(self, name=name)  # its own state below, not Mean's
        self.total: torch.Tensor | None = None
        self.count: float = 0

    def update_state(self, value: Any, sample_weight: Any = 1) -> None:
        """Add one batch's loss, counted `sample_weight` times (the batch size; 1 when None).

        Args:
            value: the batch's loss (a scalar tensor or number).
            sample_weight: its weight: a number, or per-sample weights for per-sample values.
        """
        if type(sample_weight) is int and isinstance(value, torch.Tensor):  # the trainer's
            value, weight = value.detach(), sample_weight
        else:
            value, weight = _weighted_sum(value, 1 if sample_weight is None else sample_weight)
        if self.total is None:
            self.total = (value if value.dtype == torch.float32 else value.float()) * weight
        else:
            self.total.add_(value, alpha=weight)
        self.count += weight

    def result(self) -> torch.Tensor:
        if self.total is None:
            return torch.tensor(0.0)
        return self.total / max(self.count, 1)

    def reset_state(self) -> None:
        self.total = None
        self.count = 0


def _weighted_sum(value: torch.Tensor, weight: Any) -> tuple[torch.Tensor, float]:
    """(value, a plain weight) so that `value * weight` adds to the total and `weight` to the
    count; per-sample weights of per-sample values are summed here (a custom step's own)."""
    value = value.detach() if isinstance(value, torch.Tensor) else numpy_bridge.as_tensor(value)
    if isinstance(weight, numbers.Real):
        return value, weight
    weights = numpy_bridge.as_tensor(weight, dtype=torch.float32, device=value.device)
    if weights.numel() == 1:
        return value, float(weights)
    return (value.float() * weights).sum() / weights.sum(), float(weights.sum())


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
    """Logs with tensor values turned into Python numbers (one host sync for all values);
    nested dicts (a custom step's `{'compile_metrics': {...}}`) keep their layout."""
    if type(logs) is LazyLogs:  # the trainer's own: read the sources directly
        keys, values = list(logs._sources), [source() for source in logs._sources.values()]
    else:
        keys = list(logs)
        values = [logs[key] for key in keys]
    if any(not isinstance(v, torch.Tensor) and isinstance(v, Mapping) for v in values):
        return _nested_floats(dict(zip(keys, values)))
    tensors = [v for v in values if isinstance(v, torch.Tensor) and v.numel() == 1]
    if len(tensors) == 1 and len(values) == 1:  # the loss alone: one sync, no stacking
        return {keys[0]: float(tensors[0].item())}
    if tensors:
        flat = [_float_scalar(t) for t in tensors]
        if len({t.device for t in flat}) > 1:
            flat = [t.cpu() for t in flat]
        stacked = torch.stack(flat).tolist()
        lookup = iter(stacked)
        values = [next(lookup) if isinstance(v, torch.Tensor) and v.numel() == 1
                  else to_python(v) for v in values]
    return dict(zip(keys, values))


def _float_scalar(tensor: torch.Tensor) -> torch.Tensor:
    """A one-element tensor as a 0-d float32 tensor (no new tensor when it is one already)."""
    if tensor.dtype != torch.float32:
        tensor = tensor.float()
    return tensor if tensor.dim() == 0 else tensor.reshape(())


def _nested_floats(logs: Mapping[str, Any]) -> dict[str, Any]:
    paths: list[tuple[str, ...]] = []
    leaves: dict[str, Any] = {}

    def collect(mapping: Mapping[str, Any], prefix: tuple[str, ...]) -> None:
        for key, value in mapping.items():
            if isinstance(value, Mapping):
                collect(value, (*prefix, key))
            else:
                paths.append((*prefix, key))
                leaves[str(len(leaves))] = value

    collect(logs, ())
    converted = iter(floats(leaves).values())
    rebuilt: dict[str, Any] = {}
    for path in paths:
        node = rebuilt
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = next(converted)
    return rebuilt


class FlatStepLogs(dict):
    """A custom step's logs with nested dicts merged in (as Keras hands them to batch
    callbacks), keeping the step's own layout as `nested` for the epoch's logs."""

    nested: Mapping[str, Any]


def flat_step_logs(logs: Any) -> Any:
    """`logs` of a custom train/test step, flattened when they nest dicts (Keras 3's
    `{m.name: m.result() for m in self.metrics}` gives `{'compile_metrics': {...}}`).

    Args:
        logs: what the step returned.

    Returns:
        `logs` itself, or a `FlatStepLogs` when a value is a dict.
    """
    if not isinstance(logs, Mapping) or not any(isinstance(v, Mapping) for v in logs.values()):
        return logs
    flat = FlatStepLogs()
    _merge_sorted(logs, flat)
    flat.nested = logs
    return flat


def _merge_sorted(logs: Mapping[str, Any], into: dict[str, Any]) -> None:
    for key in sorted(logs):
        value = logs[key]
        if isinstance(value, Mapping):
            _merge_sorted(value, into)
        else:
            into[key] = value
