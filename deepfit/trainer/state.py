"""`TrainerState`: everything a compiled model's training loop holds, in one object that
`compile` creates — so `train_step`/`test_step`/`predict_step` work before any fit.

It also owns the eligibility contract of the fast paths: `active_features()` names the
trainer features in use for the coming steps; a fast path declares the features it supports
and applies only when every active one is among them.

Example:
    >>> model.compile(optimizer="adam", loss="mse")
    >>> model._trainer_state.active_features()
    frozenset()
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import torch

from deepfit import mixed_precision
from deepfit.distribute import training as distribute_training
from deepfit.trainer.logs import LazyLogs, LossTracker

#: The trainer features a fast path may or may not support.
FEATURES = frozenset({
    "custom_train_step",  # the model overrides train_step
    "no_loss",            # compiled without a loss (the loss comes from add_loss)
    "distributed",        # steps run through DistributedDataParallel
    "loss_scaling",       # mixed_float16 loss scaling
    "mixed_precision",    # an autocast policy
    "regularizers",       # weight regularization penalties
    "constraints",        # weight constraints applied after each step
    "added_losses",       # add_loss / activity regularization penalties
})


class TrainerState:
    """The loop's state of one compiled model: loss tracker, logs, runtime and fast path.

    Args:
        model: the compiled model.
    """

    def __init__(self, model: Any) -> None:
        self.model = model
        self.loss_tracker = LossTracker()
        self.lazy_logs = LazyLogs({})
        self.has_metrics = False
        self.regularizers: list[tuple[torch.Tensor, Any]] = []
        self.constrained = False
        self.may_have_losses = False
        self.distributed: Any = None
        self.sharded: Any = None
        self.ddp_module: Any = None
        self.step_module: Any = model
        self.step_device = torch.device("cpu")
        self.loss_scaler: mixed_precision.LossScaler | None = None
        self.fused: Any = None
        self.compiled_call: Any = None  # jit_compile's CompiledCall, kept across fits
        self.thread_tuners: dict = {}  # the CPU thread tuner per step size, kept across fits
        self.ready = False
        # compile's per-output arguments of a subclassed model, resolved on its first call
        self.deferred_compile: tuple | None = None
        # one fit's run: its NaN guard and profiler (None when off), Ctrl-C/preemption flags
        # (set by signal handlers) and where the loop stopped (epoch, steps done in it)
        self.nan_guard: Any = None
        self.profiler: Any = None
        self.interrupted = False
        self.preempted_by: str | None = None
        self.stopped_at: tuple[int, int] = (0, 0)
        self.sync()

    def sync(self) -> None:
        """Re-read what the model is now: its metrics, penalties, constraints and device."""
        model = self.model
        metrics = model.compiled_metrics
        self.has_metrics = bool(metrics is not None and metrics.metrics)
        self.lazy_logs = LazyLogs(dict(self._result_sources()))
        self.regularizers = _regularizers(model)
        self.constrained = model._has_constraints()
        self.may_have_losses = model._has_losses()
        self.step_device = model._device()
        policy = mixed_precision.global_policy()
        if not policy.needs_loss_scaling or getattr(model.optimizer, "_scales_loss", False):
            self.loss_scaler = None  # a LossScaleOptimizer (or loss_scale_factor) scales
        elif self.loss_scaler is None:
            self.loss_scaler = mixed_precision.LossScaler()

    def _result_sources(self) -> list[tuple[str, Any]]:
        """(log key, bound `result`) of each of the model's metrics, the compiled ones by their
        keys: what `get_metrics_result` reads, without walking the model at every read."""
        model = self.model
        if model.__dict__.get("_trainer_state") is not self:  # compile is still making it
            return [(self.loss_tracker.name, self.loss_tracker.result)]
        sources = []
        for metric in model.metrics:
            inner = getattr(metric, "result_sources", None)
            sources += inner() if inner is not None else [(metric.name, metric.result)]
        return sources

    def attach(self, batches: Any) -> None:
        """Run the coming steps through DistributedDataParallel when `batches` are sharded."""
        context = getattr(batches, "shard", None)
        self.distributed = context
        self.step_module = self.model
        if context is not None:
            if self.ddp_module is None:
                self.ddp_module = distribute_training.wrap(self.model, context)
            self.step_module = self.ddp_module
            self.sharded = batches

    def release(self) -> bool:
        """Drop the DDP wrapper; True when there was one."""
        if self.ddp_module is None:
            return False
        self.ddp_module = None
        self.step_module = self.model
        return True

    def active_features(self) -> frozenset[str]:
        """The trainer features in use for the coming steps (a subset of `FEATURES`)."""
        from deepfit.trainer.trainer import Trainer

        model = self.model
        active = set()
        if type(model).train_step is not Trainer.train_step:
            active.add("custom_train_step")
        if model.compiled_loss is None:
            active.add("no_loss")
        if self.distributed is not None or self.step_module is not model:
            active.add("distributed")
        if self.loss_scaler is not None:
            active.add("loss_scaling")
        if mixed_precision.global_policy().is_mixed:
            active.add("mixed_precision")
        if self.regularizers:
            active.add("regularizers")
        if self.constrained:
            active.add("constraints")
        if any(getattr(m, "activity_regularizer", None) is not None
               or getattr(m, "_losses", None) for m in model.modules()):
            active.add("added_losses")
        return frozenset(active)


def _regularizers(model: Any) -> list[tuple[torch.Tensor, Any]]:
    """(weight, regularizer) of every trainable regularized weight (Keras counts only those)."""
    found = []
    for module in model.modules():
        for name, regularizer in getattr(module, "_regularized", []):
            weight = getattr(module, name)
            if getattr(weight, "requires_grad", True):
                found.append((weight, regularizer))
    return found


@contextlib.contextmanager
def layer_states_kept(model: Any) -> Iterator[None]:
    """Run the preparation passes (build, target checks, pre-flight, baseline, FLOP count)
    without changing any layer's state: a stateful RNN's carried states are put back after."""
    carried = [(module, module.states) for module in model.modules()
               if getattr(module, "stateful", False) and hasattr(module, "states")]
    try:
        yield
    finally:
        for module, states in carried:
            module.states = states
