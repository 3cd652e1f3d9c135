"""`keras.constraints`: deepfit's weight constraints (`max_norm(3)` is `MaxNorm(3)`).

Example:
    >>> from deepfit.compat.keras import constraints
    >>> import deepfit
    >>> constraints.max_norm is deepfit.constraints.MaxNorm
    True
"""

from __future__ import annotations

from deepfit.compat import namespace as _namespace

_namespace.install(globals(), _namespace.Lookup(
    "keras.constraints",
    sources=["deepfit.constraints"],
    aliases={"max_norm": "MaxNorm", "min_max_norm": "MinMaxNorm", "non_neg": "NonNeg",
             "unit_norm": "UnitNorm"},
))
