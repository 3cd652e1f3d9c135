"""`tf.config`: the devices deepfit can train on, in TensorFlow's vocabulary.

GPUs are the CUDA devices torch sees. Hiding every GPU with `set_visible_devices([], 'GPU')`
makes deepfit train on the CPU; memory-growth settings have nothing to do under PyTorch's caching
allocator and are accepted as no-ops.

Example:
    >>> from deepfit.compat.tensorflow import config
    >>> [device.device_type for device in config.list_physical_devices("CPU")]
    ['CPU']
"""

from __future__ import annotations

import collections
from typing import Any

import torch

from deepfit import config as _deepfit_config
from deepfit.compat import namespace as _namespace

__all__ = [
    "PhysicalDevice", "LogicalDevice", "experimental", "functions_run_eagerly",
    "get_visible_devices", "list_logical_devices", "list_physical_devices",
    "run_functions_eagerly", "set_visible_devices", "threading",
]

PhysicalDevice = collections.namedtuple("PhysicalDevice", ["name", "device_type"])
LogicalDevice = collections.namedtuple("LogicalDevice", ["name", "device_type"])


def list_physical_devices(device_type: str | None = None) -> list[PhysicalDevice]:
    """`tf.config.list_physical_devices`: the CPU and each CUDA GPU torch sees.

    Args:
        device_type: 'CPU' or 'GPU' to list only those; None for all.

    Returns:
        `PhysicalDevice(name='/physical_device:GPU:0', device_type='GPU')` entries.
    """
    found = [PhysicalDevice("/physical_device:CPU:0", "CPU")]
    found += [PhysicalDevice(f"/physical_device:GPU:{i}", "GPU")
              for i in range(torch.cuda.device_count())]
    return [d for d in found if device_type is None or d.device_type == device_type.upper()]


def list_logical_devices(device_type: str | None = None) -> list[LogicalDevice]:
    """`tf.config.list_logical_devices`: the devices as TensorFlow names them ('/device:GPU:0')."""
    return [LogicalDevice(d.name.replace("/physical_device:", "/device:"), d.device_type)
            for d in get_visible_devices(device_type)]


def get_visible_devices(device_type: str | None = None) -> list[PhysicalDevice]:
    """`tf.config.get_visible_devices`: the devices deepfit may use (no GPU when training was
    pinned to the CPU)."""
    devices = list_physical_devices(device_type)
    if _deepfit_config.get_device().type == "cpu":
        devices = [d for d in devices if d.device_type != "GPU"]
    return devices


def set_visible_devices(devices: Any, device_type: str | None = None) -> None:
    """`tf.config.set_visible_devices`: hiding every GPU (`[]`) trains on the CPU; listing a
    GPU trains on it.

    Args:
        devices: a device or a list of them from `list_physical_devices`.
        device_type: 'GPU' or 'CPU' (only GPU visibility changes anything).
    """
    chosen = [devices] if isinstance(devices, PhysicalDevice) else list(devices or [])
    gpus = [d for d in chosen if d.device_type == "GPU"]
    if gpus:
        _deepfit_config.set_device(f"cuda:{gpus[0].name.rsplit(':', 1)[-1]}")
    elif device_type in (None, "GPU") or all(d.device_type == "CPU" for d in chosen):
        _deepfit_config.set_device("cpu")


def set_memory_growth(device: Any, enable: bool) -> None:
    """`tf.config.experimental.set_memory_growth`: a no-op (PyTorch allocates on demand)."""


def get_memory_growth(device: Any) -> bool:
    """`tf.config.experimental.get_memory_growth`: always True under PyTorch."""
    return True


def run_functions_eagerly(run_eagerly: bool) -> None:
    """`tf.config.run_functions_eagerly`: a no-op (deepfit always runs eagerly)."""


def functions_run_eagerly() -> bool:
    """`tf.config.functions_run_eagerly`: always True."""
    return True


def enable_op_determinism() -> None:
    """`tf.config.experimental.enable_op_determinism`: torch's deterministic algorithms."""
    torch.use_deterministic_algorithms(True, warn_only=True)


def _set_threads(num_threads: int) -> None:
    if num_threads:
        torch.set_num_threads(int(num_threads))


def _set_inter_op_threads(num_threads: int) -> None:
    if num_threads:
        try:
            torch.set_num_interop_threads(int(num_threads))
        except RuntimeError:  # only settable before the first parallel work; TF's is lenient
            pass


experimental = _namespace.make(
    "tf.config.experimental",
    extras={"set_memory_growth": set_memory_growth, "get_memory_growth": get_memory_growth,
            "list_physical_devices": list_physical_devices,
            "list_logical_devices": list_logical_devices,
            "set_visible_devices": set_visible_devices,
            "get_visible_devices": get_visible_devices,
            "enable_op_determinism": enable_op_determinism},
)
threading = _namespace.make(
    "tf.config.threading",
    extras={"set_intra_op_parallelism_threads": _set_threads,
            "set_inter_op_parallelism_threads": _set_inter_op_threads,
            "get_intra_op_parallelism_threads": torch.get_num_threads,
            "get_inter_op_parallelism_threads": torch.get_num_interop_threads},
)

_namespace.install(globals(), _namespace.Lookup("tf.config"))
