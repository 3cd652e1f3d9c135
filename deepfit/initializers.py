"""Weight initializers with Keras 3's names, defaults and distributions.

An initializer is called as `init(shape, dtype=None, device=None)` and returns a new tensor.
Fans follow Keras's kernel layout: a Dense kernel is `(in, out)`, a conv kernel is
`(*spatial, in, out)`, so `fan_in = prod(spatial) * in` and `fan_out = prod(spatial) * out`.

Randomness: with `seed=None` values come from torch's global generator (so seeding torch makes
runs reproducible and each call gives new values); with an integer seed the initializer uses its
own `torch.Generator` and returns the same values on every call (for a given device and dtype).

Example:
    >>> from deepfit import initializers
    >>> init = initializers.get("glorot_uniform")
    >>> init((784, 10)).shape
    torch.Size([784, 10])
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import torch

from deepfit import config
from deepfit.identifiers import resolve, serialize_object

INITIALIZERS: dict[str, type] = {}

# Standard deviation of a unit normal truncated to [-2, 2]; dividing by it makes the
# truncated distribution's standard deviation the one asked for.
_TRUNCATION_STDDEV = 0.87962566103423978

Shape = int | Iterable[int]
DType = torch.dtype | str | None
Device = torch.device | str | None


def _register(*aliases: str) -> Callable[[type], type]:
    """Add a class under its own name, its snake_case name and `aliases`."""

    def add(cls: type) -> type:
        snake = re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()
        for name in (cls.__name__, snake, *aliases):
            INITIALIZERS[name] = cls
        return cls

    return add


def _standardize_shape(shape: Shape) -> tuple[int, ...]:
    if isinstance(shape, numbers.Integral):
        shape = (shape,)
    try:
        dims = tuple(shape)
    except TypeError:
        dims = None
    if dims is None or not all(isinstance(d, numbers.Integral) and d >= 0 for d in dims):
        raise ValueError(
            f"shape: expected a tuple of non-negative integers, received {shape!r}"
        )
    return tuple(int(d) for d in dims)


def _standardize_dtype(dtype: DType) -> torch.dtype:
    if dtype is None:
        dtype = config.floatx()
    if isinstance(dtype, str):
        resolved = getattr(torch, dtype, None)
        if not isinstance(resolved, torch.dtype):
            raise ValueError(f"dtype: expected a torch dtype or its name, received {dtype!r}")
        return resolved
    if not isinstance(dtype, torch.dtype):
        raise TypeError(f"dtype: expected a torch dtype or its name, received {dtype!r}")
    return dtype


def _float_dtype(dtype: DType, who: str) -> torch.dtype:
    dtype = _standardize_dtype(dtype)
    if not dtype.is_floating_point:
        raise ValueError(f"dtype: {who} draws floats, expected a float dtype, received {dtype}")
    return dtype


def compute_fans(
    shape: Shape, input_axes: list[int] | None = None, output_axes: list[int] | None = None
) -> tuple[int, int]:
    """Number of input and output units of a weight, in Keras's layout.

    Args:
        shape: the weight's shape: `(n,)`, `(in, out)` or `(*spatial, in, out)`.
        input_axes: optional axes whose product is fan_in (needs `output_axes` too).
        output_axes: optional axes whose product is fan_out.

    Returns:
        `(fan_in, fan_out)`.

    Example:
        >>> compute_fans((3, 3, 16, 32))
        (144, 288)
    """
    shape = _standardize_shape(shape)
    if input_axes is not None and output_axes is not None:
        return math.prod(shape[a] for a in input_axes), math.prod(shape[a] for a in output_axes)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


class Initializer:
    """Base class: subclasses implement `__call__(shape, dtype=None, device=None)`.

    Example:
        >>> class Halves(Initializer):
        ...     def __call__(self, shape, dtype=None, device=None):
        ...         return torch.full(shape, 0.5, dtype=dtype, device=device)
    """

    def __call__(self, shape: Shape, dtype: DType = None, device: Device = None) -> torch.Tensor:
        """Return a new tensor of `shape` (dtype None: `config.floatx()`; device None: torch's
        default device)."""
        raise NotImplementedError(f"{type(self).__name__} must implement __call__")

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, as a JSON-serializable dict."""
        return {}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Initializer:
        """Rebuild an initializer from `get_config()`'s output."""
        return cls(**config)

    def clone(self) -> Initializer:
        """A new initializer with the same configuration."""
        return type(self).from_config(self.get_config())

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


