"""Process-wide settings: the training device, pre-flight checks, float precision.

Example:
    >>> import deepfit
    >>> deepfit.config.set_device("cpu")
    >>> deepfit.config.get_device()
    device(type='cpu')
"""

from __future__ import annotations

import os
from typing import Any

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


# ------------------------------------------------------------------ Keras's keras.config names

def _env_int(name: str) -> int | None:
    value = os.environ.get(name)
    return int(value) if value else None


_max_epochs = _env_int("KERAS_MAX_EPOCHS")
_max_steps_per_epoch = _env_int("KERAS_MAX_STEPS_PER_EPOCH")
_flash_attention: bool | None = None
_traceback_filtering = True


def _check_limit(name: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name}: expected a positive int or None, received {value!r}")
    return value


def set_max_epochs(max_epochs: int | None) -> None:
    """Cap the epochs of every later `fit` (a debugging aid; also set by the
    `KERAS_MAX_EPOCHS` environment variable). `fit` warns when it trains fewer epochs.

    Args:
        max_epochs: the cap, or None for none.
    """
    global _max_epochs
    _max_epochs = _check_limit("set_max_epochs", max_epochs)


def max_epochs() -> int | None:
    """The cap on `fit`'s epochs (None: no cap)."""
    return _max_epochs


def set_max_steps_per_epoch(max_steps_per_epoch: int | None) -> None:
    """Cap the steps of each epoch of `fit`, and of `evaluate` and `predict` (also set by the
    `KERAS_MAX_STEPS_PER_EPOCH` environment variable); they warn when they cap.

    Args:
        max_steps_per_epoch: the cap, or None for none.
    """
    global _max_steps_per_epoch
    _max_steps_per_epoch = _check_limit("set_max_steps_per_epoch", max_steps_per_epoch)


def max_steps_per_epoch() -> int | None:
    """The cap on steps per epoch (None: no cap)."""
    return _max_steps_per_epoch


def enable_flash_attention() -> None:
    """Let attention layers use flash attention where torch can (the default)."""
    global _flash_attention
    _flash_attention = None


def disable_flash_attention() -> None:
    """Keep attention layers off the flash-attention kernel."""
    global _flash_attention
    _flash_attention = False


def is_flash_attention_enabled() -> bool | None:
    """False when disabled, else None (enabled where the inputs allow), as Keras."""
    return _flash_attention


def enable_traceback_filtering() -> None:
    """Keras hides its own frames from error tracebacks while this is on. deepfit raises its
    errors from the user-facing checks, so there is nothing to hide; the setting is kept for
    scripts that switch it."""
    global _traceback_filtering
    _traceback_filtering = True


def disable_traceback_filtering() -> None:
    """Ask for full tracebacks (see `enable_traceback_filtering`)."""
    global _traceback_filtering
    _traceback_filtering = False


def is_traceback_filtering_enabled() -> bool:
    """Whether traceback filtering is on (True by default)."""
    return _traceback_filtering


def is_nnx_enabled() -> bool:
    """Whether Flax NNX features are on: always False (they belong to Keras's JAX backend)."""
    return False


def backend() -> str:
    """The backend doing the computation: 'torch'."""
    return "torch"


def set_backend(backend: str) -> None:
    """deepfit computes with torch only: 'torch' is accepted, anything else refused.

    Raises:
        ValueError: for a backend other than 'torch'.
    """
    if backend != "torch":
        raise ValueError(f"set_backend: deepfit runs on the torch backend only; received "
                         f"backend={backend!r}. Use real Keras for 'jax', 'tensorflow' or "
                         f"'numpy'")


def image_data_format() -> str:
    """The default image layout: 'channels_last', as Keras."""
    from deepfit.backend import keras_functions

    return keras_functions.image_data_format()


def set_image_data_format(data_format: str) -> None:
    """Set the default image layout (see `deepfit.backend.set_image_data_format`)."""
    from deepfit.backend import keras_functions

    keras_functions.set_image_data_format(data_format)


def dtype_policy() -> Any:
    """The global mixed-precision policy (`keras.config.dtype_policy`)."""
    from deepfit import mixed_precision

    return mixed_precision.global_policy()


def set_dtype_policy(policy: Any) -> None:
    """Set the global mixed-precision policy, e.g. 'mixed_float16'."""
    from deepfit import mixed_precision

    mixed_precision.set_global_policy(policy)


from deepfit.io_utils import (  # noqa: E402, F401 - Keras has them in keras.config too
    disable_interactive_logging,
    enable_interactive_logging,
    is_interactive_logging_enabled,
)
