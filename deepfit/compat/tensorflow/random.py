"""`tf.random`: seeding and random tensors, drawn from torch's global generator.

`set_seed` seeds everything deepfit uses (Python, NumPy and torch), so a script that calls
`tf.random.set_seed(42)` gets reproducible weights, shuffles and dropout. An op-level `seed=`
argument is accepted and ignored: draws follow the global seed.

Example:
    >>> from deepfit.compat.tensorflow import random
    >>> random.set_seed(0)
    >>> random.uniform([2, 3]).shape
    torch.Size([2, 3])
"""

from __future__ import annotations

from typing import Any

import torch

from deepfit.compat import namespace as _namespace
from deepfit.compat.tensorflow.dtypes import as_dtype
from deepfit.compat.tensorflow.eager import for_user_functions
from deepfit.compat.tensorflow.ops import _shape, _t
from deepfit.utils import set_random_seed

__all__ = ["categorical", "gamma", "normal", "poisson", "set_seed", "shuffle", "truncated_normal",
           "uniform"]


def set_seed(seed: int) -> None:
    """`tf.random.set_seed`: seed Python's `random`, NumPy and torch (see the module doc).

    Args:
        seed: a non-negative int.
    """
    set_random_seed(int(seed))


def normal(shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = torch.float32,
           seed: int | None = None, name: str | None = None) -> torch.Tensor:
    """`tf.random.normal`: samples of N(mean, stddev²) of `shape`."""
    return torch.randn(_shape(shape), dtype=as_dtype(dtype)) * stddev + mean


def truncated_normal(shape: Any, mean: float = 0.0, stddev: float = 1.0,
                     dtype: Any = torch.float32, seed: int | None = None,
                     name: str | None = None) -> torch.Tensor:
    """`tf.random.truncated_normal`: normal samples redrawn beyond two standard deviations."""
    out = torch.empty(_shape(shape), dtype=as_dtype(dtype))
    torch.nn.init.trunc_normal_(out, mean=mean, std=stddev, a=mean - 2 * stddev,
                                b=mean + 2 * stddev)
    return out


def uniform(shape: Any, minval: Any = 0, maxval: Any = None, dtype: Any = torch.float32,
            seed: int | None = None, name: str | None = None) -> torch.Tensor:
    """`tf.random.uniform`: samples of [minval, maxval) (maxval 1 for floats; required for
    integer dtypes)."""
    dtype = as_dtype(dtype)
    if not dtype.is_floating_point:
        if maxval is None:
            raise ValueError("uniform: maxval is required for integer dtypes")
        return torch.randint(int(minval), int(maxval), _shape(shape), dtype=dtype)
    high = 1.0 if maxval is None else float(maxval)
    return torch.rand(_shape(shape), dtype=dtype) * (high - float(minval)) + float(minval)


def gamma(shape: Any, alpha: Any, beta: Any = None, dtype: Any = torch.float32,
          seed: int | None = None, name: str | None = None) -> torch.Tensor:
    """`tf.random.gamma`: samples of Gamma(alpha, rate beta), `shape` samples for each
    element of `alpha` and `beta` broadcast together.

    Args:
        shape: the number of samples per distribution (a shape).
        alpha: the concentration(s), > 0.
        beta: the rate(s) (inverse scale), 1 by default.
        dtype: a floating dtype.

    Returns:
        A tensor of shape `shape + broadcast_shape(alpha, beta)`.

    Example:
        >>> gamma([3], alpha=[0.5, 2.0]).shape
        torch.Size([3, 2])
    """
    dtype = as_dtype(dtype)
    if not dtype.is_floating_point:
        raise ValueError(f"gamma: dtype must be a floating type, received {dtype}")
    concentration = torch.as_tensor(_t(alpha), dtype=dtype)
    rate = torch.ones((), dtype=dtype) if beta is None else torch.as_tensor(_t(beta), dtype=dtype)
    concentration, rate = torch.broadcast_tensors(concentration, rate)
    size = (*_shape(shape), *concentration.shape)
    # torch's gamma sampler has no float16/bfloat16 kernel on every device: draw in float32
    draws = torch._standard_gamma(concentration.float().expand(size).contiguous())
    return (draws / rate.float()).to(dtype)


def poisson(shape: Any, lam: Any, dtype: Any = torch.float32, seed: int | None = None,
            name: str | None = None) -> torch.Tensor:
    """`tf.random.poisson`: samples of Poisson(lam), `shape` samples for each element of `lam`.

    Returns:
        A tensor of shape `shape + lam.shape` in `dtype` (float32 by default; ints allowed).
    """
    rates = torch.as_tensor(_t(lam), dtype=torch.float32)
    size = (*_shape(shape), *rates.shape)
    return torch.poisson(rates.expand(size).contiguous()).to(as_dtype(dtype))


def shuffle(value: Any, seed: int | None = None, name: str | None = None) -> torch.Tensor:
    """`tf.random.shuffle`: the rows of `value` in a random order."""
    x = _t(value)
    return x[torch.randperm(x.shape[0]).to(x.device)]


def categorical(logits: Any, num_samples: int, dtype: Any = torch.int64,
                seed: int | None = None, name: str | None = None) -> torch.Tensor:
    """`tf.random.categorical`: class indices drawn from each row of unnormalized log-probs."""
    x = _t(logits)
    probabilities = torch.softmax(x.float(), dim=-1)
    return torch.multinomial(probabilities, int(num_samples), replacement=True).to(
        as_dtype(dtype))


for_user_functions(globals())
_namespace.install(globals(), _namespace.Lookup("tf.random"))
