"""Process-wide settings: the training device, pre-flight checks, float precision.

Example:
    >>> import deepfit
    >>> deepfit.config.set_device("cpu")
    >>> deepfit.config.get_device()
    device(type='cpu')
"""

from __future__ import annotations

import os

import torch

_device: torch.device | None = None
_checks_enabled = True
_epsilon = 1e-7
_deterministic = False
_floatx = "float32"


def get_device() -> torch.device:
    """The device models train on: `set_device`, else `$DEEPFIT_DEVICE`, else CUDA if present.

    Returns:
        A `torch.device`.
    """
    global _device
    if _device is None:
        env = os.environ.get("DEEPFIT_DEVICE")
        if env:
            _device = _parse_device(env, "DEEPFIT_DEVICE")
        elif torch.cuda.is_available():
            # Under torchrun each process owns the GPU of its local rank.
            _device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
        else:
            _device = torch.device("cpu")
    return _device


def set_device(device: str | torch.device | None) -> None:
    """Choose the training device ('cpu', 'cuda', 'cuda:1', 'mps'); None restores the default.

    Args:
        device: a device string or `torch.device`, or None for automatic choice.
    """
    global _device
    _device = None if device is None else _parse_device(device, "device")


def _parse_device(device: str | torch.device, argument: str) -> torch.device:
    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError) as err:
        raise ValueError(
            f"{argument}: expected a device such as 'cpu' or 'cuda:0', received {device!r}"
        ) from err
    if parsed.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"{argument}: {device!r} was asked for, but CUDA is not available here")
    return parsed


def checks_enabled() -> bool:
    """Whether fit runs its pre-flight checks (see `deepfit.insight`)."""
    return _checks_enabled


def set_checks(enabled: bool) -> None:
    """Turn fit's pre-flight checks on or off for the whole process.

    Args:
        enabled: True to warn about likely mistakes when fit starts.
    """
    global _checks_enabled
    _checks_enabled = bool(enabled)


def epsilon() -> float:
    """The fuzz factor Keras uses in losses and optimizers (1e-7)."""
    return _epsilon


def set_epsilon(value: float) -> None:
    """Set the fuzz factor used by losses and metrics."""
    global _epsilon
    _epsilon = float(value)


def floatx() -> str:
    """The default float type name ('float32')."""
    return _floatx


def set_floatx(value: str) -> None:
    """Set the default float type: 'float16', 'bfloat16', 'float32' or 'float64'."""
    global _floatx
    if value not in ("float16", "bfloat16", "float32", "float64"):
        raise ValueError(
            f"floatx: expected one of 'float16', 'bfloat16', 'float32', 'float64', "
            f"received {value!r}"
        )
    _floatx = value


def deterministic() -> bool:
    """Whether fits must repeat bit for bit (set by `deepfit.utils.set_random_seed`)."""
    return _deterministic


def set_deterministic(enabled: bool) -> None:
    """Ask for bit-for-bit repeatable fits: the CPU thread count is then fixed per model size
    instead of tuned by timing (different thread counts can round differently).

    Args:
        enabled: True for repeatable runs.
    """
    global _deterministic
    _deterministic = bool(enabled)


_safe_mode = True


def enable_unsafe_deserialization() -> None:
    """Let `load_model` rebuild Lambda layers by default (Keras's `safe_mode=False` for every
    later load that does not say otherwise). Their functions still come from your code, by
    name (`custom_objects`); Python bytecode stored in a file is refused in any mode."""
    global _safe_mode
    _safe_mode = False


def in_safe_mode() -> bool:
    """Whether loads refuse Lambda layers unless told otherwise (True until
    `enable_unsafe_deserialization`)."""
    return _safe_mode
