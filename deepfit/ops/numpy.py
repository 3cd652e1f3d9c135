"""`keras.ops.numpy`: the NumPy-named ops (element-wise, reductions, arrays)."""

from deepfit.ops.arrays import *  # noqa: F403
from deepfit.ops.arrays import __all__ as _arrays
from deepfit.ops.elementwise import *  # noqa: F403
from deepfit.ops.elementwise import __all__ as _elementwise
from deepfit.ops.reductions import *  # noqa: F403
from deepfit.ops.reductions import __all__ as _reductions

__all__ = sorted({*_arrays, *_elementwise, *_reductions})
