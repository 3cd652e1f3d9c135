"""Made-up sequences of `keras.ops`: the signal windows (`bartlett`, `blackman`, `hamming`,
`hanning`, `kaiser`) and log-spaced ranges (`logspace`, `geomspace`).

Example:
    >>> from deepfit import ops
    >>> ops.logspace(0, 2, 3)
    tensor([  1.,  10., 100.])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from deepfit import config
from deepfit.ops.core import convert_to_tensor as _t
from deepfit.ops.dtypes import python_type, result_type, to_torch

__all__ = ["bartlett", "blackman", "geomspace", "hamming", "hanning", "kaiser", "logspace"]


def _length(name: str, x: Any) -> int:
    if isinstance(x, torch.Tensor) and x.dim() == 0 and not x.is_floating_point():
        x = int(x)
    if not isinstance(x, int) or isinstance(x, bool):
        raise TypeError(f"{name}: the window length must be an int; received {x!r}")
    return x


def _window(name: str, make: Callable[..., torch.Tensor], x: Any, **kwargs: Any) -> torch.Tensor:
    from deepfit.layers.symbolic import KerasTensor

    if isinstance(x, KerasTensor):
        raise TypeError(f"{name}: symbolic tensors are not supported; give the window length "
                        f"as an int. Received: x={x}")
    length = _length(name, x)
    if length < 0:
        raise ValueError(f"{name}: the window length must be non-negative; received {length}")
    return make(length, dtype=torch.float32, device=config.get_device(), **kwargs)


def bartlett(x: int) -> torch.Tensor:
    """The Bartlett (triangular) window of `x` points, symmetric, float32.

    Args:
        x: the number of points.

    Returns:
        A 1-D float32 tensor.
    """
    return _window("bartlett", torch.signal.windows.bartlett, x)


def blackman(x: int) -> torch.Tensor:
    """The Blackman window of `x` points, symmetric, float32."""
    return _window("blackman", torch.signal.windows.blackman, x)


def hamming(x: int) -> torch.Tensor:
    """The Hamming window of `x` points, symmetric, float32."""
    return _window("hamming", torch.signal.windows.hamming, x)


def hanning(x: int) -> torch.Tensor:
    """The Hann window of `x` points, symmetric, float32."""
    return _window("hanning", torch.signal.windows.hann, x)


def kaiser(x: int, beta: float) -> torch.Tensor:
    """The Kaiser window of `x` points with shape parameter `beta`, symmetric, float32."""
    return _window("kaiser", torch.signal.windows.kaiser, x, beta=float(beta))


def _spaced_dtype(start: Any, stop: Any, dtype: Any) -> torch.dtype:
    if dtype is not None:
        return to_torch(dtype)
    return to_torch(result_type(python_type(start) or _t(start).dtype,
                                python_type(stop) or _t(stop).dtype, float))


def _exponents(start: Any, stop: Any, num: int, endpoint: bool, axis: int) -> torch.Tensor:
    first = _t(start).to(torch.float64)
    last = _t(stop).to(torch.float64).to(first.device)
    first, last = torch.broadcast_tensors(first, last)
    steps = torch.arange(num, dtype=torch.float64, device=first.device)
    steps = steps / max((num - 1) if endpoint else num, 1)
    steps = steps.reshape((num,) + (1,) * first.dim())
    values = first + steps * (last - first)
    if endpoint and num > 1:
        values[-1] = last
    return torch.movedim(values, 0, axis % values.dim()) if values.dim() > 1 else values


def logspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, base: float = 10,
             dtype: Any = None, axis: int = 0) -> torch.Tensor:
    """`num` numbers evenly spaced on a log scale: `base ** linspace(start, stop)`.

    Args:
        start, stop: the first and last exponents (numbers or tensors, broadcast together).
        num: how many numbers.
        endpoint: include `base ** stop`.
        base: the base of the logarithm.
        dtype: the result's dtype (float32 by default).
        axis: where the new axis goes when `start`/`stop` are tensors.

    Returns:
        The numbers.
    """
    target = _spaced_dtype(start, stop, dtype)
    values = torch.pow(torch.as_tensor(float(base), dtype=torch.float64),
                       _exponents(start, stop, num, endpoint, axis))
    return values.to(target)


def geomspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, dtype: Any = None,
              axis: int = 0) -> torch.Tensor:
    """`num` numbers evenly spaced on a log scale from `start` to `stop` (a geometric
    progression), keeping `start`'s sign.

    Args:
        start, stop: the first and last values (non-zero, of one sign).
        num: how many numbers.
        endpoint: include `stop`.
        dtype: the result's dtype (float32 by default).
        axis: where the new axis goes when `start`/`stop` are tensors.

    Returns:
        The numbers.
    """
    target = _spaced_dtype(start, stop, dtype)
    first = _t(start).to(torch.float64)
    last = _t(stop).to(torch.float64).to(first.device)
    if bool((first == 0).any()) or bool((last == 0).any()):
        raise ValueError("geomspace: `start` and `stop` must be non-zero")
    exponents = _exponents(torch.log10(first.abs()), torch.log10(last.abs()), num, endpoint,
                           axis)
    sign = torch.sign(first)
    if sign.dim():
        sign = sign.unsqueeze(axis % exponents.dim())
    values = torch.pow(torch.as_tensor(10.0, dtype=torch.float64), exponents) * sign
    return values.to(target)
