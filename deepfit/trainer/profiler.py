"""Why is training slow? — `fit(..., profile=True)`.

Every epoch's wall time is split into waiting for data, the training steps, callbacks and
validation (clock readings around each, no device sync outside the profiled window). A window
of steps in the first epoch is also run under `torch.profiler`, which splits the step into
host→device copies, forward, backward and optimizer, and names the most expensive torch ops.
At the end of fit a plain-language verdict is printed and the report is kept as
`history.profile`.

Example:
    >>> history = model.fit(x, y, epochs=2, profile=True)
    Input pipeline bound: 62% of the time waits for data. Try Dataset.cache() and
    .prefetch(AUTOTUNE), or keep the arrays in memory.
    >>> history.profile.fractions["backward"]
    0.21
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import torch

PHASES = ("data", "host_to_device", "forward", "backward", "optimizer", "callbacks",
          "validation")
WINDOW = 20   # steps profiled by torch.profiler, after one warm-up step
STEP_RANGE = "deepfit::train_step"
BACKWARD_RANGE = "deepfit::backward"
OPTIMIZER_RANGE = "deepfit::optimizer"
TOP_OPS = 8


@dataclass
class ProfileReport:
    """Where fit's time went.

    Attributes:
        seconds: seconds per phase over all epochs: data, host_to_device, forward, backward,
            optimizer, callbacks, validation (the step's split is extrapolated from the
            profiled window).
        steps: training steps timed.
        top_ops: (op name, milliseconds per step) of the most expensive torch ops in the
            window.
        verdict: one plain-language paragraph.
    """

    seconds: dict[str, float] = field(default_factory=dict)
    steps: int = 0
    top_ops: list[tuple[str, float]] = field(default_factory=list)
    verdict: str = ""

    @property
    def total(self) -> float:
        return sum(self.seconds.values())

    @property
    def fractions(self) -> dict[str, float]:
        total = self.total or 1.0
        return {phase: value / total for phase, value in self.seconds.items()}

    def __str__(self) -> str:
        lines = [f"Time by phase over {self.steps} steps ({self.total:.2f} s):"]
        for phase in PHASES:
            lines.append(f"  {phase:<15}{self.seconds.get(phase, 0.0):9.3f} s "
                         f"{self.fractions.get(phase, 0.0):6.1%}")
        if self.top_ops:
            lines.append("Most expensive torch ops (ms per step):")
            lines += [f"  {name:<40}{ms:9.3f}" for name, ms in self.top_ops]
        lines.append(self.verdict)
        return "\n".join(lines)


class Profiler:
    """Times fit's loop; the trainer wraps its iterator, steps, callbacks and validation."""

    def __init__(self) -> None:
        self.seconds = dict.fromkeys(PHASES, 0.0)
        self.step_seconds = 0.0
        self.steps = 0
        self.split: dict[str, float] = {}
        self.top_ops: list[tuple[str, float]] = []
        self._profile: Any = None
        self._window_steps = 0

    # ---------------------------------------------------------------- wrapping
    def timed_batches(self, batches: Any) -> Iterator[Any]:
        """Iterate `batches`, counting the time spent getting each batch as 'data'."""
        iterator = iter(batches)
        while True:
            start = time.perf_counter()
            try:
                item = next(iterator)
            except StopIteration:
                return
            self.seconds["data"] += time.perf_counter() - start
            yield item

    def wrap_step(self, step_fn: Callable[[Any], Any], model: Any) -> Callable[[Any], Any]:
        """The step, timed; steps 2 to WINDOW+1 run under torch.profiler."""

        def timed(batch: Any) -> Any:
            self.steps += 1
            if self.steps == 2 and self._profile is None and not self.split:
                self._start_window(model)
            start = time.perf_counter()
            if self._profile is None:
                logs = step_fn(batch)
            else:
                with torch.profiler.record_function(STEP_RANGE):
                    logs = step_fn(batch)
                    _sync()
                self._window_steps += 1
            self.step_seconds += time.perf_counter() - start
            if self._window_steps >= WINDOW:
                self.finish_window()
            return logs

        return timed

    def _start_window(self, model: Any) -> None:
        """Label the backward pass and the optimizer update of this model's steps (instance
        attributes that shadow the methods, removed when the window closes)."""
        self._labelled = []
        fused = getattr(getattr(model, "_trainer_state", None), "fused", None)
        targets = [(model, "_backward", BACKWARD_RANGE),
                   (getattr(model, "optimizer", None), "step", OPTIMIZER_RANGE),
                   (fused, "_output_gradient", BACKWARD_RANGE),
                   (fused, "_backward", BACKWARD_RANGE)]
        for owner, name, label in targets:
            method = getattr(owner, name, None) if owner is not None else None
            if callable(method):
                setattr(owner, name, _labelled(method, label))
                self._labelled.append((owner, name))
        self._profile = torch.profiler.profile(activities=_activities())
        self._profile.__enter__()

    def timed(self, phase: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        """`fn`, with its time counted as `phase`."""

        def call(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[phase] += time.perf_counter() - start

        return call

    def timed_callbacks(self, callback_list: Any) -> Any:
        """A view of the callback list whose `on_*` hooks count as 'callbacks'."""
        return _TimedCallbacks(callback_list, self)

    # ---------------------------------------------------------------- results
    def finish_window(self) -> None:
        """Stop torch.profiler and split the profiled steps into phases."""
        profile = self._profile
        if profile is None:
            return
        profile.__exit__(None, None, None)
        self._profile = None
        for owner, name in self._labelled:
            owner.__dict__.pop(name, None)
        self.split, self.top_ops = _split_events(profile, self._window_steps)
        self._window_steps = 0

    def report(self) -> ProfileReport:
        self.finish_window()
        seconds = {phase: self.seconds[phase] for phase in ("data", "callbacks", "validation")}
        shares = self.split or {"forward": 1.0}
        for phase in ("host_to_device", "forward", "backward", "optimizer"):
            seconds[phase] = self.step_seconds * shares.get(phase, 0.0)
        report = ProfileReport({p: seconds.get(p, 0.0) for p in PHASES}, self.steps,
                               self.top_ops)
        report.verdict = verdict(report)
        return report


class _TimedCallbacks:
    def __init__(self, callback_list: Any, profiler: Profiler) -> None:
        self._list, self._profiler = callback_list, profiler

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._list, name)
        if name.startswith("on_") and callable(value):
            return self._profiler.timed("callbacks", value)
        return value


def _labelled(method: Callable[..., Any], label: str) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        with torch.profiler.record_function(label):
            return method(*args, **kwargs)

    return call


def _activities() -> list[Any]:
    activities = [torch.profiler.ProfilerActivity.CPU]
    if torch.cuda.is_available():
        activities.append(torch.profiler.ProfilerActivity.CUDA)
    return activities


def _sync() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def _split_events(profile: Any, steps: int) -> tuple[dict[str, float], list[tuple[str, float]]]:
    """Shares of the profiled steps' time by phase, and the top ops in ms per step."""
    totals = dict.fromkeys(("host_to_device", "backward", "optimizer"), 0.0)
    everything = 0.0
    for step in (e for e in profile.events() if e.name == STEP_RANGE):
        everything += step.cpu_time_total
        for event in step.cpu_children:
            name, duration = event.name, event.cpu_time_total
            if name == BACKWARD_RANGE or name.startswith("autograd::engine"):
                totals["backward"] += duration
            elif name == OPTIMIZER_RANGE:
                totals["optimizer"] += duration
            elif name in ("aten::to", "aten::_to_copy", "aten::copy_") and _crosses_device():
                totals["host_to_device"] += duration
    if everything <= 0:
        return {}, []
    shares = {phase: value / everything for phase, value in totals.items()}
    shares["forward"] = max(0.0, 1.0 - sum(shares.values()))
    averages = [e for e in profile.key_averages() if not e.key.startswith("deepfit::")]
    averages.sort(key=lambda e: -e.self_cpu_time_total)
    top = [(e.key, e.self_cpu_time_total / 1000.0 / max(steps, 1)) for e in averages[:TOP_OPS]]
    return shares, top


def _crosses_device() -> bool:
    """On a CUDA machine a top-level copy inside the step moves data to the device."""
    return torch.cuda.is_available()


def verdict(report: ProfileReport) -> str:
    """The plain-language reading of where the time went."""
    share = report.fractions
    if share.get("data", 0) >= 0.4:
        return (f"Input pipeline bound: {share['data']:.0%} of the time waits for data. Try "
                f"Dataset.cache() and .prefetch(AUTOTUNE), fewer Python transformations per "
                f"sample, or keep the arrays in memory.")
    if share.get("validation", 0) >= 0.4:
        return (f"Validation takes {share['validation']:.0%} of the time. Validate less often "
                f"(validation_freq=) or on fewer samples, or use a larger "
                f"validation_batch_size.")
    if share.get("callbacks", 0) >= 0.2:
        return (f"Callbacks take {share['callbacks']:.0%} of the time: one of them does heavy "
                f"work every batch (saving, logging, reading values from the device). Make it "
                f"act per epoch or every N batches.")
    if share.get("host_to_device", 0) >= 0.2:
        return (f"Copies to the device take {share['host_to_device']:.0%} of the time. Keep the "
                f"data on the device, or use pinned memory and larger batches.")
    if share.get("optimizer", 0) >= 0.3:
        return (f"The optimizer takes {share['optimizer']:.0%} of the time: many weights and "
                f"little computation per batch. A larger batch_size amortises the update.")
    compute = share.get("forward", 0) + share.get("backward", 0)
    return (f"Compute bound: forward and backward take {compute:.0%} of the time "
            f"(forward {share.get('forward', 0):.0%}, backward {share.get('backward', 0):.0%}). "
            f"Faster hardware, mixed precision or a smaller model would help; the input "
            f"pipeline is not the bottleneck.")


def publish(timing: Profiler, history: Any) -> ProfileReport:
    """Keep the report as `history.profile` and print it (rank 0 only)."""
    from deepfit import distribute

    report = timing.report()
    if history is not None:
        history.profile = report
    if distribute.is_chief():
        print(report, flush=True)
    return report
