"""`tf.nn`: activations and crossentropies on torch tensors, built on `deepfit.activations`.

Each activation accepts what `tf.nn` accepts (tensors, arrays, lists) with TensorFlow's argument
names and defaults, and can be passed as a layer's `activation=`: a layer config then records
its name ('relu'), which loads back as deepfit's own function.

Example:
    >>> from deepfit.compat.tensorflow import nn
    >>> nn.softmax([0.0, 0.0]).tolist()
    [0.5, 0.5]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F

from deepfit import activations
from deepfit.compat import namespace as _namespace
from deepfit.compat.tensorflow.eager import for_user_functions
from deepfit.compat.tensorflow.nn_conv import (
    avg_pool,
    avg_pool1d,
    avg_pool2d,
    conv1d,
    conv2d,
    depthwise_conv2d,
    max_pool,
    max_pool1d,
    max_pool2d,
)
from deepfit.compat.tensorflow.ops import _t, l2_normalize

__all__ = [
    "avg_pool", "avg_pool1d", "avg_pool2d", "conv1d", "conv2d", "depthwise_conv2d", "max_pool",
    "max_pool1d", "max_pool2d",
    "bias_add", "dropout", "elu", "gelu", "l2_normalize", "leaky_relu", "log_softmax", "moments",
    "relu", "relu6", "selu", "sigmoid", "sigmoid_cross_entropy_with_logits", "silu", "softmax",
    "softmax_cross_entropy_with_logits", "softplus", "softsign",
    "sparse_softmax_cross_entropy_with_logits", "swish", "tanh",
]


def relu(features: Any, name: str | None = None) -> torch.Tensor:
    """`tf.nn.relu`: `max(features, 0)`."""
    return activations.relu(_t(features))


def relu6(features: Any, name: str | None = None) -> torch.Tensor:
    """`tf.nn.relu6`: `min(max(features, 0), 6)`."""
    return activations.relu6(_t(features))


def leaky_relu(features: Any, alpha: float = 0.2, name: str | None = None) -> torch.Tensor:
    """`tf.nn.leaky_relu`: `features` below 0 scaled by `alpha` (0.2, TF's default)."""
    return activations.leaky_relu(_t(features), negative_slope=alpha)


def elu(features: Any, name: str | None = None) -> torch.Tensor:
    """`tf.nn.elu`: exponential linear unit."""
    return activations.elu(_t(features))


def selu(features: Any, name: str | None = None) -> torch.Tensor:
    """`tf.nn.selu`: scaled exponential linear unit."""
    return activations.selu(_t(features))


def gelu(features: Any, approximate: bool = False, name: str | None = None) -> torch.Tensor:
    """`tf.nn.gelu`: Gaussian error linear unit (tanh approximation when `approximate`)."""
    return activations.gelu(_t(features), approximate=approximate)


def sigmoid(x: Any, name: str | None = None) -> torch.Tensor:
    """`tf.nn.sigmoid`: `1 / (1 + exp(-x))`."""
    return activations.sigmoid(_t(x))


def tanh(x: Any, name: str | None = None) -> torch.Tensor:
    """`tf.nn.tanh`: hyperbolic tangent."""
    return activations.tanh(_t(x))


def softplus(features: Any, name: str | None = None) -> torch.Tensor:
    """`tf.nn.softplus`: `log(exp(features) + 1)`."""
    return activations.softplus(_t(features))


def softsign(features: Any, name: str | None = None) -> torch.Tensor:
    """`tf.nn.softsign`: `features / (abs(features) + 1)`."""
    return activations.softsign(_t(features))


def silu(features: Any, beta: float = 1.0, name: str | None = None) -> torch.Tensor:
    """`tf.nn.silu` (also `swish`): `features * sigmoid(beta * features)`."""
    x = _t(features)
    return activations.silu(x) if beta == 1.0 else x * torch.sigmoid(beta * x)


swish = silu


def softmax(logits: Any, axis: int | None = None, name: str | None = None) -> torch.Tensor:
    """`tf.nn.softmax`: probabilities along `axis` (the last one by default).

    Example:
        >>> softmax([[1.0, 1.0, 1.0]]).sum().item()
        1.0
    """
    return activations.softmax(_t(logits), axis=-1 if axis is None else axis)


def log_softmax(logits: Any, axis: int | None = None, name: str | None = None) -> torch.Tensor:
    """`tf.nn.log_softmax`: log-probabilities along `axis` (the last one by default)."""
    return activations.log_softmax(_t(logits), axis=-1 if axis is None else axis)


def sigmoid_cross_entropy_with_logits(labels: Any = None, logits: Any = None,
                                      name: str | None = None) -> torch.Tensor:
    """`tf.nn.sigmoid_cross_entropy_with_logits`: element-wise binary crossentropy."""
    z, x = _t(labels), _t(logits)
    return F.binary_cross_entropy_with_logits(x, z.to(x.dtype).to(x.device), reduction="none")


def softmax_cross_entropy_with_logits(labels: Any, logits: Any, axis: int = -1,
                                      name: str | None = None) -> torch.Tensor:
    """`tf.nn.softmax_cross_entropy_with_logits`: crossentropy of one-hot (or soft) labels,
    one value per sample."""
    x = _t(logits)
    return -(_t(labels).to(x.device, x.dtype) * torch.log_softmax(x, dim=axis)).sum(dim=axis)


def sparse_softmax_cross_entropy_with_logits(labels: Any = None, logits: Any = None,
                                             name: str | None = None) -> torch.Tensor:
    """`tf.nn.sparse_softmax_cross_entropy_with_logits`: crossentropy of integer labels."""
    x, y = _t(logits), _t(labels).long()
    flat = F.cross_entropy(x.reshape(-1, x.shape[-1]), y.reshape(-1).to(x.device),
                           reduction="none")
    return flat.reshape(y.shape)


def moments(x: Any, axes: Sequence[int], shift: Any = None, keepdims: bool = False,
            name: str | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """`tf.nn.moments`: the mean and (population) variance over `axes`."""
    t = _t(x)
    dims = tuple(int(a) for a in axes)
    return (torch.mean(t, dim=dims, keepdim=keepdims),
            torch.var(t, dim=dims, correction=0, keepdim=keepdims))


def dropout(x: Any, rate: float, noise_shape: Any = None, seed: int | None = None,
            name: str | None = None) -> torch.Tensor:
    """`tf.nn.dropout`: zero entries with probability `rate`, scale the rest by 1/(1-rate)."""
    return F.dropout(_t(x), p=float(rate), training=True)


def bias_add(value: Any, bias: Any, data_format: str | None = None,
             name: str | None = None) -> torch.Tensor:
    """`tf.nn.bias_add`: `value + bias` along the last (channels) axis."""
    return _t(value) + _t(bias)


for_user_functions(globals())
_namespace.install(globals(), _namespace.Lookup("tf.nn"))