@_register("zero")
class Zeros(Initializer):
    """All zeros."""

    def __call__(self, shape: Shape, dtype: DType = None, device: Device = None) -> torch.Tensor:
        dtype = _standardize_dtype(dtype)
        return torch.zeros(_standardize_shape(shape), dtype=dtype, device=device)


@_register("one")
class Ones(Initializer):
    """All ones."""

    def __call__(self, shape: Shape, dtype: DType = None, device: Device = None) -> torch.Tensor:
        dtype = _standardize_dtype(dtype)
        return torch.ones(_standardize_shape(shape), dtype=dtype, device=device)


@_register()
class Constant(Initializer):
    """Every element equal to `value`: a scalar, or an array broadcast to the weight's shape
    (as Keras 3).

    Args:
        value: a Python, NumPy or 0-d tensor scalar, or an array/list broadcastable to the
            shapes it will initialize.

    Example:
        >>> Constant(3.0)((2,))
        tensor([3., 3.])
        >>> Constant([1.0, 2.0])((2, 2))
        tensor([[1., 2.],
                [1., 2.]])
    """

    def __init__(self, value: Any = 0.0):
        if isinstance(value, (torch.Tensor, np.ndarray)) and value.ndim == 0:
            value = value.item()
        if isinstance(value, (list, tuple, np.ndarray, torch.Tensor)):
            array = np.asarray(value.detach().cpu() if isinstance(value, torch.Tensor) else value)
            if not np.issubdtype(array.dtype, np.number) and array.dtype != bool:
                raise ValueError(f"value: expected a number or a numeric array, received "
                                 f"{value!r}")
            value = array
        elif not isinstance(value, numbers.Number):
            raise ValueError(f"value: expected a number or a numeric array, received {value!r}")
        self.value = value

    def __call__(self, shape: Shape, dtype: DType = None, device: Device = None) -> torch.Tensor:
        full_shape = _standardize_shape(shape)
        dtype = _standardize_dtype(dtype)
        if isinstance(self.value, np.ndarray):
            try:
                broadcast = np.broadcast_to(self.value, full_shape)
            except ValueError:
                raise ValueError(f"Constant: a value of shape {self.value.shape} cannot fill a "
                                 f"weight of shape {tuple(full_shape)}") from None
            return torch.as_tensor(np.array(broadcast), device=device).to(dtype)
        return torch.full(full_shape, self.value, dtype=dtype, device=device)

    def get_config(self) -> dict[str, Any]:
        value = self.value.tolist() if isinstance(self.value, np.ndarray) else self.value
        return {"value": value}


@_register("IdentityInitializer")
class Identity(Initializer):
    """`gain` times the identity matrix (2D shapes only; rectangular allowed).

    Args:
        gain: multiplier of the identity.
    """

    def __init__(self, gain: float = 1.0):
        self.gain = gain

    def __call__(self, shape: Shape, dtype: DType = None, device: Device = None) -> torch.Tensor:
        shape = _standardize_shape(shape)
        if len(shape) != 2:
            raise ValueError(
                f"shape: Identity needs a 2D shape, received {shape} of rank {len(shape)}"
            )
        eye = torch.eye(*shape, dtype=_standardize_dtype(dtype), device=device)
        return eye * self.gain if self.gain != 1 else eye

    def get_config(self) -> dict[str, Any]:
        return {"gain": self.gain}


