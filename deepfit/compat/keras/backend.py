"""`keras.backend` (`tf.keras.backend`, often imported as `K`): `clear_session`, `epsilon`,
`floatx`, and the tensor functions that Keras 2 scripts use in custom losses and metrics
(`K.mean`, `K.square`, `K.sum`, `K.clip`, ...), on torch tensors.

Example:
    >>> from deepfit.compat.keras import backend as K
    >>> import torch
    >>> K.mean(K.square(torch.tensor([1.0, 3.0]))).item()
    5.0
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from deepfit.backend import (
    backend,
    clear_session,
    get_uid,
    image_data_format,
    is_float_dtype,
    is_int_dtype,
    result_type,
    set_image_data_format,
    standardize_dtype,
)
from deepfit.compat import namespace as _namespace
from deepfit.compat.keras.legacy_ctc import ctc_batch_cost, ctc_decode
from deepfit.compat.tensorflow import nn as _nn
from deepfit.compat.tensorflow import ops as _ops
from deepfit.compat.tensorflow import random as _random
from deepfit.compat.tensorflow.dtypes import as_dtype as _as_dtype
from deepfit.config import epsilon, floatx, set_epsilon, set_floatx

__all__ = ["backend", "clear_session", "ctc_batch_cost", "ctc_decode", "epsilon", "floatx",
           "get_uid", "image_data_format",
           "is_float_dtype", "is_int_dtype", "result_type", "set_epsilon", "set_floatx",
           "set_image_data_format", "standardize_dtype"]


def int_shape(x: Any) -> tuple:
    """The shape as a tuple of ints (None for unknown axes of symbolic tensors)."""
    return tuple(x.shape)


def ndim(x: Any) -> int:
    """The number of axes."""
    return len(x.shape)


def dtype(x: Any) -> str:
    """The dtype's name, e.g. 'float32'."""
    return str(x.dtype).replace("torch.", "")


def is_keras_tensor(x: Any) -> bool:
    """Whether `x` is a symbolic tensor of the Functional API."""
    from deepfit.layers.symbolic import KerasTensor

    return isinstance(x, KerasTensor)


def get_value(x: Any) -> Any:
    """The value of a tensor as NumPy (numbers are returned as they are)."""
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return x


def count_params(x: Any) -> int:
    """The number of entries of a weight tensor."""
    return int(np.prod(tuple(x.shape)))


def cast_to_floatx(x: Any) -> torch.Tensor:
    """`x` as a tensor of the default float type."""
    return _ops.convert_to_tensor(x).to(_as_dtype(floatx()))


def _reduction(op: Any) -> Any:
    def reduce(x: Any, axis: Any = None, keepdims: bool = False) -> torch.Tensor:
        return op(x, axis, keepdims)

    reduce.__name__ = op.__name__.replace("reduce_", "")
    reduce.__doc__ = f"`K.{reduce.__name__}(x, axis=None, keepdims=False)` on torch tensors."
    return reduce


mean = _reduction(_ops.reduce_mean)
sum = _reduction(_ops.reduce_sum)  # noqa: A001 - Keras's name
max = _reduction(_ops.reduce_max)  # noqa: A001
min = _reduction(_ops.reduce_min)  # noqa: A001
prod = _reduction(_ops.reduce_prod)
any = _reduction(_ops.reduce_any)  # noqa: A001
all = _reduction(_ops.reduce_all)  # noqa: A001
std = _reduction(_ops.reduce_std)
var = _reduction(_ops.reduce_variance)


def clip(x: Any, min_value: Any, max_value: Any) -> torch.Tensor:
    """Values limited to [min_value, max_value]."""
    return _ops.clip_by_value(x, min_value, max_value)


def argmax(x: Any, axis: int = -1) -> torch.Tensor:
    """The index of the largest value along `axis` (the last by default)."""
    return _ops.argmax(x, axis)


def argmin(x: Any, axis: int = -1) -> torch.Tensor:
    """The index of the smallest value along `axis` (the last by default)."""
    return _ops.argmin(x, axis)


def concatenate(tensors: Any, axis: int = -1) -> torch.Tensor:
    """Tensors joined along `axis` (the last by default)."""
    return _ops.concat(tensors, axis)


def expand_dims(x: Any, axis: int = -1) -> torch.Tensor:
    """A new axis of size 1 at `axis` (the end by default)."""
    return _ops.expand_dims(x, axis)


def permute_dimensions(x: Any, pattern: Any) -> torch.Tensor:
    """The axes reordered by `pattern`."""
    return _ops.transpose(x, pattern)


