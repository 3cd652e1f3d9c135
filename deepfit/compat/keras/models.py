"""`keras.models`: `Sequential`, `Model` and, once deepfit has them, loading and cloning.

Example:
    >>> from deepfit.compat.keras import models
    >>> import deepfit
    >>> models.Sequential is deepfit.Sequential
    True
"""

from __future__ import annotations

from typing import Any

from deepfit.compat import namespace as _namespace

_NAMES = frozenset({"Model", "Sequential", "clone_model", "load_model", "model_from_json",
                    "save_model"})


def _is_models_api(name: str, obj: Any) -> bool:
    return name in _NAMES


_namespace.install(globals(), _namespace.Lookup(
    "keras.models",
    sources=["deepfit.models", "deepfit.saving"],
    accept=_is_models_api,
))
