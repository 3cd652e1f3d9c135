"""`deepfit.ops`: Keras 3's op set (`keras.ops`) on torch tensors — the NumPy-named ops, the
neural-network ops, linear algebra, image ops and control flow — with Keras's argument names
and dtype rules. Called on a symbolic `KerasTensor`, an op becomes a node of the Functional
graph, as `keras.ops.*` between layers does in Keras. A Keras op deepfit lacks raises
`NotImplementedError` naming it.

Example:
    >>> import deepfit as keras
    >>> keras.ops.mean(keras.ops.array([True, False, False, False]))
    tensor(0.2500)
"""

from __future__ import annotations

from typing import Any

from deepfit.ops import (  # noqa: F401
    convolution,
    core,
    dtypes,
    einops,
    image,
    linalg,
    linalg_extras,
    mapping,
    math_ops,
    nn,
    number_ops,
    numpy,
    signal,
)
from deepfit.ops.arrays import *  # noqa: F403
from deepfit.ops.convolution import *  # noqa: F403
from deepfit.ops.core import *  # noqa: F403
from deepfit.ops.einops import *  # noqa: F403
from deepfit.ops.elementwise import *  # noqa: F403
from deepfit.ops.linalg_extras import *  # noqa: F403
from deepfit.ops.mapping import *  # noqa: F403
from deepfit.ops.math_ops import *  # noqa: F403
from deepfit.ops.nn import *  # noqa: F403
from deepfit.ops.number_ops import *  # noqa: F403
from deepfit.ops.numpy import *  # noqa: F403
from deepfit.ops.reductions import *  # noqa: F403
from deepfit.ops.signal import *  # noqa: F403

math = math_ops

__all__ = sorted({
    *convolution.__all__, *core.__all__, *numpy.__all__, *nn.__all__, *math_ops.__all__,
    *linalg_extras.__all__, *mapping.__all__, *number_ops.__all__, *einops.__all__,
    *signal.__all__,
    "core", "dtypes", "image", "linalg", "math", "nn", "numpy",
})


def __getattr__(name: str) -> Any:
    if name.startswith("_"):
        raise AttributeError(f"module 'deepfit.ops' has no attribute {name!r}")
    from deepfit.compat.namespace import not_provided

    raise not_provided(f"keras.ops.{name}", __all__)