class RandomInitializer(Initializer):
    """Base of the random initializers: owns the seed and draws the numbers.

    Args:
        seed: None to use torch's global generator, or an int for repeatable values.
    """

    def __init__(self, seed: int | None = None):
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
            raise ValueError(f"seed: expected an integer or None, received {seed!r}")
        self.seed = None if seed is None else int(seed)

    def _draw(
        self, shape: Shape, dtype: DType, device: Device, fill: Callable[..., Any]
    ) -> torch.Tensor:
        """A new tensor filled in place by `fill(tensor, generator)`, cast to `dtype`."""
        dtype = _float_dtype(dtype, type(self).__name__)
        # Draw in float32 (float64 if asked) so seeded values agree across half dtypes and
        # every sampler (erfinv, QR) has a kernel on every device.
        work = torch.float64 if dtype == torch.float64 else torch.float32
        out = torch.empty(_standardize_shape(shape), dtype=work, device=device)
        generator = None
        if self.seed is not None:
            generator = torch.Generator(device=out.device)
            generator.manual_seed(self.seed)
        out = fill(out, generator)
        return out.to(dtype)

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed}


@_register("normal")
class RandomNormal(RandomInitializer):
    """Normal distribution with `mean` and `stddev`.

    Args:
        mean: mean of the values.
        stddev: standard deviation of the values.
        seed: None (global generator) or an int (same values every call).

    Example:
        >>> RandomNormal(stddev=1.0, seed=0)((2, 2)).shape
        torch.Size([2, 2])
    """

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape: Shape, dtype: DType = None, device: Device = None) -> torch.Tensor:
        return self._draw(
            shape, dtype, device, lambda t, g: t.normal_(self.mean, self.stddev, generator=g)
        )

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


@_register("uniform")
class RandomUniform(RandomInitializer):
    """Uniform distribution on `[minval, maxval)`.

    Args:
        minval: lower bound (inclusive).
        maxval: upper bound (exclusive).
        seed: None (global generator) or an int (same values every call).
    """

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: int | None = None):
        self.minval = minval
        self.maxval = maxval
        super().__init__(seed=seed)

    def __call__(self, shape: Shape, dtype: DType = None, device: Device = None) -> torch.Tensor:
        return self._draw(
            shape, dtype, device, lambda t, g: t.uniform_(self.minval, self.maxval, generator=g)
        )

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


def _truncated_normal(stddev: float, mean: float = 0.0) -> Callable[..., torch.Tensor]:
    """A filler drawing a normal(mean, stddev) cut at two standard deviations."""
    return lambda t, g: torch.nn.init.trunc_normal_(
        t, mean, stddev, mean - 2 * stddev, mean + 2 * stddev, generator=g
    )


@_register()
class TruncatedNormal(RandomInitializer):
    """Normal distribution with values beyond two `stddev` of the mean discarded and redrawn.

    Args:
        mean: mean of the untruncated normal.
        stddev: standard deviation of the untruncated normal.
        seed: None (global generator) or an int (same values every call).
    """

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape: Shape, dtype: DType = None, device: Device = None) -> torch.Tensor:
        return self._draw(shape, dtype, device, _truncated_normal(self.stddev, self.mean))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


