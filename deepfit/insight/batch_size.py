"""`model.find_batch_size(x, y)`: the largest batch that fits in memory, with a safety margin.

A copy of the model trains one step at a time on growing batches, and the memory each step
needs is measured: on CUDA the device's peak allocation (batches double until one no longer
fits); on the CPU the step's peak working memory from torch's memory profiler, measured at two
sizes and extrapolated (a step that does not fit on the CPU would not raise — the system would
swap or kill the process — so it is never tried). The weights, gradients and optimizer state
count as a fixed cost. The answer is the largest power of two whose step fits in `safety` of
the memory available (CPU: the system's available RAM; CUDA: the device's free memory), no
larger than the data. The model, its optimizer and the random generators are left unchanged.

Example:
    >>> result = model.find_batch_size(x_train, y_train)
    >>> result.batch_size
    4096
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

SAFETY = 0.8
MAX_BATCH = 1 << 20


@dataclass
class BatchSizeResult:
    """What `find_batch_size` measured.

    Attributes:
        batch_size: the suggestion (a power of two).
        budget_bytes: the memory the steps may use (`safety` × available).
        fixed_bytes: weights, gradients and optimizer state.
        bytes_per_sample: the step's memory per sample (the measured slope).
        measurements: (batch size, bytes the step needed) pairs.
        device: 'cpu' or the CUDA device measured.
        limited_by: 'memory', 'data' (the dataset is smaller) or 'max_batch_size'.
    """

    batch_size: int
    budget_bytes: int
    fixed_bytes: int
    bytes_per_sample: float
    measurements: list[tuple[int, int]] = field(default_factory=list)
    device: str = "cpu"
    limited_by: str = "memory"

    def __str__(self) -> str:
        mib = 1 << 20
        return (f"batch_size={self.batch_size} (limited by {self.limited_by}): a step needs "
                f"about {self.fixed_bytes / mib:.1f} MiB fixed + {self.bytes_per_sample / 1024:.1f}"
                f" KiB per sample on {self.device}, within a budget of "
                f"{self.budget_bytes / mib:.0f} MiB.")


def find_batch_size(model: Any, x: Any, y: Any = None, max_batch_size: int | None = None,
                    safety: float = SAFETY, memory_budget: int | None = None,
                    verbose: bool = False) -> BatchSizeResult:
    """Find the largest power-of-two batch whose training step fits in memory.

    Args:
        model: a compiled model (not changed).
        x, y: training arrays (a sample of them is enough).
        max_batch_size: never suggest more than this.
        safety: the fraction of the available memory the step may use.
        memory_budget: bytes available, instead of asking the system or device.
        verbose: print the result.

    Returns:
        A `BatchSizeResult`.

    Raises:
        ValueError: an uncompiled model, a safety outside (0, 1], or data that is not arrays.

    Example:
        >>> find_batch_size(model, x_train, y_train, max_batch_size=1024).batch_size
    """
    _check(model, x, safety)
    rows = len(_first(x))
    devices = [d for d in {p.device for p in model.parameters()} if d.type == "cuda"]
    with torch.random.fork_rng(devices=devices):
        trial = copy.deepcopy(model)
        device = _device(trial)
        budget = int(safety * (memory_budget or _available(device)))
        fixed = _fixed_bytes(trial, x, y)
        if device.type == "cuda":
            measured, best = _grow_on_cuda(trial, x, y, rows, budget, device)
        else:
            measured, best = _extrapolate_on_cpu(trial, x, y, rows, budget - fixed)
    cap = min(rows, max_batch_size or MAX_BATCH)
    limited = "memory"
    if best >= cap:
        best, limited = _power_of_two(cap), "data" if cap == rows else "max_batch_size"
    slope = _slope(measured)
    result = BatchSizeResult(max(1, best), budget, fixed, slope, measured, str(device), limited)
    if verbose:
        print(result)
    return result


def _check(model: Any, x: Any, safety: float) -> None:
    if not getattr(model, "compiled", False):
        raise ValueError("find_batch_size: compile the model first")
    if not 0 < safety <= 1:
        raise ValueError(f"find_batch_size: safety must lie in (0, 1], received {safety!r}")
    if not hasattr(_first(x), "__len__"):
        raise ValueError("find_batch_size: x must be an array, a tensor, or a list/dict of them")


def _first(x: Any) -> Any:
    from deepfit import tree

    return tree.first_leaf(x)


def _rows(value: Any, count: int) -> Any:
    from deepfit import tree

    return None if value is None else tree.map_structure(lambda a: a[:count], value)


def _device(model: Any) -> torch.device:
    for weight in model.parameters():
        return weight.device
    from deepfit import config

    return config.get_device()


def _available(device: torch.device) -> int:
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        return int(free)
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))


def _fixed_bytes(model: Any, x: Any, y: Any) -> int:
    """Weights, their gradients and the optimizer's state (built by one tiny step)."""
    model.train_on_batch(_rows(x, 1), _rows(y, 1))
    weights = sum(w.numel() * w.element_size() for w in model.weights)
    grads = sum(w.numel() * w.element_size() for w in model.trainable_weights)
    state = model.optimizer.get_state() if hasattr(model.optimizer, "get_state") else {}
    slots = sum(v.numel() * v.element_size() for v in state.values()
                if isinstance(v, torch.Tensor))
    return int(weights + grads + slots)


