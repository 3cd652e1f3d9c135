"""Neural-network ops of `keras.ops` (`keras.ops.nn`): activations, `softmax`, crossentropies,
`moments`, `normalize`, `batch_normalization`, with Keras's argument names.

Example:
    >>> from deepfit import ops
    >>> ops.softmax(ops.array([[1.0, 1.0]]))
    tensor([[0.5000, 0.5000]])
"""

from __future__ import annotations

from typing import Any

import torch

from deepfit import activations as _act
from deepfit import config
from deepfit.ops.core import convert_to_tensor as _t
from deepfit.ops.ctc import ctc_decode, ctc_loss  # noqa: F401 (exported as keras.ops.nn.*)
from deepfit.ops.dtypes import result_type, to_torch
from deepfit.ops.symbolic import op

_FLOAT_ACTIVATIONS = (
    "sigmoid", "softplus", "softsign", "silu", "log_sigmoid", "selu", "elu", "celu",
    "hard_sigmoid", "hard_silu", "leaky_relu", "tanh_shrink",
    "hard_shrink", "soft_shrink", "squareplus", "sparse_plus", "sparse_sigmoid", "mish",
)

__all__ = [
    *_FLOAT_ACTIVATIONS, "gelu", "relu", "relu6", "hard_tanh", "swish", "hard_swish",
    "softmax", "log_softmax", "glu",
    "sparsemax", "threshold", "moments", "normalize", "batch_normalization",
    "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
    "multi_hot", "rms_normalization", "layer_normalization", "ctc_loss", "ctc_decode",
]


def _floats(x: Any) -> torch.Tensor:
    t = _t(x)
    if not t.is_floating_point():
        t = t.to(to_torch(config.floatx()))
    return t


def _make(name: str) -> Any:
    fn = getattr(_act, name)

    def activation(x: Any, *args: Any, **kwargs: Any) -> torch.Tensor:
        return fn(_floats(x), *args, **kwargs)

    activation.__name__ = activation.__qualname__ = name
    activation.__doc__ = fn.__doc__
    return op(activation)


for _name in _FLOAT_ACTIVATIONS:
    globals()[_name] = _make(_name)
swish = globals()["silu"]
hard_swish = globals()["hard_silu"]


@op
def relu(x: Any) -> torch.Tensor:
    """`max(x, 0)`; integer inputs keep their dtype."""
    t = _t(x)
    if t.dtype == torch.bool:
        raise TypeError("relu: boolean inputs are not supported")
    return torch.relu(t)


@op
def relu6(x: Any) -> torch.Tensor:
    """`min(max(x, 0), 6)`; integer inputs keep their dtype."""
    t = _t(x)
    return torch.clamp(t.int() if t.dtype == torch.bool else t, 0, 6)


@op
def hard_tanh(x: Any) -> torch.Tensor:
    """`x` clipped to [-1, 1]; integer inputs keep their dtype."""
    t = _t(x)
    return torch.clamp(t, -1, 1)


@op
def gelu(x: Any, approximate: bool = True) -> torch.Tensor:
    """Gaussian error linear unit (the tanh approximation by default, as Keras's ops)."""
    return _act.gelu(_floats(x), approximate=approximate)


@op
def softmax(x: Any, axis: int = -1) -> torch.Tensor:
    """Probabilities along `axis`."""
    t = _t(x)
    if not t.is_floating_point():
        raise TypeError(f"softmax: expected a float tensor, received {t.dtype}")
    return _act.softmax(t, axis=axis)


@op
def log_softmax(x: Any, axis: int = -1) -> torch.Tensor:
    """Log-probabilities along `axis`."""
    return torch.log_softmax(_floats(x), dim=axis)


@op
def glu(x: Any, axis: int = -1) -> torch.Tensor:
    """Gated linear unit: the first half of `axis` times the sigmoid of the second."""
    return _act.glu(_floats(x), axis=axis)


@op
def sparsemax(x: Any, axis: int = -1) -> torch.Tensor:
    """Sparsemax along `axis`."""
    return _act.sparsemax(_floats(x), axis=axis)


@op
def threshold(x: Any, threshold: float, default_value: float) -> torch.Tensor:
    """`x` where `x > threshold`, else `default_value`."""
    t = _t(x)
    return torch.where(t > threshold, t, torch.as_tensor(default_value, dtype=t.dtype))


