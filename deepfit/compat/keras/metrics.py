"""`keras.metrics`: deepfit's metrics, plus the loss functions Keras also lists as metrics.

Example:
    >>> from deepfit.compat.keras import metrics
    >>> import deepfit
    >>> metrics.Accuracy is deepfit.metrics.Accuracy
    True
"""

from __future__ import annotations

from typing import Any

from deepfit.compat import namespace as _namespace
from deepfit.compat.keras.losses import _FUNCTION_ALIASES, _LOSS_HELPERS

_INTERNAL = _LOSS_HELPERS | {"resolve_accuracy", "AutoAccuracy", "AutoCrossentropy"}


def _is_metrics_api(name: str, obj: Any) -> bool:
    if name in _INTERNAL:
        return False
    from_losses = (getattr(obj, "__module__", "") or "").startswith("deepfit.losses")
    # From deepfit.losses only the functions: a loss class is not a metric class.
    return not (from_losses and isinstance(obj, type))


_namespace.install(globals(), _namespace.Lookup(
    "keras.metrics",
    sources=["deepfit.metrics", "deepfit.losses"],
    aliases=_FUNCTION_ALIASES,
    accept=_is_metrics_api,
))
