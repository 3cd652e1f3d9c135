"""`model.find_learning_rate(x, y)`: the learning-rate range test, on a copy of the model.

The test trains a copy of the model — its weights, optimizer state and compiled loss — for a
few hundred steps while the learning rate grows exponentially from `start_lr` to `end_lr`, and
records the loss of every batch. It stops early once the loss diverges. The model itself, its
optimizer and the random generators are left exactly as they were.

Two suggestions are read off the smoothed curve:

- `steepest`: where the loss falls fastest (the steepest negative slope against log(lr)).
- `valley`: the middle of the longest stretch of steady descent before the minimum, a rule
  that is less sensitive to noise at the start of the curve than the steepest slope.

`suggestion` is the valley when one was found, else the steepest point.

Example:
    >>> result = model.find_learning_rate(x_train, y_train, batch_size=32)
    >>> result.suggestion
    0.0019
    >>> result.plot("lr_finder.png")
    >>> model.fit(x_train, y_train, learning_rate=result.suggestion)
"""

from __future__ import annotations

import copy
import math
import os
from dataclasses import dataclass, field
from typing import Any

import torch

from deepfit.callbacks.callback import Callback

SMOOTHING = 0.05   # weight of the newest loss in the exponential moving average
DIVERGENCE = 4.0   # stop once the smoothed loss exceeds this many times its best