def moments(x: Any, axes: Any, keepdims: bool = False,
            synchronized: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """The mean and (population) variance over `axes`."""
    t = _floats(x)
    dims = (axes,) if isinstance(axes, int) else tuple(axes)
    work = t.float() if t.dtype == torch.float16 else t
    mean = work.mean(dim=dims, keepdim=keepdims)
    variance = work.var(dim=dims, keepdim=keepdims, correction=0)
    return mean.to(t.dtype), variance.to(t.dtype)


@op
def normalize(x: Any, axis: int = -1, order: int = 2, epsilon: float | None = None) -> torch.Tensor:
    """`x` divided by its `order`-norm along `axis`."""
    t = _floats(x)
    eps = config.epsilon() if epsilon is None else epsilon
    norm = torch.linalg.vector_norm(t, ord=order, dim=axis, keepdim=True)
    return t / torch.clamp(norm, min=eps)


@op
def batch_normalization(x: Any, mean: Any, variance: Any, axis: int, offset: Any = None,
                        scale: Any = None, epsilon: float = 1e-3) -> torch.Tensor:
    """`(x - mean) / sqrt(variance + epsilon) * scale + offset`, the statistics along
    `axis`."""
    t = _floats(x)
    for value in (mean, variance, offset, scale):
        if value is not None:
            t = t.to(torch.promote_types(t.dtype, _t(value).dtype))
    shape = [1] * t.dim()
    shape[axis] = t.shape[axis]

    def along(value: Any) -> torch.Tensor:
        return _t(value).to(t.dtype).reshape(shape)

    out = (t - along(mean)) * torch.rsqrt(along(variance) + epsilon)
    if scale is not None:
        out = out * along(scale)
    if offset is not None:
        out = out + along(offset)
    return out


@op
def rms_normalization(x: Any, scale: Any = 1, axis: int = -1,
                      epsilon: float | None = None) -> torch.Tensor:
    """`x` divided by its root mean square along `axis`, times `scale` (computed in float32
    or wider, returned in `x`'s dtype)."""
    original = _t(x)
    t = original.to(to_torch(result_type(original.dtype, "float32")))
    eps = config.epsilon() if epsilon is None else epsilon
    out = t * torch.rsqrt(t.square().mean(dim=axis, keepdim=True) + eps) * _t(scale).to(t.dtype)
    return out.to(original.dtype)


@op
def layer_normalization(x: Any, gamma: Any = None, beta: Any = None, axis: int = -1,
                        epsilon: float | None = None) -> torch.Tensor:
    """`x` normalized to zero mean and unit variance along `axis`, then scaled and shifted
    (computed in float32 or wider, returned in `x`'s dtype)."""
    original = _t(x)
    t = original.to(to_torch(result_type(original.dtype, "float32")))
    eps = config.epsilon() if epsilon is None else epsilon
    mean = t.mean(dim=axis, keepdim=True)
    var = t.var(dim=axis, keepdim=True, correction=0)
    out = (t - mean) * torch.rsqrt(var + eps)
    if gamma is not None:
        out = out * _t(gamma).to(t.dtype)
    if beta is not None:
        out = out + _t(beta).to(t.dtype)
    return out.to(original.dtype)


def _crossentropy_inputs(target: Any, output: Any) -> tuple[torch.Tensor, torch.Tensor]:
    p = _floats(output)
    return _t(target).to(p.dtype), p


@op
def binary_crossentropy(target: Any, output: Any, from_logits: bool = False) -> torch.Tensor:
    """Element-wise binary crossentropy (probabilities clipped to [eps, 1 - eps])."""
    y, p = _crossentropy_inputs(target, output)
    if from_logits:
        return torch.nn.functional.binary_cross_entropy_with_logits(p, y, reduction="none")
    eps = config.epsilon()
    p = torch.clamp(p, eps, 1.0 - eps)
    return -(y * torch.log(p) + (1.0 - y) * torch.log(1.0 - p))


@op
def categorical_crossentropy(target: Any, output: Any, from_logits: bool = False,
                             axis: int = -1) -> torch.Tensor:
    """Crossentropy of one-hot (or soft) targets along `axis`."""
    y, p = _crossentropy_inputs(target, output)
    if from_logits:
        return -(y * torch.log_softmax(p, dim=axis)).sum(dim=axis)
    p = p / p.sum(dim=axis, keepdim=True)
    eps = config.epsilon()
    return -(y * torch.log(torch.clamp(p, eps, 1.0 - eps))).sum(dim=axis)


@op
def sparse_categorical_crossentropy(target: Any, output: Any, from_logits: bool = False,
                                    axis: int = -1) -> torch.Tensor:
    """Crossentropy of integer targets."""
    p = _floats(output)
    labels = _t(target).long()
    if labels.dim() == p.dim() and labels.shape[-1] == 1:
        labels = labels.squeeze(-1)
    hot = torch.nn.functional.one_hot(labels, p.shape[axis]).to(p.dtype)
    return categorical_crossentropy(torch.movedim(hot, -1, axis), p, from_logits, axis)


@op
def multi_hot(inputs: Any, num_classes: int, axis: int = -1, dtype: Any = None,
              sparse: bool = False) -> torch.Tensor:
    """For each row of indices, a vector with 1 at each index present."""
    idx = _t(inputs).long()
    squeeze = idx.dim() == 1
    if squeeze:
        idx = idx[None]
    out = torch.zeros(*idx.shape[:-1], num_classes, device=idx.device)
    out.scatter_(-1, idx.clamp(0, num_classes - 1), 1.0)
    if squeeze:
        out = out[0]
    if axis != -1:
        out = torch.movedim(out, -1, axis)
    return out.to(to_torch(dtype if dtype is not None else config.floatx()))


# keras.ops.nn also holds the convolutions, pooling, attention and one_hot
from deepfit.ops.arrays import one_hot  # noqa: E402
from deepfit.ops.attention import *  # noqa: E402, F403
from deepfit.ops.attention import __all__ as _attention  # noqa: E402
from deepfit.ops.convolution import *  # noqa: E402, F403
from deepfit.ops.convolution import __all__ as _convolution  # noqa: E402
from deepfit.ops.spatial import *  # noqa: E402, F403
from deepfit.ops.spatial import __all__ as _spatial  # noqa: E402

__all__ += [*_attention, *_convolution, *_spatial, "one_hot"]
