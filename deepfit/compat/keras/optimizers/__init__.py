"""`keras.optimizers`: deepfit's optimizers (`Adam`, `SGD`, `RMSprop`, ...) and `schedules`.

`keras.optimizers.legacy.Adam` (tf.keras 2.11+) is the same class.

Example:
    >>> from deepfit.compat.keras import optimizers
    >>> import deepfit
    >>> optimizers.Adam is deepfit.optimizers.Adam
    True
"""

from __future__ import annotations

from deepfit.compat import namespace as _namespace
from deepfit.compat.keras.optimizers import schedules

_namespace.install(globals(), _namespace.Lookup(
    "keras.optimizers",
    sources=["deepfit.optimizers"],
    modules={"legacy": __name__, "schedules": schedules.__name__},
))
