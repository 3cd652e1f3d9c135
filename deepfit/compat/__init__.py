"""Run Keras and TensorFlow scripts unchanged on deepfit.

- `deepfit.compat.tensorflow` and `deepfit.compat.keras`: the `tf` and `keras` namespaces,
  whose names are deepfit's own objects (`import deepfit.compat.tensorflow as tf`).
- `deepfit.compat.importer.install()`: an import hook so `import tensorflow as tf`,
  `from keras import layers`, ... resolve to those namespaces.
- `deepfit.compat.runner.run_script(path, args)`: what `deepfit run script.py` does.

Example:
    >>> import deepfit.compat.tensorflow as tf
    >>> tf.keras.layers.Dense(4).units
    4
"""

from deepfit.compat.namespace import (
    ModuleNotProvidedError,
    NameNotProvidedError,
    NotProvidedError,
)

__all__ = ["ModuleNotProvidedError", "NameNotProvidedError", "NotProvidedError"]
