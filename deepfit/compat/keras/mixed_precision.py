"""`keras.mixed_precision`: deepfit's dtype policies (`set_global_policy("mixed_float16")`,
`global_policy()`, `DTypePolicy`), from `deepfit.mixed_precision`.

Example:
    >>> from deepfit.compat.keras import mixed_precision
    >>> import deepfit.mixed_precision
    >>> mixed_precision.set_global_policy is deepfit.mixed_precision.set_global_policy
    True
"""

from __future__ import annotations

from typing import Any

from deepfit.compat import namespace as _namespace

_NAMES = frozenset({"DTypePolicy", "LossScaleOptimizer", "Policy", "dtype_policy",
                    "global_policy", "set_dtype_policy", "set_global_policy"})


def _is_mixed_precision_api(name: str, obj: Any) -> bool:
    return name in _NAMES


_namespace.install(globals(), _namespace.Lookup(
    "keras.mixed_precision", sources=["deepfit.mixed_precision"],
    accept=_is_mixed_precision_api,
    extras={"LossScaleOptimizer": "deepfit.optimizers.loss_scale:LossScaleOptimizer"},
))
