"""`keras.datasets`: deepfit's loaders for mnist, fashion_mnist and cifar10 (the real modules,
with Keras's `load_data()`; files already in Keras's cache are used in place).

Example:
    >>> from deepfit.compat.keras import datasets
    >>> import deepfit
    >>> datasets.mnist is deepfit.datasets.mnist
    True
"""

from __future__ import annotations

from deepfit.compat import namespace as _namespace

_namespace.install(globals(), _namespace.Lookup(
    "keras.datasets",
    modules={name: f"deepfit.datasets.{name}" for name in (
        "mnist", "fashion_mnist", "cifar10", "cifar100", "imdb", "reuters", "boston_housing",
        "california_housing")},
))
