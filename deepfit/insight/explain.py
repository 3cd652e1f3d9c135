"""`model.explain_step(x, y)`: one training step on one batch, shown — forward pass (each
layer's output shape and statistics), loss, backward pass (each weight's gradient norm) and
update (its size relative to the weight) — with vanishing/exploding gradients, dead ReLUs and
saturated sigmoids flagged.

The step is the model's own (`train_step` or the default one fit runs), so what is shown is
what fit does. With `apply=False` the weights, the optimizer state and the random generators
are put back afterwards.

Example:
    >>> explanation = model.explain_step(x_train[:32], y_train[:32])
    >>> explanation.weights[0].grad_norm
    0.0123
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import torch

from deepfit.trainer import trainer as steps

VANISHING_RATIO = 1e-5   # a gradient this much smaller than the model's largest one
EXPLODING_NORM = 1e3     # a gradient norm beyond this many times max(1, ‖weight‖)
DEAD_LIMIT = 0.5         # flag layers where over half the ReLU units are dead on the batch
SATURATED_LIMIT = 0.5    # ... or over half the sigmoid/tanh outputs are saturated


@dataclass
class LayerStats:
    """One layer's output on the batch.

    Attributes:
        name, type: the layer's name and class.
        output_shape: the output's shape (batch axis included).
        mean, std: over all output values.
        dead_fraction: for ReLU layers, the fraction of units that output 0 for every sample.
        saturated_fraction: for sigmoid (tanh) layers, the fraction of outputs below 0.01 or
            above 0.99 (beyond ±0.99), where the gradient all but vanishes.
    """

    name: str
    type: str
    output_shape: tuple[int, ...]
    mean: float
    std: float
    dead_fraction: float | None = None
    saturated_fraction: float | None = None


@dataclass
class WeightStats:
    """One trainable weight through the step.

    Attributes:
        name: 'layer/weight', as Keras names variables.
        shape: the weight's shape.
        weight_norm: L2 norm before the update.
        grad_norm: L2 norm of the gradient.
        update_norm: L2 norm of the change the optimizer made.
        relative_update: update_norm / weight_norm (inf for an all-zero weight that moved).
        flag: 'vanishing', 'exploding' or None.
    """

    name: str
    shape: tuple[int, ...]
    weight_norm: float
    grad_norm: float
    update_norm: float
    relative_update: float
    flag: str | None = None


@dataclass
class StepExplanation:
    """Everything `explain_step` measured; `str()` gives the printed table."""

    loss: float
    batch_size: int
    layers: list[LayerStats] = field(default_factory=list)
    weights: list[WeightStats] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    applied: bool = True

    def to_dict(self) -> dict[str, Any]:
        """The numbers as plain data."""
        return asdict(self)

    def __str__(self) -> str:
        from deepfit.insight.explain_table import format_explanation

        return format_explanation(self)


def explain_step(model: Any, x: Any, y: Any = None, apply: bool = True,
                 verbose: bool = True) -> StepExplanation:
    """Run and show one training step on one batch.

    Args:
        model: a compiled model.
        x: one batch of inputs (arrays or tensors).
        y: its targets.
        apply: keep the update (True, as fit would) or restore the weights, optimizer state and
            random generators afterwards (False).
        verbose: print the table.

    Returns:
        A `StepExplanation`.

    Example:
        >>> model.explain_step(x[:64], y[:64], apply=False).flags
        ['vanishing gradients: dense/kernel ...']
    """
    batch = steps.prepared_batch(model, x, y)
    devices = [d for d in {p.device for p in model.parameters()} if d.type == "cuda"]
    with torch.random.fork_rng(devices=devices, enabled=not apply):
        explanation = _run_step(model, batch, apply)
    if verbose:
        print(explanation)
    return explanation


def _run_step(model: Any, batch: tuple, apply: bool) -> StepExplanation:
    params = _named_trainable(model)
    saved_state = None if apply else {k: v.clone() for k, v in model.state_dict().items()}
    saved_optimizer = None if apply else model.optimizer.get_state()
    before = [p.detach().clone() for _, p in params]
    outputs, handles = _capture_outputs(model)
    model.reset_metrics()
    try:
        result = steps.run_train_step(model, batch)
    finally:
        for handle in handles:
            handle.remove()
    grads = [torch.zeros_like(p) if p.grad is None else p.grad.detach().clone()
             for _, p in params]
    loss = _loss_value(model, result)
    weights = _weight_stats(params, before, grads)
    layers = [_layer_stats(layer, output) for layer, output in outputs]
    if not apply:
        with torch.no_grad():
            current = model.state_dict()
            for key, value in saved_state.items():
                current[key].copy_(value)
        model.optimizer.set_state(saved_optimizer)
    explanation = StepExplanation(loss, int(_batch_rows(batch[0])), layers, weights, [], apply)
    explanation.flags = _flags(explanation)
    return explanation


def _named_trainable(model: Any) -> list[tuple[str, torch.nn.Parameter]]:
    trainable = {id(p) for p in model.trainable_weights}
    named, seen = [], set()
    for name, param in model.named_parameters():
        if id(param) in trainable and id(param) not in seen:
            seen.add(id(param))
            named.append((name.replace(".", "/"), param))
    return named


def _capture_outputs(model: Any) -> tuple[list[tuple[Any, torch.Tensor]], list[Any]]:
    outputs: list[tuple[Any, torch.Tensor]] = []
    handles = []
    for layer in getattr(model, "layers", []):
        if type(layer).__name__ == "InputLayer":
            continue

        def hook(module: Any, inputs: Any, output: Any) -> None:
            if isinstance(output, torch.Tensor):
                outputs.append((module, output.detach()))

        handles.append(layer.register_forward_hook(hook))
    return outputs, handles


def _loss_value(model: Any, result: Any) -> float:
    if isinstance(result, dict) and "loss" in result:
        value = result["loss"]
    else:
        value = model.get_metrics_result().get("loss", math.nan)
    return float(value)


def _batch_rows(x: Any) -> int:
    from deepfit import tree

    return tree.first_leaf(x).shape[0]


def _weight_stats(params: list, before: list[torch.Tensor],
                  grads: list[torch.Tensor]) -> list[WeightStats]:
    if not params:
        return []
    norms = torch.stack([torch.stack([w.float().norm(), g.float().norm(),
                                      (p.detach() - w).float().norm()])
                         for (_, p), w, g in zip(params, before, grads)]).tolist()
    largest = max((g for _, g, _ in norms if math.isfinite(g)), default=0.0)
    stats = []
    for (name, p), (w_norm, g_norm, u_norm) in zip(params, norms):
        relative = u_norm / w_norm if w_norm > 0 else (math.inf if u_norm > 0 else 0.0)
        flag = None
        if not math.isfinite(g_norm) or g_norm > EXPLODING_NORM * max(1.0, w_norm):
            flag = "exploding"
        elif g_norm <= VANISHING_RATIO * largest or largest == 0.0:
            flag = "vanishing"
        stats.append(WeightStats(name, tuple(p.shape), w_norm, g_norm, u_norm, relative, flag))
    return stats


def _activation_name(layer: Any) -> str:
    name = getattr(getattr(layer, "activation", None), "__name__", None)
    return (name or type(layer).__name__).lower()


def _layer_stats(layer: Any, output: torch.Tensor) -> LayerStats:
    values = output.float()
    rows = values.reshape(values.shape[0], -1) if values.dim() > 0 else values.reshape(1, 1)
    activation = _activation_name(layer)
    measures = [values.mean(), values.std(unbiased=False) if values.numel() > 1
                else torch.zeros((), device=values.device)]
    dead = saturated = None
    if activation in ("relu", "relu6"):
        measures.append((rows <= 0).all(dim=0).float().mean())
        dead = len(measures) - 1
    elif activation in ("sigmoid", "hard_sigmoid"):
        measures.append(((values < 0.01) | (values > 0.99)).float().mean())
        saturated = len(measures) - 1
    elif activation == "tanh":
        measures.append((values.abs() > 0.99).float().mean())
        saturated = len(measures) - 1
    numbers = torch.stack(measures).tolist()
    return LayerStats(layer.name, type(layer).__name__, tuple(output.shape), numbers[0],
                      numbers[1], None if dead is None else numbers[dead],
                      None if saturated is None else numbers[saturated])


def _flags(explanation: StepExplanation) -> list[str]:
    flags = []
    if not math.isfinite(explanation.loss):
        flags.append(f"non-finite loss ({explanation.loss}): check the inputs, labels and the "
                     f"learning rate")
    flags += _gradient_flags(explanation.weights)
    for layer in explanation.layers:
        if layer.dead_fraction is not None and layer.dead_fraction > DEAD_LIMIT:
            flags.append(f"dead ReLUs: {layer.dead_fraction:.0%} of the units of '{layer.name}' "
                         f"output 0 for every sample of the batch")
        if layer.saturated_fraction is not None and layer.saturated_fraction > SATURATED_LIMIT:
            flags.append(f"saturated activations: {layer.saturated_fraction:.0%} of the outputs "
                         f"of '{layer.name}' sit where the gradient all but vanishes")
    return flags


def _gradient_flags(weights: list[WeightStats]) -> list[str]:
    finite = [w for w in weights if math.isfinite(w.grad_norm)]
    largest = max(finite, key=lambda w: w.grad_norm, default=None)
    flags = []
    vanishing = [w for w in weights if w.flag == "vanishing"]
    if vanishing and largest is not None:
        smallest = min(vanishing, key=lambda w: w.grad_norm)
        flags.append(f"vanishing gradients in {_names(vanishing)}: as small as "
                     f"{smallest.grad_norm:.2e} ({smallest.name}) against "
                     f"{largest.grad_norm:.2e} ({largest.name})")
    exploding = [w for w in weights if w.flag == "exploding"]
    if exploding:
        worst = max(exploding, key=lambda w: w.grad_norm if math.isfinite(w.grad_norm)
                    else math.inf)
        flags.append(f"exploding gradients in {_names(exploding)}: up to "
                     f"{worst.grad_norm:.2e} ({worst.name}, a weight of norm "
                     f"{worst.weight_norm:.2e})")
    return flags


def _names(weights: list[WeightStats]) -> str:
    names = [w.name for w in weights]
    if len(names) <= 3:
        return ", ".join(names)
    return f"{len(names)} weights ({names[0]} ... {names[-1]})"
