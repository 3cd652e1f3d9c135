"""Helpers shared by the recurrent cells and layers: argument checks, dropout masks, gate matmuls,
torch's fused kernels and the step loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from deepfit import constraints, initializers, regularizers
from deepfit.backend.dropout_mask import keep_mask
from deepfit.layers.layer import Layer
from deepfit.layers.recurrent import gru_sequence

_BASE_CONFIG_KEYS = ("name", "trainable", "dtype", "batch_input_shape")


# --------------------------------------------------------------------------- helpers
def _positive_int(layer: str, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{layer}: {name} must be a positive int, received {value!r}")
    return value


def _rate(layer: str, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{layer}: {name} must be a float in [0, 1], received {value!r}")
    return min(1.0, max(0.0, float(value)))  # Keras clips rather than rejects


_WEIGHT_ARGUMENTS = {"initializer": initializers, "regularizer": regularizers,
                     "constraint": constraints}


def set_weight_arguments(cell: Layer, *values: Any) -> None:
    """Resolve a cell's nine weight arguments onto it, given in Keras's signature order: the
    kernel, recurrent and bias initializers, then their regularizers, then their
    constraints."""
    names = [f"{weight}_{kind}" for kind in _WEIGHT_ARGUMENTS
             for weight in ("kernel", "recurrent", "bias")]
    for name, value in zip(names, values, strict=True):
        setattr(cell, name, _WEIGHT_ARGUMENTS[name.rsplit("_", 1)[1]].get(value))


def weight_arguments_config(cell: Layer) -> dict[str, Any]:
    """The nine weight arguments of a cell, serialized as Keras's `get_config` writes them."""
    return {f"{weight}_{kind}": module.serialize(getattr(cell, f"{weight}_{kind}"))
            for kind, module in _WEIGHT_ARGUMENTS.items()
            for weight in ("kernel", "recurrent", "bias")}


def _dropout_masks(rate: float, count: int, like: torch.Tensor,
                   training: bool | None) -> torch.Tensor | None:
    """`count` dropout masks shaped like `like` (scaled by 1/(1-rate)), or None when inactive."""
    if not training or not 0.0 < rate < 1.0:
        return None
    return keep_mask((count, *like.shape), rate, like)


def _gate_matmul(x: torch.Tensor, weight: torch.Tensor, masks: torch.Tensor | None,
                 gates: int) -> torch.Tensor:
    """`x @ weight`, where gate `g` (a block of columns) sees `x * masks[g]` if given."""
    if masks is None:
        return x @ weight
    if masks.shape[0] == 1:
        return (x * masks[0]) @ weight
    units = weight.shape[1] // gates
    blocks = torch.stack(weight.split(units, dim=1))  # (gates, in, units)
    per_gate = torch.matmul(x.unsqueeze(0) * masks, blocks)  # (gates, batch, units)
    return per_gate.movedim(0, -2).flatten(-2)


def _gate_matmul_seq(x: torch.Tensor, weight: torch.Tensor, masks: torch.Tensor | None,
                     gates: int) -> torch.Tensor:
    """`_gate_matmul` for time-major `x` (steps, batch, features) and per-sample masks."""
    if masks is None:
        return x @ weight
    if masks.shape[0] == 1:
        return (x * masks[0]) @ weight
    units = weight.shape[1] // gates
    blocks = torch.stack(weight.split(units, dim=1)).unsqueeze(1)  # (gates, 1, in, units)
    per_gate = torch.matmul(x.unsqueeze(0) * masks.unsqueeze(1), blocks)
    return per_gate.movedim(0, -2).flatten(-2)


def _is(function: Callable, *candidates: Callable) -> bool:
    return any(function is candidate for candidate in candidates)


def _incompatible(layer: Layer, expected: str, inputs: torch.Tensor) -> ValueError:
    return ValueError(
        f"Input 0 of layer '{layer.name}' is incompatible with the layer: {expected}. "
        f"Full shape received: {tuple(inputs.shape)}"
    )


def _fused_call(kind: str, x: torch.Tensor, states: list[torch.Tensor], cells: list,
                bidirectional: bool) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Run one fused pass of `cells` (one, or forward and backward) over batch-first `x`.

    States are (directions, batch, units). Keras's GRU trains on CPU through `gru_sequence`
    (its own backward through time); everything else runs torch's single-layer kernel.
    """
    if kind == "gru" and gru_sequence.applies(x, [w for c in cells for w in c.weights]):
        return _gru_sequences(x, states[0], cells)
    params = [p for cell in cells for p in cell._torch_params()]
    has_bias = cells[0].use_bias
    train = torch.is_grad_enabled()
    if kind == "lstm":
        out, h, c = torch._VF.lstm(x, (states[0], states[1]), params, has_bias, 1, 0.0, train,
                                   bidirectional, True)
        return out, [h, c]
    run = {"gru": torch._VF.gru, "rnn_tanh": torch._VF.rnn_tanh,
           "rnn_relu": torch._VF.rnn_relu}[kind]
    out, h = run(x, states[0], params, has_bias, 1, 0.0, train, bidirectional, True)
    return out, [h]


def _gru_sequences(x: torch.Tensor, h0: torch.Tensor,
                   cells: list) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """`_fused_call`'s GRU path: each direction through `gru_sequence`, laid out as torch's."""
    outputs, finals = [], []
    for direction, cell in enumerate(cells):
        biases = (None, None) if cell.bias is None else (cell.bias[0], cell.bias[1])
        out, h = gru_sequence.gru_sequence(x, h0[direction], cell.kernel, cell.recurrent_kernel,
                                           *biases, reverse=direction == 1)
        outputs.append(out)
        finals.append(h)
    out = outputs[0] if len(cells) == 1 else torch.cat(outputs, dim=-1)
    return out, [torch.stack(finals)]


def _step_loop(step: Callable, steps: int, states: list[torch.Tensor],
               mask: torch.Tensor | None, keep_all: bool, zero_output: bool) -> tuple:
    """Run `step(t, states) -> (output, new_states)` over time with Keras's masking rule.

    Returns (last output, stacked outputs (steps first) or None, final states).
    """
    outputs, previous = [], None
    for t in range(steps):
        output, new_states = step(t, states)
        if mask is not None:
            keep = mask[t]
            if zero_output or previous is None:
                previous = torch.zeros_like(output)
            output = torch.where(keep, output, previous)
            new_states = [torch.where(keep, new, old) for new, old in zip(new_states, states)]
        states, previous = list(new_states), output
        if keep_all:
            outputs.append(output)
    stacked = torch.stack(outputs) if keep_all else None
    return previous, stacked, states
