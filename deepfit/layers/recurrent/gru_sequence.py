"""Keras's GRU (`reset_after=True`, tanh/sigmoid) over a whole sequence, with its own backward
through time, for training on CPU — one direction, or both directions of a Bidirectional GRU
stepped together.

Why: torch has no fused GRU kernel on CPU. `torch.gru` loops over the steps in C++ but records
every step's ~8 small operations for autograd, so a backward over 200 steps walks ~3,000 tiny
nodes and multiplies the weight gradients step by step. Here the forward keeps each step's gate
values in whole-sequence buffers, and the backward runs three small operations per step for the
recurrence only: the input projection, the input gradient and all weight gradients are single
large matrix products over every step at once.

The two directions of a Bidirectional GRU run as one batch of two: step `i` computes the
forward direction at position `i` and the backward direction at position `steps - 1 - i` in
the same small operations, so each per-step call does twice the work for the same overhead and
can use a second core. Every buffer holds each direction's values in position order; a step's
slice across both directions is a single strided view (`_step_views`).

Its backward is not itself differentiable (second derivatives through a GRU, as in a gradient
penalty, need `GRU(use_cudnn=False)`, the step-by-step path). The weights are used in Keras's
layout and gate order (z, r, h): `kernel` (features, 3 units),
`recurrent_kernel` (units, 3 units), and the input and recurrent biases (3 units each).
"""

from __future__ import annotations

import concurrent.futures
import os
from collections.abc import Callable
from typing import Any

import torch
from torch.autograd.function import once_differentiable


def applies(x: torch.Tensor, weights: list[torch.Tensor]) -> bool:
    """Whether `gru_sequence` should run instead of torch's kernel: a CPU float32 training pass
    (some input needs a gradient), outside torch.compile's tracing."""
    if x.device.type != "cpu" or x.dtype != torch.float32 or not torch.is_grad_enabled():
        return False
    if not (x.requires_grad or any(w.requires_grad for w in weights)):
        return False
    return not torch.compiler.is_compiling()


