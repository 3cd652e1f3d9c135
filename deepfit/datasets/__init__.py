"""Built-in datasets with Keras's `load_data()` API: mnist, fashion_mnist, cifar10, digits.

Downloads are cached in `$DEEPFIT_HOME/datasets` (default `~/.deepfit/datasets`); files already
in Keras's cache (`$KERAS_HOME/datasets`, `~/.keras/datasets`) are used without downloading.

Example:
    >>> from deepfit.datasets import digits
    >>> (x_train, y_train), _ = digits.load_data()
    >>> x_train.dtype, int(x_train.max())
    (dtype('uint8'), 16)
"""

from deepfit.datasets import cifar10, digits, fashion_mnist, mnist

__all__ = ["cifar10", "digits", "fashion_mnist", "mnist"]
