"""Built-in datasets with Keras's `load_data()` API: mnist, fashion_mnist, cifar10, cifar100,
imdb, reuters, boston_housing, california_housing, digits.

Downloads are cached in `$DEEPFIT_HOME/datasets` (default `~/.deepfit/datasets`); files already
in Keras's cache (`$KERAS_HOME/datasets`, `~/.keras/datasets`) are used without downloading.

Example:
    >>> from deepfit.datasets import digits
    >>> (x_train, y_train), _ = digits.load_data()
    >>> x_train.dtype, int(x_train.max())
    (dtype('uint8'), 16)
"""

from deepfit.datasets import (
    boston_housing,
    california_housing,
    cifar10,
    cifar100,
    digits,
    fashion_mnist,
    imdb,
    mnist,
    reuters,
)

__all__ = ["boston_housing", "california_housing", "cifar10", "cifar100", "digits",
           "fashion_mnist", "imdb", "mnist", "reuters"]
