"""`keras.ops` for scripts run by deepfit: the same objects as `deepfit.ops` (Keras 3's op
set on torch tensors). An op deepfit lacks raises `NotImplementedError` naming it.

Example:
    >>> from deepfit.compat.keras import ops
    >>> ops.convert_to_numpy(ops.mean(ops.convert_to_tensor([1.0, 3.0])))
    array(2., dtype=float32)
"""

from __future__ import annotations

from deepfit.compat import namespace as _namespace
from deepfit.ops import *  # noqa: F403
from deepfit.ops import (  # noqa: F401
    __all__,  # noqa: F401
    core,
    image,
    linalg,
    math,
    nn,
    numpy,
)

_namespace.install(globals(), _namespace.Lookup("keras.ops", sources=["deepfit.ops"]))
