"""`keras.ops.numpy`: the NumPy-named ops (element-wise, reductions, arrays, counting, NaN-aware
reductions, windows)."""

from deepfit.ops.array_extras import *  # noqa: F403
from deepfit.ops.array_extras import __all__ as _array_extras
from deepfit.ops.arrays import *  # noqa: F403
from deepfit.ops.arrays import __all__ as _arrays
from deepfit.ops.core import array  # noqa: F401
from deepfit.ops.counting import *  # noqa: F403
from deepfit.ops.counting import __all__ as _counting
from deepfit.ops.elementwise import *  # noqa: F403
from deepfit.ops.elementwise import __all__ as _elementwise
from deepfit.ops.mapping import vectorize  # noqa: F401
from deepfit.ops.math_ops import slogdet  # noqa: F401
from deepfit.ops.nan_reductions import *  # noqa: F403
from deepfit.ops.nan_reductions import __all__ as _nan_reductions
from deepfit.ops.number_ops import angle, gcd, isreal, lcm, ldexp, nextafter  # noqa: F401
from deepfit.ops.reductions import *  # noqa: F403
from deepfit.ops.reductions import __all__ as _reductions
from deepfit.ops.windows import *  # noqa: F403
from deepfit.ops.windows import __all__ as _windows

__all__ = sorted({
    *_arrays, *_array_extras, *_counting, *_elementwise, *_nan_reductions, *_reductions,
    *_windows, "angle", "array", "gcd", "isreal", "lcm", "ldexp", "nextafter", "slogdet",
    "vectorize",
})
