"""`keras.optimizers.schedules`: deepfit's learning-rate schedules (`ExponentialDecay`, ...).

Example:
    >>> from deepfit.compat.keras.optimizers import schedules
    >>> import deepfit
    >>> schedules.ExponentialDecay is deepfit.schedules.ExponentialDecay
    True
"""

from __future__ import annotations

from deepfit.compat import namespace as _namespace

_namespace.install(globals(), _namespace.Lookup(
    "keras.optimizers.schedules", sources=["deepfit.schedules"],
))
