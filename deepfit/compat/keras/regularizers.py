"""`keras.regularizers`: deepfit's regularizers (`l2(0.01)` is `L2(0.01)`, as in Keras).

Example:
    >>> from deepfit.compat.keras import regularizers
    >>> import deepfit
    >>> regularizers.l2 is deepfit.regularizers.L2
    True
"""

from __future__ import annotations

from deepfit.compat import namespace as _namespace

_namespace.install(globals(), _namespace.Lookup(
    "keras.regularizers",
    sources=["deepfit.regularizers"],
    aliases={"l1": "L1", "l2": "L2", "l1_l2": "L1L2",
             "orthogonal_regularizer": "OrthogonalRegularizer"},
))