@_register()
class VarianceScaling(RandomInitializer):
    """Values whose variance is `scale / n`, `n` being fan_in, fan_out or their average.

    'truncated_normal' draws a normal with stddev `sqrt(scale / n) / 0.8796...` cut at two
    of those stddevs (so the result has stddev `sqrt(scale / n)`); 'untruncated_normal' uses
    stddev `sqrt(scale / n)`; 'uniform' draws on `[-limit, limit]`, `limit = sqrt(3 * scale / n)`.

    Args:
        scale: positive scaling factor.
        mode: 'fan_in', 'fan_out' or 'fan_avg'.
        distribution: 'truncated_normal' (alias 'normal'), 'untruncated_normal' or 'uniform'.
        seed: None (global generator) or an int (same values every call).
        input_axes: optional axes of the shape that make up fan_in.
        output_axes: optional axes of the shape that make up fan_out.

    Example:
        >>> w = VarianceScaling(2.0, "fan_in", "untruncated_normal", seed=1)((400, 300))
        >>> round(w.std().item(), 2)  # sqrt(2 / 400)
        0.07
    """

    _MODES = ("fan_in", "fan_out", "fan_avg")
    _DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")

    def __init__(
        self,
        scale: float = 1.0,
        mode: str = "fan_in",
        distribution: str = "truncated_normal",
        seed: int | None = None,
        input_axes: list[int] | None = None,
        output_axes: list[int] | None = None,
    ):
        if not isinstance(scale, numbers.Real) or scale <= 0:
            raise ValueError(f"scale: expected a positive float, received {scale!r}")
        if mode not in self._MODES:
            raise ValueError(f"mode: expected one of {self._MODES}, received {mode!r}")
        distribution = str(distribution).lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in self._DISTRIBUTIONS:
            raise ValueError(
                f"distribution: expected one of {self._DISTRIBUTIONS}, received {distribution!r}"
            )
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.input_axes = input_axes
        self.output_axes = output_axes
        super().__init__(seed=seed)

    def __call__(self, shape: Shape, dtype: DType = None, device: Device = None) -> torch.Tensor:
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}
        variance = self.scale / max(1.0, n[self.mode])
        if self.distribution == "truncated_normal":
            fill = _truncated_normal(math.sqrt(variance) / _TRUNCATION_STDDEV)
        elif self.distribution == "untruncated_normal":
            stddev = math.sqrt(variance)
            fill = lambda t, g: t.normal_(0.0, stddev, generator=g)  # noqa: E731
        else:
            limit = math.sqrt(3.0 * variance)
            fill = lambda t, g: t.uniform_(-limit, limit, generator=g)  # noqa: E731
        return self._draw(shape, dtype, device, fill)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            "input_axes": self.input_axes,
            "output_axes": self.output_axes,
        }


class _FixedVarianceScaling(VarianceScaling):
    """A VarianceScaling whose scale, mode and distribution are fixed by the subclass."""

    _preset: tuple[float, str, str] = (1.0, "fan_in", "truncated_normal")

    def __init__(
        self,
        seed: int | None = None,
        input_axes: list[int] | None = None,
        output_axes: list[int] | None = None,
    ):
        scale, mode, distribution = self._preset
        super().__init__(scale, mode, distribution, seed, input_axes, output_axes)

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed, "input_axes": self.input_axes, "output_axes": self.output_axes}


@_register()
class GlorotUniform(_FixedVarianceScaling):
    """Uniform on `[-limit, limit]`, `limit = sqrt(6 / (fan_in + fan_out))` (Xavier uniform)."""

    _preset = (1.0, "fan_avg", "uniform")


@_register()
class GlorotNormal(_FixedVarianceScaling):
    """Truncated normal with stddev `sqrt(2 / (fan_in + fan_out))` (Xavier normal)."""

    _preset = (1.0, "fan_avg", "truncated_normal")


@_register()
class HeUniform(_FixedVarianceScaling):
    """Uniform on `[-limit, limit]`, `limit = sqrt(6 / fan_in)`."""

    _preset = (2.0, "fan_in", "uniform")


@_register()
class HeNormal(_FixedVarianceScaling):
    """Truncated normal with stddev `sqrt(2 / fan_in)`."""

    _preset = (2.0, "fan_in", "truncated_normal")


@_register()
class LecunUniform(_FixedVarianceScaling):
    """Uniform on `[-limit, limit]`, `limit = sqrt(3 / fan_in)`."""

    _preset = (1.0, "fan_in", "uniform")


