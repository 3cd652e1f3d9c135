"""Keras's GRU (`reset_after=True`, tanh/sigmoid) over a whole sequence, with its own backward
through time, for training on CPU.

Why: torch has no fused GRU kernel on CPU. `torch.gru` loops over the steps in C++ but records
every step's ~8 small operations for autograd, so a backward over 200 steps walks ~3,000 tiny
nodes and multiplies the weight gradients step by step. Here the forward keeps each step's gate
values in whole-sequence buffers, and the backward runs four small operations per step for the
recurrence only: the input projection, the input gradient and all weight gradients are single
large matrix products over every step at once.

Its backward is not itself differentiable (second derivatives through a GRU, as in a gradient
penalty, need `GRU(use_cudnn=False)`, the step-by-step path). The weights are used in Keras's
layout and gate order (z, r, h): `kernel` (features, 3 units),
`recurrent_kernel` (units, 3 units), and the input and recurrent biases (3 units each).
"""

from __future__ import annotations

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
    width = recurrent_kernel.shape[1]
    if input_bias is None:
        input_bias = kernel.new_zeros(width)
    if recurrent_bias is None:
        recurrent_bias = kernel.new_zeros(width)
    return _GRUSequence.apply(x, h0, kernel, recurrent_kernel, input_bias, recurrent_bias,
                              reverse)


class _GRUSequence(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, h0, kernel, recurrent_kernel, input_bias, recurrent_bias, reverse):
        batch, steps, features = x.shape
        units = recurrent_kernel.shape[0]
        projected = torch.addmm(input_bias, x.reshape(-1, features), kernel)
        projected = projected.view(batch, steps, 3 * units)
        # Time-major buffers: each step's slice is contiguous. `states` holds every state the
        # steps start from and end at (steps + 1), so outputs and previous states are views.
        states = x.new_empty(steps + 1, batch, units)
        recurrent = x.new_empty(steps, batch, 3 * units)  # h @ U + b of each step
        update_reset = x.new_empty(steps, batch, 2 * units)
        candidate = x.new_empty(steps, batch, units)
        order = range(steps - 1, -1, -1) if reverse else range(steps)
        first = steps if reverse else 0
        states[first] = h0
        x_zr, x_h = projected[..., :2 * units].unbind(1), projected[..., 2 * units:].unbind(1)
        h_zr, h_h = recurrent[..., :2 * units].unbind(0), recurrent[..., 2 * units:].unbind(0)
        z = update_reset[..., :units].unbind(0)
        r = update_reset[..., units:].unbind(0)
        h = states[first]
        for t in order:
            torch.addmm(recurrent_bias, h, recurrent_kernel, out=recurrent[t])
            torch.add(x_zr[t], h_zr[t], out=update_reset[t]).sigmoid_()
            n = torch.addcmul(x_h[t], r[t], h_h[t], out=candidate[t]).tanh_()
            h = torch.lerp(n, h, z[t], out=states[t if reverse else t + 1])  # z*h + (1-z)*n
        ctx.save_for_backward(x, kernel, recurrent_kernel, states, recurrent, update_reset,
                              candidate)
        ctx.reverse = reverse
        outputs = states[:-1] if reverse else states[1:]
        return outputs.transpose(0, 1), h.clone()

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_outputs, grad_final):
        x, kernel, recurrent_kernel, states, recurrent, update_reset, candidate = ctx.saved_tensors
        reverse = ctx.reverse
        steps, batch, units = candidate.shape
        previous = states[1:] if reverse else states[:-1]
        slopes = _gate_slopes(previous, recurrent, update_reset, candidate)
        # Per step, dh times the slopes gives the gradient of [a, z, r, (hU+b)_h]: columns
        # 0-3 are the input projection's (in the order n, z, r), 1-4 the recurrent product's.
        grads = x.new_empty(steps, batch, 4 * units)
        wide = grads.view(steps, batch, 4, units).unbind(0)
        to_recurrent = grads[..., units:].unbind(0)
        z = update_reset[..., :units].unbind(0)
        # autograd materializes an unused output's gradient as zeros: both are always tensors
        incoming = grad_outputs.unbind(1)
        transposed = recurrent_kernel.t()
        order = range(steps) if reverse else range(steps - 1, -1, -1)
        last = order[-1]
        dh = incoming[order[0]] + grad_final
        for t in order:
            torch.mul(dh.unsqueeze(1), slopes[t], out=wide[t])
            carried = dh * z[t] if t == last else torch.addcmul(
                incoming[t + 1 if reverse else t - 1], dh, z[t])
            dh = torch.addmm(carried, to_recurrent[t], transposed)
        grad_x, grad_kernel, grad_recurrent_kernel, grad_input_bias, grad_recurrent_bias = (
            _weight_grads(x, kernel, previous, grads))
        return (grad_x, dh, grad_kernel, grad_recurrent_kernel, grad_input_bias,
                grad_recurrent_bias, None)


def _weight_grads(x, kernel, previous, grads):
    """The input, kernel and bias gradients from all steps' gate gradients at once."""
    steps, batch, width = grads.shape
    units = width // 4
    flat = grads.view(-1, width)
    to_input, to_recurrent = flat[:, :3 * units], flat[:, units:]
    order = [units, 2 * units, 0]  # where to_input (n, z, r) holds the kernel's z, r, h
    kernel_nzr = torch.cat([kernel[:, 2 * units:], kernel[:, :2 * units]], dim=1)
    grad_x = (to_input @ kernel_nzr.t()).view(steps, batch, -1).transpose(0, 1)
    steps_first = x.transpose(0, 1).reshape(steps * batch, -1)
    grad_nzr = steps_first.t() @ to_input
    bias_nzr = to_input.sum(0)
    grad_kernel = torch.cat([grad_nzr[:, o:o + units] for o in order], dim=1)
    grad_input_bias = torch.cat([bias_nzr[o:o + units] for o in order])
    grad_recurrent_kernel = previous.reshape(-1, units).t() @ to_recurrent
    return grad_x, grad_kernel, grad_recurrent_kernel, grad_input_bias, to_recurrent.sum(0)


def _gate_slopes(previous, recurrent, update_reset, candidate):
    """Per step, d[a, z_pre, r_pre, (hU+b)_h]/dh, shaped (steps, batch, 4, units).

    With z, r the gates, n the candidate and a its pre-activation:
      d/da = (1 - z)(1 - n^2),  d/dz_pre = (h_prev - n) z (1 - z),
      d/dr_pre = d/da (hU+b)_h r (1 - r),  and the recurrent h block gets d/da r.
    """
    units = candidate.shape[-1]
    z, r = update_reset[..., :units], update_reset[..., units:]
    steps, batch = candidate.shape[:2]
    slopes = candidate.new_empty(steps, batch, 4, units)
    slope_a, slope_z, slope_r, slope_h = slopes.unbind(2)
    torch.mul(candidate, candidate, out=slope_a).neg_().add_(1).mul_(1 - z)
    torch.sub(previous, candidate, out=slope_z).mul_(torch.addcmul(z, z, z, value=-1))
    torch.mul(slope_a, recurrent[..., 2 * units:], out=slope_r).mul_(
        torch.addcmul(r, r, r, value=-1))
    torch.mul(slope_a, r, out=slope_h)
    return slopes.unbind(0)
