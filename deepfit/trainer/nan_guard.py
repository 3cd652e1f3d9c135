"""Which layer produced the NaN? — `fit(..., debug_nan=True)` or `TerminateOnNaN(localize=True)`.

(Exposed as `deepfit.insight.NonFiniteLossError`; it lives with the trainer, which runs it.)

While enabled, each training step is guarded: the weights and random generators are copied
before the step (one fused copy), and the step's loss and the updated weights are checked after
it. On the first non-finite loss (or weight) the weights go back to that last good copy, the
same batch is replayed with every layer watched — forward outputs, then gradients in the
backward pass — and the first layer that turned finite values into NaN or inf is named, with the
phase (`input`, `weights`, `forward`, `loss`, `gradient` or `update`) and the statistics of
what went into it. The model is left at the last good weights. Without these options nothing
is copied or checked.

Example:
    >>> model.fit(x, y, epochs=5, debug_nan=True)
    NonFiniteLossError: Non-finite values first appear in the forward pass of layer 'dense_2'
    (Dense), epoch 1, step 4: its output has 12 non-finite values of 256 while its input is finite
    (min -3.1, max 4.2, mean 0.021, std 1.3). The weights are back at the last good step.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from deepfit import tree


class NonFiniteLossError(FloatingPointError):
    """The loss became NaN or inf; `report` says where it started."""

    def __init__(self, report: NonFiniteReport) -> None:
        super().__init__(str(report))
        self.report = report


@dataclass
class NonFiniteReport:
    """Where non-finite values first appeared in a replayed training step.

    Attributes:
        epoch, step: where the bad loss was seen (epoch from 1, step from 1).
        phase: 'input', 'weights', 'forward', 'loss', 'gradient' or 'update'.
        layer: the layer's name (None for the input and the loss).
        layer_type: the layer's class name.
        detail: what was non-finite, in words.
        input_stats: min/max/mean/std/non_finite of what the layer received (or of the
            model's outputs for 'loss').
    """

    epoch: int
    step: int
    phase: str
    layer: str | None = None
    layer_type: str | None = None
    detail: str = ""
    input_stats: dict[str, float] = field(default_factory=dict)

    def __str__(self) -> str:
        where = {"input": "in the input batch",
                 "weights": f"in the weights of layer '{self.layer}' ({self.layer_type})",
                 "forward": f"in the forward pass of layer '{self.layer}' ({self.layer_type})",
                 "gradient": f"in the backward pass (gradient) of layer '{self.layer}' "
                             f"({self.layer_type})",
                 "loss": "in the loss, from finite model outputs",
                 "update": f"in the optimizer's update of layer '{self.layer}' "
                           f"({self.layer_type})"}[self.phase]
        stats = _format_stats(self.input_stats)
        received = f" while its input is finite ({stats})" if stats else ""
        if self.phase == "loss" and stats:
            received = f" (outputs: {stats})"
        return (f"Non-finite values first appear {where}, epoch {self.epoch}, step "
                f"{self.step}: {self.detail}{received}. The weights are back at the last good "
                f"step.")


class NaNGuard:
    """Copies the model's state before each step and localises the first non-finite loss.

    Args:
        model: the model being trained.
        raise_error: raise `NonFiniteLossError` (True) or print the report and stop training.
    """

    def __init__(self, model: Any, raise_error: bool = True) -> None:
        self.model = model
        self.raise_error = raise_error
        self.tensors = _state_tensors(model)
        self.copies = [t.detach().clone() for t in self.tensors]
        self.rng: torch.Tensor | None = None
        self.epoch = 0
        self.step = 0
        self.report: NonFiniteReport | None = None

    def wrap(self, step_fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
        """`step_fn` guarded: state copied before, loss checked after."""

        def guarded(batch: Any) -> Any:
            torch._foreach_copy_(self.copies, [t.detach() for t in self.tensors])
            self.rng = torch.get_rng_state()
            self.step += 1
            logs = step_fn(batch)
            if not (_finite_loss(logs) and _finite(self.tensors)):
                self._localise(batch)
            return logs

        return guarded

    def new_epoch(self, epoch: int) -> None:
        self.epoch, self.step = epoch + 1, 0

    def _restore(self) -> None:
        with torch.no_grad():
            torch._foreach_copy_([t.detach() for t in self.tensors], self.copies)
        if self.rng is not None:
            torch.set_rng_state(self.rng)

    def _localise(self, batch: Any) -> None:
        poisoned = _poisoned_weight(self.model)
        self._restore()
        try:
            self.report = replay(self.model, batch, self.epoch, self.step, poisoned)
        finally:
            self._restore()
            for weight in self.model.parameters():
                weight.grad = None
        if self.raise_error:
            raise NonFiniteLossError(self.report)
        print(self.report, flush=True)
        self.model.stop_training = True


def guard_for(model: Any, callbacks: list[Any], debug_nan: bool) -> NaNGuard | None:
    """A guard when `fit(debug_nan=True)` or a callback asks for one (`localize_nan`), else
    None (then nothing is copied or checked)."""
    if not isinstance(debug_nan, bool):
        raise TypeError(f"debug_nan: expected True or False, received {debug_nan!r}")
    asking = [c for c in callbacks if getattr(c, "localize_nan", False)]
    if not (debug_nan or asking):
        return None
    raise_error = debug_nan or any(getattr(c, "raise_error", False) for c in asking)
    return NaNGuard(model, raise_error=raise_error)


def replay(model: Any, batch: Any, epoch: int, step: int,
           poisoned: tuple[Any, str] | None = None) -> NonFiniteReport:
    """Run one batch forward and backward with every layer watched; say where values first
    became non-finite. `poisoned` is the (layer, weight name) the real step left non-finite,
    blamed on the optimizer's update when forward and backward are finite."""
    x, y, sample_weight = _unpack(batch)
    found = _bad_input(x) or _bad_weights(model)
    if found is not None:
        phase, layer, detail = found
        return _report(epoch, step, phase, layer, detail, {})
    watch = _Watch(model)
    try:
        with torch.enable_grad():
            y_pred = model(x, training=True)
            forward = watch.first_forward()
            if forward is not None:
                layer, detail, stats = forward
                return _report(epoch, step, "forward", layer, detail, stats)
            loss = model.compute_loss(x, y, y_pred, sample_weight)
            if not torch.isfinite(loss).all():
                return _report(epoch, step, "loss", None, f"the loss is {loss.item()}",
                               _stats(y_pred))
            loss.backward()
        backward = watch.first_backward(model)
    finally:
        watch.remove()
    if backward is not None:
        layer, detail, stats = backward
        return _report(epoch, step, "gradient", layer, detail, stats)
    if poisoned is not None:
        layer, name = poisoned
        gradient = getattr(layer, name).grad
        norm = float(gradient.norm()) if gradient is not None else math.nan
        return _report(epoch, step, "update", layer,
                       f"its gradients are finite (norm of '{name}': {norm:.3g}) but the "
                       f"optimizer's update made weight '{name}' non-finite — lower the "
                       f"learning rate or clip gradients (clipnorm=1.0)", {})
    return _report(epoch, step, "forward", None,
                   "the replayed step was finite (the non-finite value depends on state that "
                   "changed between steps, or on a random draw)", {})


def _report(epoch, step, phase, layer, detail, stats) -> NonFiniteReport:
    return NonFiniteReport(epoch, step, phase, None if layer is None else layer.name,
                           None if layer is None else type(layer).__name__, detail, stats)


class _Watch:
    """Forward hooks on every leaf layer; gradient hooks on their outputs and inputs."""

    def __init__(self, model: Any) -> None:
        self.order: list[tuple[Any, dict[str, float], int, int]] = []
        self.grads: dict[int, dict[str, bool]] = {}
        self.handles = [module.register_forward_hook(self._forward)
                        for module in _leaf_layers(model)]

    def _forward(self, module: Any, inputs: Any, output: Any) -> None:
        ins = [t for t in tree.flatten(inputs) if isinstance(t, torch.Tensor)]
        outs = [t for t in tree.flatten(output) if isinstance(t, torch.Tensor)]
        bad = sum(_non_finite(t) for t in outs if t.is_floating_point())
        index = len(self.order)
        self.order.append((module, _stats(ins), bad, sum(t.numel() for t in outs)))
        record = self.grads.setdefault(index, {"out": True, "in": True, "seen": False})
        for tensor in outs:
            if tensor.requires_grad:
                tensor.register_hook(self._grad_hook(record, "out"))
        for tensor in ins:
            if tensor.requires_grad:
                tensor.register_hook(self._grad_hook(record, "in"))

    @staticmethod
    def _grad_hook(record: dict[str, bool], side: str) -> Callable[[torch.Tensor], None]:
        def hook(grad: torch.Tensor) -> None:
            record["seen"] = True
            record[side] = record[side] and bool(torch.isfinite(grad).all())
        return hook

    def first_forward(self) -> tuple[Any, str, dict[str, float]] | None:
        for module, stats, bad, size in self.order:
            if bad and stats.get("non_finite", 0) == 0:
                return module, f"its output has {bad} non-finite values of {size}", stats
        return None

    def first_backward(self, model: Any) -> tuple[Any, str, dict[str, float]] | None:
        for index in reversed(range(len(self.order))):
            module, stats, _, _ = self.order[index]
            record = self.grads[index]
            params_bad = [name for name, p in module.named_parameters(recurse=False)
                          if p.grad is not None and not torch.isfinite(p.grad).all()]
            if record["out"] and (not record["in"] or params_bad):
                what = (f"the gradients of its weights {params_bad}" if params_bad
                        else "the gradient it passes to its input")
                return module, (f"the gradient of its output is finite but {what} "
                                f"is not"), stats
        return None

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()


def _leaf_layers(model: Any) -> list[torch.nn.Module]:
    leaves = [m for m in model.modules() if m is not model and not list(m.children())]
    return leaves or [model]


def _bad_input(x: Any) -> tuple[str, Any, str] | None:
    for tensor in tree.flatten(x):
        if isinstance(tensor, torch.Tensor) and tensor.is_floating_point() and not bool(
                torch.isfinite(tensor).all()):
            return "input", None, f"the batch holds {_non_finite(tensor)} non-finite values"
    return None


def _bad_weights(model: Any) -> tuple[str, Any, str] | None:
    for module in _leaf_layers(model):
        for name, weight in module.named_parameters(recurse=False):
            if not bool(torch.isfinite(weight).all()):
                return ("weights", module,
                        f"its weight '{name}' already holds {_non_finite(weight)} non-finite "
                        f"values before the step")
    return None


def _poisoned_weight(model: Any) -> tuple[Any, str] | None:
    for module in _leaf_layers(model):
        for name, weight in module.named_parameters(recurse=False):
            if not bool(torch.isfinite(weight).all()):
                return module, name
    return None


def _non_finite(tensor: torch.Tensor) -> int:
    return int((~torch.isfinite(tensor)).sum())


def _stats(value: Any) -> dict[str, float]:
    tensors = [t.detach().float().reshape(-1) for t in tree.flatten(value)
               if isinstance(t, torch.Tensor) and t.numel() and (t.is_floating_point()
                                                                  or not t.is_complex())]
    if not tensors:
        return {}
    flat = torch.cat(tensors)
    finite = flat[torch.isfinite(flat)]
    numbers = {"non_finite": float(flat.numel() - finite.numel())}
    if finite.numel():
        numbers.update(min=float(finite.min()), max=float(finite.max()),
                       mean=float(finite.mean()),
                       std=float(finite.std(unbiased=False)) if finite.numel() > 1 else 0.0)
    return numbers


def _format_stats(stats: dict[str, float]) -> str:
    shown = [f"{key} {stats[key]:.3g}" for key in ("min", "max", "mean", "std") if key in stats]
    return ", ".join(shown)


def _finite_loss(logs: Any) -> bool:
    try:
        loss = logs["loss"]
    except (KeyError, TypeError, IndexError):
        return True
    value = float(loss.detach().float().mean()) if isinstance(loss, torch.Tensor) else float(loss)
    return math.isfinite(value)


def _finite(tensors: list[torch.Tensor]) -> bool:
    """All weights finite after the step (a gradient can poison them while the loss is fine)."""
    if not tensors:
        return True
    return bool(torch.isfinite(torch.stack(torch._foreach_norm(tensors))).all())


def _unpack(batch: Any) -> tuple[Any, Any, Any]:
    if isinstance(batch, tuple) and len(batch) == 3:
        return batch
    if isinstance(batch, (list, tuple)):
        padded = (*batch, None, None)
        return padded[0], padded[1], padded[2]
    return batch, None, None


def _state_tensors(model: Any) -> list[torch.Tensor]:
    found, seen = [], set()
    for tensor in [*model.parameters(), *model.buffers()]:
        if id(tensor) not in seen and tensor.is_floating_point():
            seen.add(id(tensor))
            found.append(tensor)
    return found
