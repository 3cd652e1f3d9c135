"""`tf.device`: place the tensors made in a block on a device, as torch's device context does.

`with tf.device("GPU:0"):` makes torch create new tensors (`tf.random.uniform`, `tf.constant`,
`tf.zeros`, ...) on CUDA device 0 inside the block. As TensorFlow's soft placement does, a GPU
that is not there (or hidden with `tf.config.set_visible_devices([], 'GPU')`) means the CPU.
Operations on existing tensors run where those tensors are (torch's rule).

Example:
    >>> import torch
    >>> with device("/job:localhost/replica:0/task:0/device:CPU:0"):
    ...     torch.zeros(1).device
    device(type='cpu')
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

import torch

from deepfit import config as _deepfit_config

__all__ = ["device"]

_SPEC = re.compile(r"(?:^|/|device:)(cpu|gpu)(?::(\d+))?$", re.IGNORECASE)


def device(device_name: Any) -> contextlib.AbstractContextManager:
    """`tf.device`: a context in which new tensors are made on `device_name`.

    Args:
        device_name: 'CPU:0', '/GPU:1', '/device:GPU:0', a full name such as
            '/job:localhost/replica:0/task:0/device:CPU:0' (a tensor's `.device`), or None/''
            for no placement.

    Returns:
        A context manager (torch's `torch.device` context).

    Raises:
        ValueError: for a name that names no CPU or GPU.
    """
    if device_name is None or str(device_name) in ("", "/"):
        return contextlib.nullcontext()
    text = str(device_name).rstrip("/")
    found = _SPEC.search(text)
    if found is None and text.startswith(("/job:", "/replica:", "/task:")):
        return contextlib.nullcontext()  # a job/task with no device: no placement
    if found is None:
        raise ValueError(
            f"tf.device: expected a device name such as 'CPU:0', '/GPU:0' or "
            f"'/job:localhost/replica:0/task:0/device:GPU:0', received {device_name!r}")
    return torch.device(_placed(found.group(1).upper(), int(found.group(2) or 0)))


def _placed(kind: str, index: int) -> str:
    # Soft placement: a GPU that is absent or hidden falls back to the CPU, as in TensorFlow.
    if (kind == "GPU" and index < torch.cuda.device_count()
            and _deepfit_config.get_device().type == "cuda"):
        return f"cuda:{index}"
    return "cpu"
