"""`keras.ops` for scripts run by deepfit: `deepfit.ops` (Keras 3's op set on torch tensors),
each op handing user code eager tensors (`.numpy()`, NumPy interop; plain torch inside layer
calls and training steps). An op deepfit lacks raises `NotImplementedError` naming it.

Example:
    >>> from deepfit.compat.keras import ops
    >>> ops.convert_to_numpy(ops.mean(ops.convert_to_tensor([1.0, 3.0])))
    array(2., dtype=float32)
"""

from __future__ import annotations

import types as _types

from deepfit.backend.tensor import returns_for_user as _for_user
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

for _name in __all__:
    if isinstance(globals().get(_name), _types.FunctionType):
        globals()[_name] = _for_user(globals()[_name])

_namespace.install(globals(), _namespace.Lookup("keras.ops", sources=["deepfit.ops"],
                                                wrap=_for_user))
