"""`keras.losses`: deepfit's losses, with Keras's short names (`mse`, `MAE`, `kld`, ...).

Example:
    >>> from deepfit.compat.keras import losses
    >>> import deepfit
    >>> losses.mse is deepfit.losses.mean_squared_error
    True
"""

from __future__ import annotations

from typing import Any

from deepfit.compat import namespace as _namespace

# Keras's short names for the loss functions (also valid in keras.metrics).
_FUNCTION_ALIASES = {
    "KLD": "kl_divergence", "kld": "kl_divergence", "kullback_leibler_divergence": "kl_divergence",
    "logcosh": "log_cosh", "MAE": "mean_absolute_error", "mae": "mean_absolute_error",
    "MAPE": "mean_absolute_percentage_error", "mape": "mean_absolute_percentage_error",
    "MSE": "mean_squared_error", "mse": "mean_squared_error",
    "MSLE": "mean_squared_logarithmic_error", "msle": "mean_squared_logarithmic_error",
}

# deepfit.losses helpers that are not part of Keras's API.
_LOSS_HELPERS = frozenset({"is_binary_or_sparse_categorical", "reduce_weighted_values",
                      "resolve_crossentropy", "squeeze_or_expand_to_same_rank"})


def _is_losses_api(name: str, obj: Any) -> bool:
    return name not in _LOSS_HELPERS


_namespace.install(globals(), _namespace.Lookup(
    "keras.losses", sources=["deepfit.losses"], aliases=_FUNCTION_ALIASES, accept=_is_losses_api,
))
