"""TensorFlow's functions hand user code `EagerTensor`s (plain torch tensors inside steps).

Example:
    >>> import torch
    >>> from deepfit.compat.tensorflow.eager import for_user_functions
    >>> space = {"__name__": "m", "double": lambda x: torch.as_tensor(x) * 2}
    >>> space["double"].__module__ = "m"
    >>> for_user_functions(space)
    >>> type(space["double"](1.0)).__name__
    'EagerTensor'
"""

from __future__ import annotations

from deepfit.backend.tensor import returns_for_user as for_user
from deepfit.backend.tensor import returns_for_user_in as for_user_functions

__all__ = ["for_user", "for_user_functions"]