def flatten(x: Any) -> torch.Tensor:
    """All entries in one axis."""
    return _ops.convert_to_tensor(x).reshape(-1)


def batch_flatten(x: Any) -> torch.Tensor:
    """Each sample's entries in one axis: shape (batch, -1)."""
    t = _ops.convert_to_tensor(x)
    return t.reshape(t.shape[0], -1)


def dot(x: Any, y: Any) -> torch.Tensor:
    """The matrix product."""
    return _ops.matmul(x, y)


def one_hot(indices: Any, num_classes: int) -> torch.Tensor:
    """One-hot vectors of length `num_classes`."""
    return _ops.one_hot(indices, num_classes)


def random_normal(shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = None,
                  seed: int | None = None) -> torch.Tensor:
    """Normal samples of `shape`."""
    return _random.normal(shape, mean, stddev, dtype or floatx())


def random_uniform(shape: Any, minval: float = 0.0, maxval: float = 1.0, dtype: Any = None,
                   seed: int | None = None) -> torch.Tensor:
    """Uniform samples of [minval, maxval)."""
    return _random.uniform(shape, minval, maxval, dtype or floatx())


def relu(x: Any, alpha: float = 0.0, max_value: float | None = None,
         threshold: float = 0.0) -> torch.Tensor:
    """Rectified linear unit with Keras's optional leak, ceiling and threshold."""
    from deepfit import activations

    return activations.relu(_ops.convert_to_tensor(x), negative_slope=alpha,
                            max_value=max_value, threshold=threshold)


def binary_crossentropy(target: Any, output: Any, from_logits: bool = False) -> torch.Tensor:
    """Element-wise binary crossentropy (probabilities clipped to [eps, 1 - eps])."""
    y, p = _ops.convert_to_tensor(target), _ops.convert_to_tensor(output)
    if from_logits:
        return _nn.sigmoid_cross_entropy_with_logits(y, p)
    p = torch.clamp(p, epsilon(), 1.0 - epsilon())
    y = y.to(p.dtype)
    return -(y * torch.log(p) + (1.0 - y) * torch.log(1.0 - p))


def categorical_crossentropy(target: Any, output: Any, from_logits: bool = False,
                             axis: int = -1) -> torch.Tensor:
    """Crossentropy of one-hot targets, one value per sample."""
    y, p = _ops.convert_to_tensor(target), _ops.convert_to_tensor(output)
    if from_logits:
        return _nn.softmax_cross_entropy_with_logits(y, p, axis=axis)
    p = p / p.sum(dim=axis, keepdim=True)
    p = torch.clamp(p, epsilon(), 1.0 - epsilon())
    return -(y.to(p.dtype) * torch.log(p)).sum(dim=axis)


def sparse_categorical_crossentropy(target: Any, output: Any, from_logits: bool = False,
                                    axis: int = -1) -> torch.Tensor:
    """Crossentropy of integer targets, one value per sample."""
    p = _ops.convert_to_tensor(output)
    hot = _ops.one_hot(_ops.convert_to_tensor(target).long().reshape(p.shape[:-1]),
                       p.shape[axis]).to(p.device)
    return categorical_crossentropy(hot, p, from_logits=from_logits, axis=axis)


# Functions with the same meaning and argument order as their tf.* counterparts.
abs = _ops.abs  # noqa: A001
cast = _ops.cast
constant = _ops.constant
cumsum = _ops.cumsum
equal = _ops.equal
exp = _ops.exp
gather = _ops.gather
greater = _ops.greater
greater_equal = _ops.greater_equal
l2_normalize = _ops.l2_normalize
less = _ops.less
less_equal = _ops.less_equal
log = _ops.log
maximum = _ops.maximum
minimum = _ops.minimum
not_equal = _ops.not_equal
ones = _ops.ones
ones_like = _ops.ones_like
pow = _ops.pow  # noqa: A001
reshape = _ops.reshape
round = _ops.round  # noqa: A001
shape = _ops.shape
sign = _ops.sign
sigmoid = _nn.sigmoid
softmax = _nn.softmax
softplus = _nn.softplus
softsign = _nn.softsign
sqrt = _ops.sqrt
square = _ops.square
squeeze = _ops.squeeze
stack = _ops.stack
stop_gradient = _ops.stop_gradient
tanh = _nn.tanh
tile = _ops.tile
transpose = _ops.transpose
zeros = _ops.zeros
zeros_like = _ops.zeros_like
elu = _nn.elu

_namespace.install(globals(), _namespace.Lookup("keras.backend"))
