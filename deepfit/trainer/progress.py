"""The Keras progress bar: `1875/1875 ━━━━━━━━━━━━━━━━━━━━ 2s 1ms/step - loss: 0.0950`.

On a terminal (or a notebook) the line is redrawn in place, at most every `interval` seconds.
Anywhere else (a log file, a pipe, pytest's capture) nothing is redrawn: one finished line is
written when the bar completes. Values may be torch tensors on any device; they are turned into
numbers only when a line is actually drawn, so updating the bar never waits for the device.

Example:
    >>> bar = Progbar(target=3)
    >>> for step in range(1, 4):
    ...     bar.update(step, [("loss", 0.5)])
"""

from __future__ import annotations

import math
import os
import re
import sys
import time
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import torch

from deepfit.io_utils import print_msg

# The clock behind every time the bar shows; tests replace it with a fake one.
_now = time.monotonic

_BOLD = "\x1b[1m"
_GREEN = "\x1b[32m"
_GREY = "\x1b[37m"
_RESET = "\x1b[0m"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_BAR_CHAR = "━"


class Progbar:
    """Displays a progress bar, exactly in Keras's format.

    Values not listed in `stateful_metrics` are averaged over the steps they were reported for
    (weighted by steps), as Keras does; stateful ones are shown as given.

    Args:
        target: total number of steps expected, or None if unknown.
        width: width of the bar in characters.
        verbose: 0 (silent), 1 (live bar) or 2 (one line when the bar completes).
        interval: minimum number of seconds between two redraws on a terminal.
        stateful_metrics: names whose values are displayed as-is instead of averaged.
        unit_name: what a step is called in the time per unit ('step' or 'sample').
        stateless_metrics: alternatively, the only names to average (all others are shown
            as-is); give at most one of `stateful_metrics` and `stateless_metrics`.

    Example:
        >>> bar = Progbar(target=10, verbose=2)
        >>> bar.add(10, [("loss", torch.tensor(0.25))])
    """

    def __init__(
        self,
        target: int | None,
        width: int = 20,
        verbose: int = 1,
        interval: float = 0.05,
        stateful_metrics: Iterable[str] | None = None,
        unit_name: str = "step",
        *,
        stateless_metrics: Iterable[str] | None = None,
    ) -> None:
        _check_arguments(target, width, verbose, stateful_metrics, stateless_metrics)
        self.target = None if target is None else int(target)
        self.width = int(width)
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        if stateless_metrics is not None:
            self.stateful_metrics = None
            self.stateless_metrics = set(stateless_metrics)
        else:
            self.stateful_metrics = set(stateful_metrics or ())
            self.stateless_metrics = None
        self._dynamic_display = _is_dynamic_display(sys.stdout)
        self._seen_so_far = 0
        self._values: dict[str, list[Any]] = {}
        self._values_order: list[str] = []
        self._start = _now()
        self._last_update = -math.inf
        self._time_after_first_step: float | None = None
        self._prev_total_width = 0

    def update(
        self,
        current: int,
        values: Iterable[tuple[str, Any]] | Mapping[str, Any] | None = None,
        finalize: bool | None = None,
    ) -> None:
        """Record progress up to step `current` and redraw when it is time to.

        Args:
            current: index of the current step (1-based count of steps done).
            values: `(name, value)` pairs, or a dict, for the last step(s). Values may be
                Python numbers or tensors on any device.
            finalize: whether this is the last update; defaults to `current >= target`.
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        self._record(current, values, finalize)
        self._seen_so_far = current
        now = _now()
        time_per_unit = self._estimate_step_duration(current, now)
        if self.verbose == 1:
            if not finalize and (
                not self._dynamic_display or now - self._last_update < self.interval
            ):
                return
            self._draw_live(current, finalize, now, time_per_unit)
        elif self.verbose == 2 and finalize and self._has_target():
            self._draw_summary(current, now, time_per_unit)
        self._last_update = now

    def add(self, n: int, values: Iterable[tuple[str, Any]] | None = None) -> None:
        """Advance the bar by `n` steps.

        Args:
            n: number of steps done since the last update.
            values: `(name, value)` pairs, as in `update`.
        """
        self.update(self._seen_so_far + n, values)

    def _record(self, current: int, values: Any, finalize: bool) -> None:
        if isinstance(values, Mapping):
            # A mapping's values are read only if a line is drawn (they may be computed lazily).
            values = [(name, _Deferred(values, name)) for name in values]
        for name, value in values or ():
            if name not in self._values:
                self._values_order.append(name)
            if not self._is_averaged(name) or finalize:
                # Stateful values, and every value given at the end, are shown as given.
                self._values[name] = [value, 1]
                continue
            value = _resolve(value)
            steps = max(current - self._seen_so_far, 1)
            if name in self._values:
                total, count = self._values[name]
                self._values[name] = [total + value * steps, count + steps]
            else:
                self._values[name] = [value * steps, steps]

    def _is_averaged(self, name: str) -> bool:
        if self.stateful_metrics is not None:
            return name not in self.stateful_metrics
        return name in self.stateless_metrics

    def _draw_live(self, current: int, finalize: bool, now: float, time_per_unit: float) -> None:
        styled = self._dynamic_display
        line = self._count_and_bar(current, styled) + self._timing(
            current, finalize, now, time_per_unit, styled
        )
        line += self._metrics_text(small_by_magnitude=True)
        if not styled:
            _write(line + "\n")
            return
        total_width = len(_ANSI.sub("", line))
        message = "\b" * self._prev_total_width + "\r" + line
        if self._prev_total_width > total_width:
            message += " " * (self._prev_total_width - total_width)
        if finalize:
            message += "\n"
        _write(message)
        self._prev_total_width = total_width

    def _draw_summary(self, current: int, now: float, time_per_unit: float) -> None:
        line = f"{self._count(current)} - {now - self._start:.0f}s -"
        line += _format_time(time_per_unit, self.unit_name)
        # Keras tests `avg > 1e-3` here, without abs(): negative values print as %.4e.
        line += self._metrics_text(small_by_magnitude=False)
        _write(line + "\n")

    def _count_and_bar(self, current: int, styled: bool) -> str:
        if not self._has_target():
            return f"{int(current):7d}/Unknown"
        count = self._count(current)
        done = min(max(int(self.width * current / self.target), 0), self.width)
        if not styled:
            return f"{count} " + _BAR_CHAR * done + " " * (self.width - done)
        text = f"{_BOLD}{count}{_RESET} "
        if done > 0:
            text += f"{_GREEN}{_BAR_CHAR * done}{_RESET}"
        return text + f"{_GREY}{_BAR_CHAR * (self.width - done)}{_RESET}"

    def _timing(
        self, current: int, finalize: bool, now: float, time_per_unit: float, styled: bool
    ) -> str:
        if self._has_target() and not finalize:
            shown = _format_eta(time_per_unit * (self.target - current))
        else:
            shown = f"{now - self._start:.0f}s"
        shown = f"{_BOLD}{shown}{_RESET}" if styled else shown
        return f" {shown}" + _format_time(time_per_unit, self.unit_name)

    def _has_target(self) -> bool:
        return self.target is not None and self.target > 0

    def _count(self, current: int) -> str:
        return f"{int(current):{len(str(self.target))}d}/{self.target}"

    def _metrics_text(self, small_by_magnitude: bool) -> str:
        text = ""
        for name in self._values_order:
            total, count = self._values[name]
            total = _resolve(total)
            try:
                average = _mean(total) / max(1, count)
            except (TypeError, ValueError):
                text += f" - {name}: {total}"
                continue
            small = abs(average) <= 1e-3 if small_by_magnitude else not average > 1e-3
            text += f" - {name}: {average:.4e}" if small else f" - {name}: {average:.4f}"
        return text

    def _estimate_step_duration(self, current: int, now: float) -> float:
        # The first step (often slow: compilation, warm-up) is left out once more are done.
        if not current:
            return 0.0
        if self._time_after_first_step is not None and current > 1:
            per_unit = (now - self._time_after_first_step) / (current - 1)
        else:
            per_unit = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return per_unit


def _check_arguments(target, width, verbose, stateful_metrics, stateless_metrics) -> None:
    if target is not None and (
        isinstance(target, bool) or not isinstance(target, (int, np.integer))
    ):
        raise TypeError(
            f"Progbar: target must be an int or None, received {target!r} of type "
            f"{type(target).__name__}"
        )
    if isinstance(width, bool) or not isinstance(width, (int, np.integer)) or width < 1:
        raise ValueError(f"Progbar: width must be a positive int, received {width!r}")
    if verbose not in (0, 1, 2):
        raise ValueError(f"Progbar: verbose must be 0, 1 or 2, received {verbose!r}")
    if stateful_metrics is not None and stateless_metrics is not None:
        raise ValueError(
            "Progbar: give at most one of stateful_metrics and stateless_metrics, received both"
        )


def _is_dynamic_display(stream: Any) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        interactive = bool(isatty()) if isatty is not None else False
    except ValueError:  # a closed stream
        interactive = False
    return interactive or "ipykernel" in sys.modules or "PYCHARM_HOSTED" in os.environ


class _Deferred:
    """`mapping[key]`, read when a line is drawn rather than at every update."""

    __slots__ = ("mapping", "key")

    def __init__(self, mapping: Mapping[str, Any], key: str) -> None:
        self.mapping = mapping
        self.key = key


def _resolve(value: Any) -> Any:
    return value.mapping[value.key] if isinstance(value, _Deferred) else value


def _mean(value: Any) -> float:
    if isinstance(value, torch.Tensor):
        value = value.detach()
        return float(value if value.numel() == 1 else value.float().mean())
    if isinstance(value, float):
        return value
    return float(np.mean(value))


def _format_eta(eta: float) -> str:
    if eta > 3600:
        return f"{int(eta // 3600)}:{int(eta % 3600 // 60):02d}:{int(eta % 60):02d}"
    if eta > 60:
        return f"{int(eta // 60)}:{int(eta % 60):02d}"
    return f"{int(eta)}s"


def _format_time(time_per_unit: float, unit_name: str) -> str:
    if time_per_unit >= 1 or time_per_unit == 0:
        return f" {time_per_unit:.0f}s/{unit_name}"
    if time_per_unit >= 1e-3:
        return f" {time_per_unit * 1000.0:.0f}ms/{unit_name}"
    return f" {time_per_unit * 1000000.0:.0f}us/{unit_name}"


def _write(message: str) -> None:
    print_msg(message, line_break=False)