@dataclass
class LearningRateFinderResult:
    """The curve of a learning-rate range test and what it suggests.

    Attributes:
        learning_rates: the rate of each step, growing exponentially.
        losses: the loss of each step's batch.
        smoothed: the exponential moving average of `losses` (bias-corrected).
        steepest: the rate where the smoothed loss falls fastest, or None.
        valley: the rate in the middle of the longest steady descent, or None.
        suggestion: `valley`, else `steepest`, else None (the loss never fell).
        stopped_early: True when the loss diverged before `end_lr`.
    """

    learning_rates: list[float] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    smoothed: list[float] = field(default_factory=list)
    steepest: float | None = None
    valley: float | None = None
    suggestion: float | None = None
    stopped_early: bool = False

    def __str__(self) -> str:
        if self.suggestion is None:
            return (f"Learning-rate range test over {len(self.losses)} steps: the loss did not "
                    f"fall; check the data, the labels and the loss before tuning the rate.")
        parts = [f"suggested learning rate {self.suggestion:.3g}"]
        if self.steepest is not None:
            parts.append(f"steepest descent at {self.steepest:.3g}")
        if self.valley is not None:
            parts.append(f"valley at {self.valley:.3g}")
        ending = " (stopped: the loss diverged)" if self.stopped_early else ""
        return (f"Learning-rate range test over {len(self.losses)} steps, "
                f"{self.learning_rates[0]:.1e} to {self.learning_rates[-1]:.1e}{ending}: "
                + "; ".join(parts) + ".")

    def plot(self, path: str | os.PathLike | None = None) -> Any:
        """Draw loss against learning rate (log axis) with the suggestions marked.

        Args:
            path: also save the figure here (.png, .svg or .pdf).

        Returns:
            The matplotlib `Figure`.
        """
        from deepfit.insight.plots import require_matplotlib
        from deepfit.saving.atomic import atomic_write

        figure = require_matplotlib()(figsize=(6.4, 4.0), layout="constrained")
        ax = figure.subplots()
        ax.plot(self.learning_rates, self.losses, color="#bbbbbb", linewidth=1, label="loss")
        ax.plot(self.learning_rates, self.smoothed, color="#1f77b4", linewidth=2,
                label="smoothed")
        for rate, name, color in ((self.steepest, "steepest", "#d62728"),
                                  (self.valley, "valley", "#2ca02c")):
            if rate is not None:
                ax.axvline(rate, color=color, linestyle="--", linewidth=1,
                           label=f"{name}: {rate:.2g}")
        ax.set_xscale("log")
        finite = [v for v in self.smoothed if math.isfinite(v)]
        if finite:
            low, high = min(finite), max(finite[: max(1, len(finite) // 3)])
            ax.set_ylim(low - 0.1 * abs(high - low), high + 0.2 * abs(high - low) + 1e-12)
        ax.set_xlabel("learning rate")
        ax.set_ylabel("loss")
        ax.set_title("Learning-rate range test")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small")
        if path is not None:
            with atomic_write(path) as handle:
                figure.savefig(handle, dpi=100, format=str(path).rsplit(".", 1)[-1].lower())
        return figure

    def to_dict(self) -> dict[str, Any]:
        """The curve and suggestions as plain data."""
        return {"learning_rates": list(self.learning_rates), "losses": list(self.losses),
                "steepest": self.steepest, "valley": self.valley,
                "suggestion": self.suggestion, "stopped_early": self.stopped_early}


def find_learning_rate(model: Any, x: Any = None, y: Any = None, batch_size: int | None = None,
                       start_lr: float = 1e-7, end_lr: float = 10.0, num_steps: int = 100,
                       sample_weight: Any = None, class_weight: Any = None,
                       shuffle: bool = True, verbose: bool = False) -> LearningRateFinderResult:
    """Run the learning-rate range test on a copy of a compiled model.

    Args:
        model: a compiled model; it is not changed.
        x, y, batch_size, sample_weight, class_weight, shuffle: as for `fit` (arrays, tensors,
            Datasets, generators or DataLoaders).
        start_lr: the first learning rate.
        end_lr: the last learning rate, reached after `num_steps` steps.
        num_steps: how many training steps the test takes at most (the data is repeated as
            needed).
        verbose: print the result.

    Returns:
        A `LearningRateFinderResult`.

    Raises:
        ValueError: a bad range or step count, or an uncompiled model, before anything runs.

    Example:
        >>> result = find_learning_rate(model, x, y, num_steps=200)
        >>> result.suggestion
    """
    _check_arguments(model, start_lr, end_lr, num_steps)
    devices = [d for d in {p.device for p in model.parameters()} if d.type == "cuda"]
    with torch.random.fork_rng(devices=devices):
        trial = copy.deepcopy(model)
        recorder = _RangeRecorder(start_lr, end_lr, num_steps)
        recorder.take_optimizer(trial.optimizer)
        steps_per_epoch = _steps_per_epoch(x, batch_size)
        epochs = max(1, math.ceil(num_steps / steps_per_epoch)) if steps_per_epoch else 1
        trial.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0, shuffle=shuffle,
                  sample_weight=sample_weight, class_weight=class_weight,
                  callbacks=[recorder], checks=False,
                  steps_per_epoch=None if steps_per_epoch else num_steps)
    result = recorder.result()
    if verbose:
        print(result)
    return result


def _check_arguments(model: Any, start_lr: float, end_lr: float, num_steps: int) -> None:
    if not getattr(model, "compiled", False):
        raise ValueError("find_learning_rate: compile the model first, with the optimizer and "
                         "loss you will train with")
    if not (isinstance(start_lr, (int, float)) and isinstance(end_lr, (int, float))
            and 0 < start_lr < end_lr):
        raise ValueError(f"find_learning_rate: expected 0 < start_lr < end_lr, received "
                         f"start_lr={start_lr!r}, end_lr={end_lr!r}")
    if isinstance(num_steps, bool) or not isinstance(num_steps, int) or num_steps < 5:
        raise ValueError(f"find_learning_rate: num_steps must be an integer of at least 5, "
                         f"received {num_steps!r}")


def _steps_per_epoch(x: Any, batch_size: int | None) -> int | None:
    """Batches per pass over array-like `x`; None for iterables whose length is unknown."""
    from deepfit import tree

    try:
        first = tree.first_leaf(x)
        rows = len(first) if not isinstance(x, (list, tuple)) or hasattr(first, "shape") else None
    except (TypeError, ValueError, AttributeError):
        rows = None
    if rows is None or not hasattr(first, "shape"):
        try:
            return len(x) or None
        except TypeError:
            return None
    return max(1, math.ceil(rows / (batch_size or 32)))


class _RangeRecorder(Callback):
    """Sets each step's rate, records each batch's loss, stops on divergence."""

    def __init__(self, start_lr: float, end_lr: float, num_steps: int) -> None:
        super().__init__()
        self.start_lr, self.end_lr, self.num_steps = start_lr, end_lr, num_steps
        self.rates: list[float] = []
        self.losses: list[float] = []
        self.smoothed: list[float] = []
        self.stopped_early = False
        self._average = 0.0
        self._previous_mean = 0.0
        self._optimizer: Any = None

    def take_optimizer(self, optimizer: Any) -> None:
        """Drive this (copied) optimizer's rate from here, schedule or not."""
        self._optimizer = optimizer
        optimizer._set_learning_rate(self.start_lr)

    def _rate(self, step: int) -> float:
        return self.start_lr * (self.end_lr / self.start_lr) ** (step / (self.num_steps - 1))

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._previous_mean = 0.0

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        rate = self._rate(len(self.rates))
        self._optimizer._set_learning_rate(rate)
        self.rates.append(rate)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        # Batch logs hold the epoch's running mean (as Keras's do); recover this batch's loss.
        mean = float(logs["loss"])
        loss = (batch + 1) * mean - batch * self._previous_mean
        self._previous_mean = mean
        self.losses.append(loss)
        step = len(self.losses)
        self._average = SMOOTHING * loss + (1 - SMOOTHING) * self._average
        smoothed = self._average / (1 - (1 - SMOOTHING) ** step)
        self.smoothed.append(smoothed)
        finite = [v for v in self.smoothed if math.isfinite(v)]
        if not math.isfinite(smoothed) or smoothed > DIVERGENCE * min(finite):
            self.stopped_early = True
            self.model.stop_training = True
        elif step >= self.num_steps:
            self.model.stop_training = True

    def result(self) -> LearningRateFinderResult:
        count = len(self.losses)
        rates = self.rates[:count]
        steepest, valley = suggest(rates, self.smoothed)
        return LearningRateFinderResult(rates, self.losses, self.smoothed, steepest, valley,
                                        valley if valley is not None else steepest,
                                        self.stopped_early)


def suggest(rates: list[float], smoothed: list[float]) -> tuple[float | None, float | None]:
    """(steepest, valley) rates of a smoothed loss curve; None where the loss never fell.

    The divergent tail (after the minimum) is ignored, as is the first tenth of the curve,
    where the moving average has not settled.

    Example:
        >>> suggest([1e-4, 1e-3, 1e-2, 1e-1], [2.0, 1.5, 0.5, 9.0])
        (0.001, 0.001)
    """
    finite = [(r, v) for r, v in zip(rates, smoothed) if math.isfinite(v)]
    if len(finite) < 3:
        return None, None
    lowest = min(range(len(finite)), key=lambda i: finite[i][1])
    curve = finite[: lowest + 1]
    if len(curve) < 3:
        return None, None
    skip = len(curve) // 10
    slopes = [(curve[i + 1][1] - curve[i][1]) / math.log(curve[i + 1][0] / curve[i][0])
              for i in range(skip, len(curve) - 1)]
    if not slopes or min(slopes) >= 0:
        return None, None
    steepest = curve[skip + slopes.index(min(slopes))][0]
    return steepest, _valley(curve[skip:], slopes)


def _valley(curve: list[tuple[float, float]], slopes: list[float]) -> float | None:
    """Middle of the longest run of falling steps before the minimum."""
    best_start, best_length, start = 0, 0, None
    for i, slope in enumerate([*slopes, 0.0]):
        if slope < 0 and start is None:
            start = i
        elif slope >= 0 and start is not None:
            if i - start > best_length:
                best_start, best_length = start, i - start
            start = None
    if best_length < 2:
        return None
    return curve[best_start + best_length // 2][0]
