"""Activation functions with Keras 3's names, defaults and formulas, on torch tensors.

Every function takes a tensor on any device and returns a tensor of the same shape and dtype.
`softmax` and `sigmoid` keep their input on the output as `out._keras_logits`, so losses can
compute crossentropy from the logits (stable) instead of from the probabilities.

Example:
    >>> import torch
    >>> from deepfit import activations
    >>> activations.get("relu")(torch.tensor([-1.0, 2.0]))
    tensor([0., 2.])
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import torch
import torch.nn.functional as F

from deepfit.identifiers import register, resolve
from deepfit.object_registration import get_registered_name

ACTIVATIONS: dict[str, Callable[..., torch.Tensor]] = {}

Axis = int | None


@register(ACTIVATIONS)
def relu(
    x: torch.Tensor,
    negative_slope: float = 0.0,
    max_value: float | None = None,
    threshold: float = 0.0,
) -> torch.Tensor:
    """Rectified linear unit, with Keras's optional leak, ceiling and threshold.

    Args:
        x: input tensor.
        negative_slope: slope for values below `threshold`.
        max_value: largest value returned (the output is clipped to `[0, max_value]` before
            the leak is subtracted), or None for no ceiling.
        threshold: values at or below it are zeroed (or leaked).

    Returns:
        `max(x, 0)` with the defaults.

    Example:
        >>> relu(torch.tensor([-10.0, 5.0, 10.0]), negative_slope=0.5, max_value=6.0)
        tensor([-5.,  5.,  6.])
    """
    if max_value is None and threshold == 0:
        if negative_slope == 0:
            return torch.relu(x)
        return F.leaky_relu(x, negative_slope)
    if threshold != 0:
        out = torch.where(x > threshold, x, 0.0)
    else:
        out = torch.relu(x)
    if max_value is not None:
        out = out.clamp(0.0, max_value)
    if negative_slope != 0:
        out = out - negative_slope * torch.relu(threshold - x)
    return out


@register(ACTIVATIONS)
def leaky_relu(x: torch.Tensor, negative_slope: float = 0.2) -> torch.Tensor:
    """`x` for positive inputs, `negative_slope * x` otherwise.

    Args:
        x: input tensor.
        negative_slope: slope of the negative part.

    Returns:
        The activated tensor.
    """
    return F.leaky_relu(x, negative_slope)


@register(ACTIVATIONS)
def relu6(x: torch.Tensor) -> torch.Tensor:
    """ReLU capped at 6: `min(max(x, 0), 6)`."""
    return F.relu6(x)


@register(ACTIVATIONS)
def sigmoid(x: torch.Tensor) -> torch.Tensor:
    """`1 / (1 + exp(-x))`; the output carries the logits as `_keras_logits`.

    Args:
        x: input tensor (the logits).

    Returns:
        Probabilities in (0, 1).

    Example:
        >>> out = sigmoid(torch.zeros(2))
        >>> out, out._keras_logits
        (tensor([0.5000, 0.5000]), tensor([0., 0.]))
    """
    out = torch.sigmoid(x)
    out._keras_logits = x
    return out


@register(ACTIVATIONS)
def softmax(x: torch.Tensor, axis: Axis = -1) -> torch.Tensor:
    """`exp(x) / sum(exp(x))` along `axis`; the output carries the logits as `_keras_logits`.

    Args:
        x: input tensor (the logits).
        axis: the axis that sums to 1, or None for all elements together.

    Returns:
        A probability distribution along `axis`.

    Example:
        >>> softmax(torch.tensor([0.0, 0.0]))
        tensor([0.5000, 0.5000])
    """
    if axis is None:
        out = torch.softmax(x.reshape(-1), dim=0).reshape(x.shape)
    else:
        out = torch.softmax(x, dim=axis)
    out._keras_logits = x
    return out


@register(ACTIVATIONS)
def log_softmax(x: torch.Tensor, axis: Axis = -1) -> torch.Tensor:
    """`x - logsumexp(x)` along `axis` (None: over all elements)."""
    if axis is None:
        return torch.log_softmax(x.reshape(-1), dim=0).reshape(x.shape)
    return torch.log_softmax(x, dim=axis)


@register(ACTIVATIONS)
def elu(x: torch.Tensor, alpha: float = 1.0) -> torch.Tensor:
    """`x` if `x > 0`, else `alpha * (exp(x) - 1)`.

    Args:
        x: input tensor.
        alpha: scale of the negative part.

    Returns:
        The activated tensor.
    """
    return F.elu(x, alpha)


@register(ACTIVATIONS)
def celu(x: torch.Tensor, alpha: float = 1.0) -> torch.Tensor:
    """`x` if `x >= 0`, else `alpha * (exp(x / alpha) - 1)`."""
    return F.celu(x, alpha)


@register(ACTIVATIONS)
def selu(x: torch.Tensor) -> torch.Tensor:
    """Scaled ELU: `1.0507 * elu(x, alpha=1.6733)` (pair it with LecunNormal)."""
    return F.selu(x)


@register(ACTIVATIONS)
def gelu(x: torch.Tensor, approximate: bool = False) -> torch.Tensor:
    """Gaussian error linear unit: `0.5 * x * (1 + erf(x / sqrt(2)))`.

    Args:
        x: input tensor.
        approximate: use the tanh approximation instead of the exact erf form.

    Returns:
        The activated tensor.
    """
    return F.gelu(x, approximate="tanh" if approximate else "none")


@register(ACTIVATIONS)
def tanh(x: torch.Tensor) -> torch.Tensor:
    """Hyperbolic tangent."""
    return torch.tanh(x)


@register(ACTIVATIONS)
def linear(x: torch.Tensor) -> torch.Tensor:
    """Identity: returns `x` unchanged."""
    return x


@register(ACTIVATIONS)
def exponential(x: torch.Tensor) -> torch.Tensor:
    """`exp(x)`."""
    return torch.exp(x)


@register(ACTIVATIONS)
def softplus(x: torch.Tensor) -> torch.Tensor:
    """`log(exp(x) + 1)`."""
    return F.softplus(x)


@register(ACTIVATIONS)
def softsign(x: torch.Tensor) -> torch.Tensor:
    """`x / (abs(x) + 1)`."""
    return F.softsign(x)


@register(ACTIVATIONS, "swish")
def silu(x: torch.Tensor) -> torch.Tensor:
    """Swish / SiLU: `x * sigmoid(x)`."""
    return F.silu(x)


@register(ACTIVATIONS)
def hard_sigmoid(x: torch.Tensor) -> torch.Tensor:
    """Keras 3's hard sigmoid: `relu6(x + 3) / 6`, i.e. 0 below -3, 1 above 3."""
    return F.hardsigmoid(x)