@_register()
class LecunNormal(_FixedVarianceScaling):
    """Truncated normal with stddev `sqrt(1 / fan_in)` (pair it with selu)."""

    _preset = (1.0, "fan_in", "truncated_normal")


@_register("OrthogonalInitializer")
class Orthogonal(RandomInitializer):
    """A (semi-)orthogonal matrix from the QR decomposition of a normal matrix, times `gain`.

    Shapes of rank > 2 are treated as `(prod(shape[:-1]), shape[-1])` and reshaped back.
    With fewer rows than columns the rows are orthonormal, otherwise the columns are.

    Args:
        gain: multiplier of the orthogonal matrix.
        seed: None (global generator) or an int (same values every call).

    Example:
        >>> q = Orthogonal(seed=0)((4, 4))
        >>> torch.allclose(q.T @ q, torch.eye(4), atol=1e-5)
        True
    """

    def __init__(self, gain: float = 1.0, seed: int | None = None):
        self.gain = gain
        super().__init__(seed=seed)

    def __call__(self, shape: Shape, dtype: DType = None, device: Device = None) -> torch.Tensor:
        shape = _standardize_shape(shape)
        if len(shape) < 2:
            raise ValueError(
                f"shape: Orthogonal needs at least 2 dimensions, received {shape} "
                f"of rank {len(shape)}"
            )
        rows, cols = math.prod(shape[:-1]), shape[-1]
        flat = (max(rows, cols), min(rows, cols))
        return self._draw(flat, dtype, device, lambda t, g: self._orthogonalize(t, g, shape))

    def _orthogonalize(
        self, t: torch.Tensor, generator: torch.Generator | None, shape: tuple[int, ...]
    ) -> torch.Tensor:
        q, r = torch.linalg.qr(t.normal_(generator=generator))
        # Multiplying by the signs of R's diagonal makes Q uniformly distributed (Haar).
        q = q * torch.sign(torch.diagonal(r))
        if math.prod(shape[:-1]) < shape[-1]:
            q = q.T
        return self.gain * q.reshape(shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "gain": self.gain}


def _from_values(values: torch.Tensor | np.ndarray) -> Callable[..., torch.Tensor]:
    """An initializer returning a copy of `values` (the shape asked for must match)."""
    values = torch.as_tensor(values)

    def _fixed_values(shape: Shape, dtype: DType = None, device: Device = None) -> torch.Tensor:
        if _standardize_shape(shape) != tuple(values.shape):
            raise ValueError(
                f"shape: expected {tuple(values.shape)} for this fixed-value initializer, "
                f"received {shape}"
            )
        return values.to(dtype=_standardize_dtype(dtype), device=device, copy=True)

    return _fixed_values


def get(identifier: Any, custom_objects: Mapping[str, Any] | None = None) -> Callable | None:
    """Find an initializer from a name, a config, a class, an instance, a callable or values.

    Args:
        identifier: None; a name such as 'glorot_uniform' or 'GlorotUniform';
            `{'class_name': ..., 'config': {...}}`; an initializer class (instantiated) or
            instance; a callable `(shape, dtype=None, device=None)`; or a tensor / array whose
            values are copied.
        custom_objects: extra names a name or config may refer to.

    Returns:
        A callable initializer, or None for None.

    Raises:
        ValueError: for an unknown name (the message lists the valid names) or an unusable
            value.

    Example:
        >>> get("he_normal")
        HeNormal(seed=None, input_axes=None, output_axes=None)
    """
    if identifier is None:
        return None
    if isinstance(identifier, (torch.Tensor, np.ndarray)):
        return _from_values(identifier)
    obj = resolve(
        "initializer",
        identifier,
        INITIALIZERS,
        instantiate=True,
        base_class=Initializer,
        custom_objects=custom_objects,
    )
    return obj() if isinstance(obj, type) else obj


