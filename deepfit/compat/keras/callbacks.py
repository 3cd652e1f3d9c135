"""`keras.callbacks`: deepfit's callbacks (`EarlyStopping`, `ReduceLROnPlateau`, ...), found in
`deepfit.callbacks` and its modules, so new ones appear here on their own.

Example:
    >>> from deepfit.compat.keras import callbacks
    >>> import deepfit
    >>> callbacks.EarlyStopping is deepfit.callbacks.EarlyStopping
    True
"""

from __future__ import annotations

from typing import Any

from deepfit.compat import namespace as _namespace


def _is_callback_api(name: str, obj: Any) -> bool:
    from deepfit.callbacks import Callback, CallbackList

    return isinstance(obj, type) and issubclass(obj, (Callback, CallbackList))


_namespace.install(globals(), _namespace.Lookup(
    "keras.callbacks",
    sources=["deepfit.callbacks"],
    scan=["deepfit.callbacks"],
    accept=_is_callback_api,
))
