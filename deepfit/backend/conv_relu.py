"""A 2D convolution with its bias and ReLU in one oneDNN call, for `Conv2D(activation="relu")`
on CPU.

Why: the MNIST convnet and most image tutorials put a ReLU on every convolution. Run apart,
the ReLU is one more pass over each convolution's output (forward) after oneDNN wrote it;
oneDNN can apply it as the convolution writes ("post-op"), as TensorFlow's oneDNN
convolutions do. The values are those of `relu(conv2d(x, w, b))` bit for bit, and the backward
calls the same two kernels autograd calls for that pair (the ReLU's mask from the output, then
the convolution's backward), so gradients are identical too — and differentiable again, for
gradient penalties.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import torch


@functools.cache
def _fused_op():
    """torch's oneDNN convolution with a post-op (what inductor emits on CPU), if present and
    giving `relu(conv2d(...))` exactly on a small probe (a build whose oneDNN lacks the kernel
    raises, or might differ: the plain path is kept there)."""
    try:
        op = torch.ops.mkldnn._convolution_pointwise.default
        generator = torch.Generator().manual_seed(0)
        x = torch.randn(2, 3, 6, 6, generator=generator)
        w, b = torch.randn(4, 3, 3, 3, generator=generator), torch.randn(4, generator=generator)
        with torch.no_grad():
            fused = op(x, w, b, [1, 1], [1, 1], [1, 1], 1, "relu", [], "")
            plain = torch.relu(torch.conv2d(x, w, b, 1, 1))
    except (AttributeError, RuntimeError, NotImplementedError):
        return None
    return op if torch.equal(fused, plain) else None


def applies(x: torch.Tensor, weight: torch.Tensor) -> bool:
    """Whether `conv2d_relu` may run: float32 4-D tensors on CPU with oneDNN enabled, outside
    torch.compile's tracing (which fuses on its own) and torch.autocast."""
    if torch.compiler.is_compiling():  # first: the checks below would break its graph
        return False
    if x.dim() != 4 or x.device.type != "cpu":
        return False
    if x.dtype != torch.float32 or weight.dtype != torch.float32:
        return False
    # under torch.autocast the convolution must run in the autocast dtype, as F.conv2d would
    if not torch.backends.mkldnn.enabled or torch.is_autocast_enabled("cpu"):
        return False
    return torch.backends.mkldnn.is_available() and _fused_op() is not None


def conv2d_relu(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None,
                stride: Sequence[int], padding: Sequence[int], dilation: Sequence[int],
                groups: int) -> torch.Tensor:
    """`relu(conv2d(x, weight, bias, stride, padding, dilation, groups))` in one call.

    Args:
        x: (batch, channels, height, width), any memory layout (channels-last stays so).
        weight: (filters, channels / groups, kernel height, kernel width).
        bias: (filters,) or None.
        stride, padding, dilation: two ints each, or one for both (symmetric padding).
        groups: the number of channel groups.

    Returns:
        The activated convolution, in `x`'s memory layout.

    Example:
        >>> x, w = torch.randn(1, 3, 8, 8), torch.randn(4, 3, 3, 3)
        >>> bool((conv2d_relu(x, w, None, (1, 1), (0, 0), (1, 1), 1)
        ...       == torch.relu(torch.conv2d(x, w))).all())
        True
    """
    pair = lambda v: (v, v) if isinstance(v, int) else tuple(v)  # noqa: E731
    return _ConvReLU.apply(x, weight, bias, pair(stride), pair(padding), pair(dilation), groups)


class _ConvReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, dilation, groups):
        y = _fused_op()(x, weight, bias, list(padding), list(stride), list(dilation), groups,
                   "relu", [], "")
        ctx.save_for_backward(x, weight, y)
        ctx.window = (list(stride), list(padding), list(dilation), groups, bias is not None)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, weight, y = ctx.saved_tensors
        stride, padding, dilation, groups, has_bias = ctx.window
        masked = torch.ops.aten.threshold_backward(grad, y, 0)
        wanted = [ctx.needs_input_grad[0], ctx.needs_input_grad[1], ctx.needs_input_grad[2]]
        grad_x, grad_weight, grad_bias = torch.ops.aten.convolution_backward(
            masked, x, weight, [weight.shape[0]] if has_bias else None, stride, padding,
            dilation, False, [0, 0], groups, wanted)
        return grad_x, grad_weight, grad_bias, None, None, None, None