@register(ACTIVATIONS, "hard_swish")
def hard_silu(x: torch.Tensor) -> torch.Tensor:
    """Hard SiLU / hard swish: `x * hard_sigmoid(x)`."""
    return F.hardswish(x)


@register(ACTIVATIONS)
def mish(x: torch.Tensor) -> torch.Tensor:
    """`x * tanh(softplus(x))`."""
    return F.mish(x)


@register(ACTIVATIONS)
def log_sigmoid(x: torch.Tensor) -> torch.Tensor:
    """`log(sigmoid(x))`, computed stably."""
    return F.logsigmoid(x)


@register(ACTIVATIONS)
def hard_tanh(x: torch.Tensor) -> torch.Tensor:
    """`x` clipped to [-1, 1]."""
    return F.hardtanh(x, -1.0, 1.0)


@register(ACTIVATIONS)
def tanh_shrink(x: torch.Tensor) -> torch.Tensor:
    """`x - tanh(x)`."""
    return F.tanhshrink(x)


@register(ACTIVATIONS)
def hard_shrink(x: torch.Tensor, threshold: float = 0.5) -> torch.Tensor:
    """`x` where `|x| > threshold`, else 0."""
    return F.hardshrink(x, threshold)


@register(ACTIVATIONS)
def soft_shrink(x: torch.Tensor, threshold: float = 0.5) -> torch.Tensor:
    """`x - threshold` above `threshold`, `x + threshold` below `-threshold`, else 0."""
    return F.softshrink(x, threshold)


@register(ACTIVATIONS)
def squareplus(x: torch.Tensor, b: float = 4) -> torch.Tensor:
    """`(x + sqrt(x**2 + b)) / 2`."""
    return (x + torch.sqrt(x * x + b)) / 2


@register(ACTIVATIONS)
def sparse_plus(x: torch.Tensor) -> torch.Tensor:
    """0 for `x <= -1`, `(x + 1)**2 / 4` for `-1 < x < 1`, `x` for `x >= 1`."""
    return torch.where(x <= -1, 0.0, torch.where(x < 1, 0.25 * (x + 1) ** 2, x))


@register(ACTIVATIONS)
def sparse_sigmoid(x: torch.Tensor) -> torch.Tensor:
    """`(x + 1) / 2` clipped to [0, 1]."""
    return ((x + 1) * 0.5).clamp(0.0, 1.0)


@register(ACTIVATIONS)
def threshold(x: torch.Tensor, threshold: float, default_value: float) -> torch.Tensor:
    """`x` where `x > threshold`, else `default_value`."""
    return F.threshold(x, threshold, default_value)


@register(ACTIVATIONS)
def glu(x: torch.Tensor, axis: int = -1) -> torch.Tensor:
    """Gated linear unit: split `x` in halves `a, b` along `axis`, return `a * sigmoid(b)`."""
    return F.glu(x, dim=axis)