def deserialize(config: Any, custom_objects: Mapping[str, Any] | None = None) -> Callable | None:
    """Inverse of `serialize` (same as `get`)."""
    return get(config, custom_objects=custom_objects)


def serialize(initializer: Any) -> dict[str, Any] | str | None:
    """`{'class_name', 'config'}` for an initializer object; a named function's name.

    Args:
        initializer: an `Initializer` (or any object with `get_config`), a named function,
            or None.

    Returns:
        A config `get`/`deserialize` accepts.

    Raises:
        ValueError: for anonymous functions, which no name can bring back.

    Example:
        >>> serialize(RandomUniform(-1, 1))
        {'class_name': 'RandomUniform', 'config': {'seed': None, 'minval': -1, 'maxval': 1}}
    """
    return serialize_object("initializer", initializer, "an Initializer", unnamed=("<", "_"))


@_register()
class STFT(Initializer):
    """Kernels of a short-time Fourier transform as a 1-D convolution: `(frame_length, 1, bins)`
    with `bins = fft_length // 2 + 1`, the real (cosine) or imaginary (-sine) parts, windowed and
    scaled (`STFTSpectrogram`'s weights).

    Args:
        side: 'real' or 'imag'.
        window: a window name ('hann', 'hamming', ...), `frame_length` values, or None.
        scaling: 'density' (divide by the window's L2 norm), 'spectrum' (its L1 norm) or None.
        periodic: use the periodic form of a named window.

    Example:
        >>> STFT("real", "hann")((256, 1, 129)).shape
        torch.Size([256, 1, 129])
    """

    def __init__(self, side: str = "real", window: Any = "hann", scaling: str | None = "density",
                 periodic: bool = False) -> None:
        from deepfit.signal_windows import get_window

        if side not in ("real", "imag"):
            raise ValueError(f"side should be 'real' or 'imag', not {side}")
        if isinstance(window, str):
            get_window(window, 1)  # an unknown name fails now
        if scaling is not None and scaling not in ("density", "spectrum"):
            raise ValueError(f"Scaling is invalid, it must be `None`, 'density' or 'spectrum'. "
                             f"Received scaling={scaling}")
        self.side, self.window, self.scaling, self.periodic = side, window, scaling, periodic

    def __call__(self, shape: Shape, dtype: DType = None, device: Device = None) -> torch.Tensor:
        from deepfit.signal_windows import get_window

        dtype = _standardize_dtype(dtype)
        frame_length, _, bins = _standardize_shape(shape)
        # Keras's order of operations in the kernel's dtype, so that the values agree
        time = torch.arange(frame_length, dtype=dtype).reshape(frame_length, 1, 1)
        freq = torch.arange(bins, dtype=dtype).reshape(1, 1, bins) / ((bins - 1) * 2)
        args = (-2 * time) * freq * torch.arccos(torch.tensor(-1, dtype=dtype))
        kernel = torch.cos(args) if self.side == "real" else torch.sin(args)
        if self.window is not None:
            win = self.window
            if isinstance(win, str):
                win = get_window(win, frame_length, self.periodic)
            win = torch.as_tensor(np.asarray(win), dtype=dtype)
            if win.dim() != 1 or win.shape[-1] != frame_length:
                raise ValueError(f"The shape of `window` must be equal to [frame_length]. "
                                 f"Received: window shape={tuple(win.shape)}")
            win = win.reshape(frame_length, 1, 1)
            scaling = {"density": lambda: win.square().sum().sqrt(),
                       "spectrum": lambda: win.abs().sum(),
                       None: lambda: 1}[self.scaling]()
            kernel = kernel * win / scaling
        return kernel.to(device=device)

    def get_config(self) -> dict[str, Any]:
        window = self.window.tolist() if isinstance(self.window, np.ndarray) else self.window
        return {"side": self.side, "window": window, "periodic": self.periodic,
                "scaling": self.scaling}