def gru_sequence(x: torch.Tensor, h0: torch.Tensor, kernel: torch.Tensor,
                 recurrent_kernel: torch.Tensor, input_bias: torch.Tensor | None,
                 recurrent_bias: torch.Tensor | None,
                 reverse: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """Run the GRU over batch-first `x` (batch, steps, features) from state `h0` (batch, units).

    Args:
        x: the input sequences.
        h0: the initial state.
        kernel, recurrent_kernel: Keras's GRU weights (gates z, r, h along the last axis).
        input_bias, recurrent_bias: the two rows of Keras's `reset_after` bias, or None.
        reverse: process the steps from last to first; each output stays at its step's position.

    Returns:
        (outputs (batch, steps, units), final state (batch, units)).
    """
    biases = stacked_biases([input_bias], [recurrent_bias], kernel)
    outputs, final = gru_sequences(x, h0.unsqueeze(0), kernel.unsqueeze(0),
                                   recurrent_kernel.unsqueeze(0), *biases, reverse)
    return outputs, final[0]


def gru_sequences(x: torch.Tensor, h0: torch.Tensor, kernels: torch.Tensor,
                  recurrent_kernels: torch.Tensor, input_biases: torch.Tensor,
                  recurrent_biases: torch.Tensor,
                  reverse_last: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """Run one GRU, or two side by side (a Bidirectional's directions), over batch-first `x`.

    Args:
        x: the input sequences (batch, steps, features).
        h0: each direction's initial state, (directions, batch, units); 1 or 2 directions.
        kernels, recurrent_kernels: each direction's Keras weights, stacked on a first axis.
        input_biases, recurrent_biases: (directions, 3 units) each.
        reverse_last: whether the last direction runs from the last step to the first (the
            first of two always runs forward).

    Returns:
        (outputs (batch, steps, directions * units) — direction `d`'s output at each step in
        columns `d * units` onwards, at its step's position — and the final states
        (directions, batch, units)).
    """
    return _GRUSequences.apply(x, h0, kernels, recurrent_kernels, input_biases,
                               recurrent_biases, reverse_last)


def stacked_biases(input_biases: list, recurrent_biases: list,
                   kernel: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Each direction's two bias rows stacked, zeros for a GRU without biases."""
    zeros = kernel.new_zeros(kernel.shape[-1])
    stack = lambda rows: torch.stack([zeros if b is None else b for b in rows])  # noqa: E731
    return stack(input_biases), stack(recurrent_biases)


def _step_order(steps: int, directions: int, reverse_last: bool) -> list[list[int]]:
    """For each step, the position each direction computes at it."""
    if directions == 1:
        return [[steps - 1 - i if reverse_last else i] for i in range(steps)]
    return [[i, steps - 1 - i] for i in range(steps)]


def _step_views(buffer: torch.Tensor, order: list[list[int]]) -> list[torch.Tensor]:
    """For each step of `order`, `buffer[d, order[step][d]]` for every direction `d`, as one view.

    `buffer` is (directions, positions, ...). With two directions the second one's rows lie a
    whole direction further on, so the distance between a step's two slices is positive
    whatever the positions, and it is a valid stride.
    """
    if buffer.shape[0] == 1:
        rows = buffer.unbind(1)
        return [rows[at[0]] for at in order]
    size, (direction, row, *inner) = buffer.shape, buffer.stride()
    shape, start = (2, *size[2:]), buffer.storage_offset()
    return [buffer.as_strided(shape, (direction + (last - first) * row, *inner),
                              start + first * row) for first, last in order]


def _groups(steps: int, directions: int, reverse_last: bool) -> list[tuple[slice, list]]:
    """The directions' step loops: one loop over both (each step's small operations batched),
    or, with more than one torch thread, one loop per direction for `_in_parallel`. Each is
    (which directions, the positions each computes at each step)."""
    if directions == 1 or torch.get_num_threads() == 1:
        return [(slice(0, directions), _step_order(steps, directions, reverse_last))]
    return [(slice(0, 1), _step_order(steps, 1, False)),
            (slice(1, 2), _step_order(steps, 1, reverse_last))]


_helper: concurrent.futures.ThreadPoolExecutor | None = None


def _forget_helper() -> None:
    global _helper
    _helper = None  # a forked child has the executor but not its thread: start a new one


os.register_at_fork(after_in_child=_forget_helper)


def _in_parallel(run: Callable, groups: list) -> list:
    """`run(*group)` for each group, the second one on a helper thread.

    The step loops are chains of small operations (below torch's intra-op parallelism), whose
    time is their latency: the backward direction's loop on a second core overlaps the forward
    one's, as TensorFlow's executor overlaps them. torch releases the GIL inside each operation.
    """
    global _helper
    if len(groups) == 1:
        return [run(*groups[0])]
    if _helper is None:
        _helper = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="deepfit-gru")
    grad_mode = torch.is_grad_enabled()

    def in_helper() -> Any:
        with torch.set_grad_enabled(grad_mode):  # grad mode is per thread
            return run(*groups[1])

    other = _helper.submit(in_helper)
    first = run(*groups[0])
    return [first, other.result()]


def _forward_steps(h, bias, recurrent_kernels, inputs, products, gates, candidates, outs):
    """The forward recurrence, step by step, into the per-step views; the final state."""
    units = h.shape[-1]
    for i in range(len(inputs)):
        step_input, step_recurrent = inputs[i], products[i]
        torch.baddbmm(bias, h, recurrent_kernels, out=step_recurrent)
        z_r = torch.add(step_input[..., :2 * units], step_recurrent[..., :2 * units],
                        out=gates[i]).sigmoid_()
        n = torch.addcmul(step_input[..., 2 * units:], z_r[..., units:],
                          step_recurrent[..., 2 * units:], out=candidates[i]).tanh_()
        h = torch.lerp(n, h, z_r[..., :units], out=outs[i])  # z*h + (1-z)*n
    return h


def _backward_steps(grad_final, transposed, step_grads, step_slopes, step_z, step_incoming):
    """The recurrence's backward, last step first: each step's gate gradients into
    `step_grads`; the initial state's gradient."""
    directions, batch, units = grad_final.shape
    dh = step_incoming[-1] + grad_final
    for i in range(len(step_grads) - 1, -1, -1):
        torch.mul(dh.unsqueeze(2), step_slopes[i],
                  out=step_grads[i].view(directions, batch, 4, units))
        carried = (dh * step_z[i] if i == 0
                   else torch.addcmul(step_incoming[i - 1], dh, step_z[i]))
        dh = torch.baddbmm(carried, step_grads[i][..., units:], transposed)
    return dh


class _GRUSequences(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, h0, kernels, recurrent_kernels, input_biases, recurrent_biases,
                reverse_last):
        directions, units = h0.shape[0], h0.shape[2]
        batch, steps, features = x.shape
        steps_first = x.transpose(0, 1).reshape(steps * batch, features)
        projected = x.new_empty(directions, steps, batch, 3 * units)
        for d in range(directions):
            torch.addmm(input_biases[d], steps_first, kernels[d],
                        out=projected[d].view(steps * batch, 3 * units))
        # `states` holds every state a step starts from or ends at, in position order: the
        # output of position t is at t + 1 going forward and at t going backward.
        states = x.new_empty(directions, steps + 1, batch, units)
        recurrent = x.new_empty(directions, steps, batch, 3 * units)  # h @ U + b, each step
        update_reset = x.new_empty(directions, steps, batch, 2 * units)
        candidate = x.new_empty(directions, steps, batch, units)
        reverses = _reverses(directions, reverse_last)
        for d, reverse in enumerate(reverses):
            states[d, steps if reverse else 0] = h0[d]
        bias = recurrent_biases.unsqueeze(1)

        def run(group: slice, order: list[list[int]]) -> torch.Tensor:
            ends = [[t if r else t + 1 for t, r in zip(at, reverses[group])] for at in order]
            views = [_step_views(b[group], o) for b, o in (
                (projected, order), (recurrent, order), (update_reset, order),
                (candidate, order), (states, ends))]
            return _forward_steps(h0[group], bias[group], recurrent_kernels[group], *views)

        h = torch.cat(_in_parallel(run, _groups(steps, directions, reverse_last)))
        ctx.save_for_backward(steps_first, kernels, recurrent_kernels, states, recurrent,
                              update_reset, candidate)
        ctx.reverse_last = reverse_last
        outputs = [_outputs(states[d], r).transpose(0, 1) for d, r in enumerate(reverses)]
        outputs = outputs[0] if directions == 1 else torch.cat(outputs, dim=-1)
        return outputs, h

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_outputs, grad_final):
        steps_first, kernels, recurrent_kernels, states, recurrent, update_reset, candidate = (
            ctx.saved_tensors)
        reverse_last = ctx.reverse_last
        directions, steps, batch, units = candidate.shape
        reverses = _reverses(directions, reverse_last)
        previous = [_previous(states[d], r) for d, r in enumerate(reverses)]
        previous = torch.stack(previous) if directions > 1 else previous[0].unsqueeze(0)
        slopes = _gate_slopes(previous, recurrent, update_reset, candidate)
        # autograd materializes an unused output's gradient as zeros: both are always tensors
        incoming = grad_outputs.reshape(batch, steps, directions, units).permute(2, 1, 0, 3)
        if directions > 1:  # (directions, steps, batch, units) for `_step_views`' strides
            incoming = incoming.contiguous()
        # Per step, dh times the slopes gives the gradient of [a, z, r, (hU+b)_h]: columns
        # 0-3 are the input projection's (in the order n, z, r), 1-4 the recurrent product's.
        grads = candidate.new_empty(directions, steps, batch, 4 * units)
        transposed = recurrent_kernels.transpose(1, 2)
        z = update_reset[..., :units]

        def run(group: slice, order: list[list[int]]) -> torch.Tensor:
            views = [_step_views(b[group], order) for b in (grads, slopes, z, incoming)]
            return _backward_steps(grad_final[group], transposed[group], *views)

        dh = torch.cat(_in_parallel(run, _groups(steps, directions, reverse_last)))
        grad_x, *weight_grads = _input_and_weight_grads(steps_first, kernels, previous, grads)
        return (grad_x.view(steps, batch, -1).transpose(0, 1), dh, *weight_grads, None)


def _reverses(directions: int, reverse_last: bool) -> list[bool]:
    return [False] * (directions - 1) + [reverse_last]


def _outputs(states: torch.Tensor, reverse: bool) -> torch.Tensor:
    """One direction's outputs (steps, batch, units) from its `states` buffer, in position order."""
    return states[:-1] if reverse else states[1:]


def _previous(states: torch.Tensor, reverse: bool) -> torch.Tensor:
    """The state each position started from, in position order."""
    return states[1:] if reverse else states[:-1]


def _input_and_weight_grads(steps_first, kernels, previous, grads):
    """The input (steps * batch, features), kernel and bias gradients from every step's gate
    gradients at once."""
    directions, steps, batch, width = grads.shape
    units = width // 4
    flat = grads.view(directions, steps * batch, width)
    to_input, to_recurrent = flat[..., :3 * units], flat[..., units:]
    kernels_nzr = torch.cat([kernels[..., 2 * units:], kernels[..., :2 * units]], dim=2)
    grad_x = to_input[0] @ kernels_nzr[0].t()
    for d in range(1, directions):
        grad_x.addmm_(to_input[d], kernels_nzr[d].t())
    grad_nzr = torch.matmul(steps_first.t(), to_input)
    sums = flat.sum(1)  # one pass: the bias gradients are column sums of both blocks
    order = [units, 2 * units, 0]  # where the n, z, r columns hold the kernel's z, r, h
    grad_kernels = torch.cat([grad_nzr[..., o:o + units] for o in order], dim=2)
    grad_input_biases = torch.cat([sums[:, o:o + units] for o in order], dim=1)
    states = previous.view(directions, steps * batch, units)
    grad_recurrent_kernels = torch.bmm(states.transpose(1, 2), to_recurrent)
    return grad_x, grad_kernels, grad_recurrent_kernels, grad_input_biases, sums[:, units:]


def _gate_slopes(previous, recurrent, update_reset, candidate):
    """Per position, d[a, z_pre, r_pre, (hU+b)_h]/dh: (directions, steps, batch, 4, units).

    With z, r the gates, n the candidate and a its pre-activation:
      d/da = (1 - z)(1 - n^2),  d/dz_pre = (h_prev - n) z (1 - z),
      d/dr_pre = d/da (hU+b)_h r (1 - r),  and the recurrent h block gets d/da r.
    """
    units = candidate.shape[-1]
    z, r = update_reset[..., :units], update_reset[..., units:]
    slopes = candidate.new_empty(*candidate.shape[:-1], 4, units)
    slope_a, slope_z, slope_r, slope_h = slopes.unbind(-2)
    torch.mul(candidate, candidate, out=slope_a).neg_().add_(1).mul_(1 - z)
    torch.sub(previous, candidate, out=slope_z).mul_(torch.addcmul(z, z, z, value=-1))
    torch.mul(slope_a, recurrent[..., 2 * units:], out=slope_r).mul_(
        torch.addcmul(r, r, r, value=-1))
    torch.mul(slope_a, r, out=slope_h)
    return slopes
