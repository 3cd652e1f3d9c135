"""The CPU settings a fit runs under, restored afterwards: a thread count chosen from the size
of the work, and flush-to-zero for denormals.

Why: on a shared 2-core machine, small matrix products on two threads can run 30x slower when
the other core is busy, while one thread is barely affected; and Adam's second moments decay
into float32 denormals that make CPU steps about twice as slow late in training.

Example:
    >>> with training_runtime(flops_per_step=2e7, device=torch.device("cpu")):
    ...     train()
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

import torch

from deepfit import config
from deepfit.layers import call_context
from deepfit.layers.layer import Layer

#: Below this many floating-point operations per step, one thread is faster or as fast.
SINGLE_THREAD_FLOPS = 6e7


def estimate_flops_per_sample(model: torch.nn.Module, sample: Any) -> float:
    """Forward multiply-adds x2 for one sample, from the layers' kernels and output sizes.

    Args:
        model: a built model.
        sample: a batch to trace the output sizes with (one sample is enough).

    Returns:
        Approximate forward FLOPs per sample (layers without a `kernel` count as free).
    """
    with FlopCounter(model) as counter, torch.no_grad():
        model(sample, training=False)
    return counter.total


class FlopCounter:
    """Counts forward FLOPs per sample while the model runs a batch of any size, so that fit's
    one preparation pass also measures the work of a step.

    deepfit layers are counted through the call context's observer, so layers a subclass
    creates during this very call count too; plain torch modules with a `kernel` are watched
    with forward hooks, and one made during the pass makes the count incomplete (`per_sample`
    is None). Calls made while the model itself builds (a Sequential's dummy sample) do not
    count.

    Example:
        >>> with FlopCounter(model) as counter:
        ...     model(x, training=False)
        >>> counter.per_sample
        203264.0
    """

    def __init__(self, model: torch.nn.Module) -> None:
        self.model = model
        self.total = 0.0
        self._watched: set[int] = set()
        self._handles: list[Any] = []
        self._observing: Any = None
        self._complete = False
        self._cells: set[int] = set()

    def __enter__(self) -> FlopCounter:
        # A recurrent layer counts its cell's work over all steps itself (its fused kernel
        # never calls the cell), so the cell's own per-step calls must not count again.
        self._cells = {id(module.cell) for module in self.model.modules()
                       if isinstance(module, Layer) and hasattr(module, "flops_per_sample")}
        for module in self.model.modules():
            if not isinstance(module, Layer) and isinstance(getattr(module, "kernel", None),
                                                            torch.Tensor):
                self._watched.add(id(module))
                self._handles.append(module.register_forward_hook(
                    lambda layer, _inputs, output: self._count(layer, output)))
        self._observing = call_context.observing(self._count)
        self._observing.__enter__()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._observing.__exit__(*exc_info)
        for handle in self._handles:
            handle.remove()
        self._handles = []
        self._complete = all(isinstance(module, Layer) or id(module) in self._watched
                             for module in self.model.modules()
                             if isinstance(getattr(module, "kernel", None), torch.Tensor))

    @property
    def per_sample(self) -> float | None:
        """The FLOPs counted per sample, or None when the count missed layers."""
        return self.total if self._complete else None

    def _count(self, layer: torch.nn.Module, output: Any) -> None:
        if id(layer) in self._cells or not getattr(self.model, "built", True):
            return
        own = getattr(layer, "flops_per_sample", None)
        if own is not None:
            self.total += own()
            return
        kernel = getattr(layer, "kernel", None)
        if isinstance(kernel, torch.Tensor) and isinstance(output, torch.Tensor) and (
                output.dim() > 0):
            # positions the kernel is applied at in one sample (a rank-1 output: one)
            positions = output[0].numel() / max(1, output.shape[-1]) if output.dim() > 1 else 1.0
            self.total += 2.0 * kernel.numel() * positions


def training_step_flops(flops_per_sample: float, batch_size: int) -> float:
    """A training step's FLOPs from the forward FLOPs of one sample (backward ~2x forward)."""
    return 3.0 * flops_per_sample * batch_size


def choose_threads(flops_per_step: float, available: int) -> int:
    """One thread for small steps, all available threads for large ones."""
    if flops_per_step < SINGLE_THREAD_FLOPS:
        return 1
    return available


class ThreadTuner:
    """Times training steps and keeps the faster of one thread and all threads.

    Why: which is faster depends on the other processes on the machine, which change while
    a fit runs. CPU steps are synchronous, so a step's wall time is its real cost.

    Args:
        candidates: the thread counts to choose from.
        trial_steps: steps timed for each candidate (after one warm-up step).
        recheck_every: steps between re-checks of the other candidate.
    """

    def __init__(self, candidates: list[int], trial_steps: int = 6,
                 recheck_every: int = 300) -> None:
        self.candidates = sorted(set(candidates))
        self.trial_steps = trial_steps
        self.recheck_every = recheck_every
        self.best = self.candidates[-1]
        self._times: dict[int, list[float]] = {c: [] for c in self.candidates}
        self._queue = [c for c in self.candidates for _ in range(trial_steps + 1)]
        self._steps_since_check = 0
        self.apply()

    def apply(self) -> None:
        """Set the thread count the next step runs with (a kept tuner, at a later fit's start:
        its trials go on where the last fit left them, or its choice is used at once)."""
        torch.set_num_threads(self._queue[0] if self._queue else self.best)

    def wrap(self, step: Callable[[Any], Any]) -> Callable[[Any], Any]:
        """`step` timed and run under the chosen thread count."""
        if len(self.candidates) == 1:
            return step

        def timed(batch: Any) -> Any:
            if not self._queue:
                self._steps_since_check += 1
                if self._steps_since_check >= self.recheck_every:
                    self._recheck()
                return step(batch)
            threads = self._queue.pop(0)
            torch.set_num_threads(threads)
            start = time.perf_counter()
            result = step(batch)
            self._times[threads].append(time.perf_counter() - start)
            if not self._queue:
                self._decide()
            return result

        return timed

    def _decide(self) -> None:
        medians = {c: statistics.median(t[1:] or t) for c, t in self._times.items() if t}
        self.best = min(medians, key=medians.get)
        torch.set_num_threads(self.best)
        self._times = {c: [] for c in self.candidates}
        self._steps_since_check = 0

    def _recheck(self) -> None:
        short = max(2, self.trial_steps // 2)
        self._queue = [c for c in self.candidates for _ in range(short + 1)]


@contextlib.contextmanager
def training_runtime(flops_per_step: float, device: torch.device,
                     tuners: dict | None = None) -> Iterator[ThreadTuner | None]:
    """Choose threads (tuning between one and all for large steps) and flush denormals to
    zero for the duration of a fit, then restore the user's settings.

    `tuners` (the model's, kept across fits) holds a tuner per step size and candidates: a
    later fit of the same step goes on with it rather than starting its trials again (a short
    fit, or a warm-up of a few steps, would otherwise spend most of its steps on them)."""
    if device.type != "cpu":
        yield None
        return
    previous = torch.get_num_threads()
    threads = choose_threads(flops_per_step, previous)
    tuneable = threads > 1 and not config.deterministic()
    candidates = [1, previous] if tuneable else [threads]
    key = (round(flops_per_step), tuple(candidates))
    tuner = None if tuners is None else tuners.get(key)
    if tuner is None:
        tuner = ThreadTuner(candidates)
        if tuners is not None:
            tuners[key] = tuner
    tuner.apply()
    was_flushing = flush_denormal_enabled()
    flushing = torch.set_flush_denormal(True)
    try:
        yield tuner
    finally:
        torch.set_num_threads(previous)
        if flushing and not was_flushing:
            torch.set_flush_denormal(False)


def flush_denormal_enabled() -> bool:
    """Whether the CPU flushes float32 denormals to zero now (torch has no getter: a product
    that must give a denormal is computed and read back)."""
    tiny = torch.tensor([1e-30], dtype=torch.float32)
    return bool((tiny * 1e-10).item() == 0.0)


@contextlib.contextmanager
def inference_threads(device: torch.device) -> Iterator[Callable[[float | None], None]]:
    """evaluate's and predict's thread count: yields `use(flops_per_step)`, to call once a
    step's work is known (a training step's worth, as `choose_threads` reads it); the user's
    count is restored afterwards.

    Why: a small model's forward passes on two threads run 10-25x slower than on one when
    another process keeps a core busy (MNIST MLP, 10,000 samples: evaluate 4.2 vs 0.34 s,
    predict 3.2 vs 0.13 s), and no faster on a quiet machine. Unlike fit there is no timing
    of candidates: evaluation is usually short, and one size rule serves.

    Example:
        >>> with inference_threads(torch.device("cpu")) as use:
        ...     use(2e6)      # from here on: one thread
    """
    previous = torch.get_num_threads()

    def use(flops_per_step: float | None) -> None:
        if device.type == "cpu" and flops_per_step is not None:
            torch.set_num_threads(choose_threads(flops_per_step, previous))

    try:
        yield use
    finally:
        if torch.get_num_threads() != previous:
            torch.set_num_threads(previous)