@register(ACTIVATIONS)
def sparsemax(x: torch.Tensor, axis: int = -1) -> torch.Tensor:
    """Euclidean projection of `x` onto the probability simplex along `axis`.

    Args:
        x: input tensor (logits).
        axis: the axis that sums to 1.

    Returns:
        A sparse probability distribution along `axis`.
    """
    z = x.movedim(axis, -1)
    ranked = torch.sort(z, dim=-1, descending=True).values
    k = torch.arange(1, z.shape[-1] + 1, device=x.device, dtype=x.dtype)
    cumulative = ranked.cumsum(-1)
    support = (1 + k * ranked > cumulative).sum(-1, keepdim=True)
    tau = (cumulative.gather(-1, support - 1) - 1) / support.to(x.dtype)
    return torch.clamp(z - tau, min=0).movedim(-1, axis)


def get(identifier: Any, custom_objects: Mapping[str, Any] | None = None) -> Callable:
    """Find an activation function: None → `linear`, a name, a config, or any callable.

    Args:
        identifier: None, a name such as 'relu', `{'class_name': 'relu'}`, Keras's
            `{'class_name': 'function', 'config': 'relu'}`, or a callable (passed through).
        custom_objects: extra names → callables a name or config may refer to.

    Returns:
        A callable taking and returning a tensor.

    Raises:
        ValueError: for an unknown name (the message lists the valid names) or a value that is
            neither a name, a config nor a callable.

    Example:
        >>> get(None) is linear, get("swish") is silu
        (True, True)
    """
    if identifier is None:
        return linear
    if isinstance(identifier, Mapping) and isinstance(identifier.get("config"), str):
        identifier = identifier["config"]
    return resolve("activation", identifier, ACTIVATIONS, custom_objects=custom_objects)


def deserialize(config: Any, custom_objects: Mapping[str, Any] | None = None) -> Callable:
    """Inverse of `serialize`: a name or config back to the function (same as `get`)."""
    return get(config, custom_objects=custom_objects)


def serialize(activation: Callable) -> str | dict[str, Any]:
    """The activation's name, as Keras writes it in layer configs.

    Args:
        activation: a built-in activation, a named function, or an object with `get_config`.

    Returns:
        The name string ('relu'); `{'class_name', 'config'}` for configurable objects.

    Raises:
        ValueError: for an anonymous function (a lambda), which no name can bring back.

    Example:
        >>> serialize(relu), serialize(get("swish"))
        ('relu', 'silu')
    """
    for name, fn in ACTIVATIONS.items():
        if fn is activation and name == fn.__name__:
            return name
    if hasattr(activation, "get_config"):
        return {"class_name": type(activation).__name__, "config": activation.get_config()}
    name = getattr(activation, "__name__", None)
    if not callable(activation) or name is None or name == "<lambda>":
        raise ValueError(
            "activation: expected a built-in activation or a named function to serialize, "
            f"received {activation!r}; define it with `def` and pass it in custom_objects "
            "when loading"
        )
    registered = get_registered_name(activation)
    if registered != name:  # register_keras_serializable'd: written as Keras writes it
        return {"module": activation.__module__, "class_name": "function",
                "config": registered, "registered_name": registered}
    return name


def _accepts_symbolic(fn: Callable[..., torch.Tensor]) -> Callable[..., torch.Tensor]:
    """`fn` that, given a symbolic KerasTensor, records a Functional graph node (as
    `keras.activations.relu(x)` does between layers) instead of computing; given a NumPy
    array, list or number (user code: `keras.activations.relu(np.array(...))`), computes on it
    as a tensor and hands back an eager tensor, as Keras does."""

    @functools.wraps(fn)
    def activation(x: Any, *args: Any, **kwargs: Any) -> Any:
        if not isinstance(x, torch.Tensor):
            if type(x).__name__ == "KerasTensor":
                from deepfit.ops.symbolic import call_symbolic

                return call_symbolic(fn, (x, *args), kwargs)
            from deepfit.backend.tensor import for_user
            from deepfit.ops.core import convert_to_tensor

            return for_user(fn(convert_to_tensor(x), *args, **kwargs))
        return fn(x, *args, **kwargs)

    return activation


def _wrap_registered() -> None:
    wrapped: dict[int, Callable[..., torch.Tensor]] = {}
    for key, fn in list(ACTIVATIONS.items()):
        if id(fn) not in wrapped:
            wrapped[id(fn)] = _accepts_symbolic(fn)
        ACTIVATIONS[key] = wrapped[id(fn)]
        if globals().get(fn.__name__) is fn:
            globals()[fn.__name__] = wrapped[id(fn)]


_wrap_registered()
