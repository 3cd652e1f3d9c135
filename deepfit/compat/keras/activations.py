"""`keras.activations`: deepfit's activation functions (`relu`, `softmax`, `swish`, ...).

Example:
    >>> from deepfit.compat.keras import activations
    >>> import deepfit
    >>> activations.relu is deepfit.activations.relu
    True
"""

from __future__ import annotations

from deepfit.compat import namespace as _namespace

_namespace.install(globals(), _namespace.Lookup(
    "keras.activations",
    sources=["deepfit.activations"],
    aliases={"swish": "silu", "hard_swish": "hard_silu"},
))
