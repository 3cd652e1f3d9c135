"""`keras.initializers`: deepfit's initializers, also under Keras's lowercase names
(`glorot_uniform` is the class `GlorotUniform`, as in Keras).

Example:
    >>> from deepfit.compat.keras import initializers
    >>> import deepfit
    >>> initializers.he_normal is deepfit.initializers.HeNormal
    True
"""

from __future__ import annotations

from deepfit.compat import namespace as _namespace

_ALIASES = {
    "constant": "Constant", "identity": "Identity", "IdentityInitializer": "Identity",
    "ones": "Ones", "zeros": "Zeros", "glorot_normal": "GlorotNormal",
    "glorot_uniform": "GlorotUniform", "he_normal": "HeNormal", "he_uniform": "HeUniform",
    "lecun_normal": "LecunNormal", "lecun_uniform": "LecunUniform", "orthogonal": "Orthogonal",
    "OrthogonalInitializer": "Orthogonal", "random_normal": "RandomNormal",
    "random_uniform": "RandomUniform", "truncated_normal": "TruncatedNormal",
    "variance_scaling": "VarianceScaling",
}

_namespace.install(globals(), _namespace.Lookup(
    "keras.initializers", sources=["deepfit.initializers"], aliases=_ALIASES,
))
