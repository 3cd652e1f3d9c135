"""`keras.random`: random tensors with Keras's names and arguments — `normal`, `uniform`,
`randint`, `truncated_normal`, `dropout`, `shuffle`, `categorical`, `gamma`, `beta`,
`binomial` — and `SeedGenerator`. A seed (an int or a `SeedGenerator`) makes a draw repeatable;
without one, draws follow the global seed (`deepfit.utils.set_random_seed`).

Example:
    >>> from deepfit import random
    >>> random.uniform((2, 3), seed=1).shape
    torch.Size([2, 3])
"""

from __future__ import annotations

from typing import Any

import torch

from deepfit import config
from deepfit.ops.core import convert_to_tensor
from deepfit.ops.dtypes import to_torch

__all__ = ["SeedGenerator", "beta", "binomial", "categorical", "dropout", "gamma", "normal",
           "randint", "shuffle", "truncated_normal", "uniform"]


class SeedGenerator:
    """A stream of seeds: each draw that uses it advances it, so successive draws differ but
    the whole sequence repeats for the same starting seed.

    Args:
        seed: the starting seed (random when None).
    """

    def __init__(self, seed: int | None = None, name: str | None = None, **kwargs: Any) -> None:
        if seed is None:
            seed = int(torch.randint(0, 2**31 - 1, (1,)).item())
        if not isinstance(seed, int):
            raise ValueError(f"SeedGenerator: seed must be an int, received {seed!r}")
        self.seed = seed
        self.name = name or "seed_generator"
        self._count = 0

    def next(self) -> int:
        """The next seed of the stream."""
        self._count += 1
        return (self.seed * 1_000_003 + self._count) % (2**63 - 1)

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed}


def _generator(seed: Any) -> torch.Generator | None:
    if seed is None:
        return None
    if isinstance(seed, SeedGenerator):
        seed = seed.next()
    elif not isinstance(seed, int):
        raise ValueError(f"seed must be an int, a SeedGenerator or None, received {seed!r}")
    return torch.Generator().manual_seed(seed)


def _shape(shape: Any) -> tuple[int, ...]:
    return (int(shape),) if isinstance(shape, int) else tuple(int(s) for s in shape)


def _floatx(dtype: Any) -> torch.dtype:
    return to_torch(dtype if dtype is not None else config.floatx())


def _placed(tensor: torch.Tensor) -> torch.Tensor:
    return tensor.to(config.get_device())


def normal(shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = None,
           seed: Any = None) -> torch.Tensor:
    """Samples of a normal distribution."""
    values = torch.randn(_shape(shape), generator=_generator(seed), dtype=torch.float32)
    return _placed((values * stddev + mean).to(_floatx(dtype)))


def uniform(shape: Any, minval: float = 0.0, maxval: float = 1.0, dtype: Any = None,
            seed: Any = None) -> torch.Tensor:
    """Samples of a uniform distribution on [minval, maxval)."""
    values = torch.rand(_shape(shape), generator=_generator(seed), dtype=torch.float32)
    return _placed((values * (maxval - minval) + minval).to(_floatx(dtype)))


def randint(shape: Any, minval: int, maxval: int, dtype: Any = "int32",
            seed: Any = None) -> torch.Tensor:
    """Integers drawn uniformly from [minval, maxval)."""
    values = torch.randint(int(minval), int(maxval), _shape(shape), generator=_generator(seed))
    return _placed(values.to(to_torch(dtype)))


def truncated_normal(shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = None,
                     seed: Any = None) -> torch.Tensor:
    """Normal samples, those further than two standard deviations from the mean redrawn."""
    values = torch.empty(_shape(shape), dtype=torch.float32)
    torch.nn.init.trunc_normal_(values, 0.0, 1.0, -2.0, 2.0, generator=_generator(seed))
    return _placed((values * stddev + mean).to(_floatx(dtype)))


def dropout(inputs: Any, rate: float, noise_shape: Any = None, seed: Any = None) -> torch.Tensor:
    """`inputs` with a fraction `rate` of entries zeroed and the rest scaled by 1/(1-rate)."""
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"dropout: rate must be in [0, 1), received {rate}")
    x = convert_to_tensor(inputs)
    shape = tuple(x.shape) if noise_shape is None else tuple(
        x.shape[i] if s is None else int(s) for i, s in enumerate(noise_shape))
    keep = torch.rand(shape, generator=_generator(seed)).to(x.device) >= rate
    return torch.where(keep, x / (1.0 - rate), torch.zeros((), dtype=x.dtype, device=x.device))


def shuffle(x: Any, axis: int = 0, seed: Any = None) -> torch.Tensor:
    """`x` with its slices along `axis` in a random order."""
    t = convert_to_tensor(x)
    order = torch.randperm(t.shape[axis], generator=_generator(seed)).to(t.device)
    return torch.index_select(t, axis, order)


def categorical(logits: Any, num_samples: int, dtype: Any = "int32",
                seed: Any = None) -> torch.Tensor:
    """`num_samples` class indices per row, drawn with probabilities `softmax(logits)`."""
    probs = torch.softmax(convert_to_tensor(logits).float().cpu(), dim=-1)
    draws = torch.multinomial(probs, num_samples, replacement=True,
                              generator=_generator(seed))
    return _placed(draws.to(to_torch(dtype)))


def gamma(shape: Any, alpha: float, dtype: Any = None, seed: Any = None) -> torch.Tensor:
    """Samples of a gamma distribution of shape `alpha` (scale 1)."""
    generator = _generator(seed)
    if generator is not None:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(torch.randint(0, 2**31 - 1, (1,), generator=generator)))
            values = torch.distributions.Gamma(float(alpha), 1.0).sample(_shape(shape))
    else:
        values = torch.distributions.Gamma(float(alpha), 1.0).sample(_shape(shape))
    return _placed(values.to(_floatx(dtype)))


def beta(shape: Any, alpha: float, beta: float, dtype: Any = None,
         seed: Any = None) -> torch.Tensor:
    """Samples of a beta distribution, as `X / (X + Y)` of two gamma draws."""
    stream = seed if isinstance(seed, SeedGenerator) else (
        None if seed is None else SeedGenerator(seed))
    x = gamma(shape, alpha, dtype="float32", seed=stream)
    y = gamma(shape, beta, dtype="float32", seed=stream)
    return (x / (x + y)).to(_floatx(dtype))


def binomial(shape: Any, counts: float, probabilities: float, dtype: Any = None,
             seed: Any = None) -> torch.Tensor:
    """Numbers of successes in `counts` trials of probability `probabilities`."""
    n = int(counts)
    trials = torch.rand((*_shape(shape), n), generator=_generator(seed)) < float(probabilities)
    return _placed(trials.sum(-1).to(_floatx(dtype)))
