"""`tf.test`: whether a GPU (a CUDA device torch sees) is available.

Example:
    >>> from deepfit.compat.tensorflow import test
    >>> test.is_gpu_available() in (True, False)
    True
"""

from __future__ import annotations

import torch

from deepfit.compat import namespace as _namespace

__all__ = ["gpu_device_name", "is_built_with_cuda", "is_built_with_gpu_support",
           "is_gpu_available"]


def is_gpu_available(cuda_only: bool = False,
                     min_cuda_compute_capability: tuple[int, int] | None = None) -> bool:
    """`tf.test.is_gpu_available`: a CUDA GPU is present (of at least the given capability)."""
    if not torch.cuda.is_available():
        return False
    if min_cuda_compute_capability is None:
        return True
    return any(torch.cuda.get_device_capability(i) >= tuple(min_cuda_compute_capability)
               for i in range(torch.cuda.device_count()))


def gpu_device_name() -> str:
    """`tf.test.gpu_device_name`: '/device:GPU:0' when a GPU is present, else ''."""
    return "/device:GPU:0" if torch.cuda.is_available() else ""


def is_built_with_cuda() -> bool:
    """`tf.test.is_built_with_cuda`: whether this torch build supports CUDA."""
    return torch.version.cuda is not None


is_built_with_gpu_support = is_built_with_cuda

_namespace.install(globals(), _namespace.Lookup("tf.test"))