def _cpu_step_bytes(model: Any, x: Any, y: Any, count: int) -> int:
    """Peak of the step's running allocations, from torch's memory profiler."""
    batch_x, batch_y = _rows(x, count), _rows(y, count)
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU],
                                profile_memory=True) as profile:
        model.train_on_batch(batch_x, batch_y)
    events = sorted((e for e in profile.events() if e.self_cpu_memory_usage),
                    key=lambda e: e.time_range.start)
    running = peak = 0
    for event in events:
        running += event.self_cpu_memory_usage
        peak = max(peak, running)
    inputs = sum(np.asarray(a).nbytes for a in _leaves(batch_x))
    return int(peak + inputs)


def _leaves(value: Any) -> list[Any]:
    from deepfit import tree

    return tree.flatten(value)


def _extrapolate_on_cpu(model: Any, x: Any, y: Any, rows: int,
                        budget: int) -> tuple[list[tuple[int, int]], int]:
    sizes = sorted({min(rows, 32), min(rows, 64)})
    measured = [(size, _cpu_step_bytes(model, x, y, size)) for size in sizes]
    slope = _slope(measured)
    base = measured[-1][1] - slope * measured[-1][0]
    if slope <= 0:
        return measured, MAX_BATCH
    best = _power_of_two(max(1, int((budget - base) / slope)))
    while sizes[-1] < best <= rows:   # check the extrapolation where the data allows
        needed = _cpu_step_bytes(model, x, y, best)
        measured.append((best, needed))
        if needed <= budget:
            break
        best //= 2
    return measured, best


def _grow_on_cuda(model: Any, x: Any, y: Any, rows: int, budget: int,
                  device: torch.device) -> tuple[list[tuple[int, int]], int]:
    measured, best, size = [], 0, 1
    while size <= min(rows, MAX_BATCH):
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        start = torch.cuda.memory_allocated(device)
        try:
            model.train_on_batch(_rows(x, size), _rows(y, size))
            torch.cuda.synchronize(device)
        except torch.cuda.OutOfMemoryError:
            break
        needed = torch.cuda.max_memory_allocated(device) - start
        measured.append((size, int(needed)))
        if needed > budget:
            break
        best, size = size, size * 2
    torch.cuda.empty_cache()
    if size > min(rows, MAX_BATCH):   # every size up to the data fitted
        best = MAX_BATCH
    return measured, best


def _slope(measured: list[tuple[int, int]]) -> float:
    if len(measured) < 2:
        return float(measured[0][1]) / max(measured[0][0], 1) if measured else 0.0
    (b1, m1), (b2, m2) = measured[0], measured[1]
    return (m2 - m1) / (b2 - b1) if b2 != b1 else m2 / max(b2, 1)


def _power_of_two(value: int) -> int:
    return 1 << (max(1, int(value)).bit_length() - 1)
