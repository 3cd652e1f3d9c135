"""The input pipeline: `Dataset` (tf.data-like, NumPy elements) and `AUTOTUNE`.

Example:
    >>> import numpy as np
    >>> from deepfit import data
    >>> ds = data.Dataset.from_tensor_slices(np.arange(6)).batch(4)
    >>> [b.tolist() for b in ds]
    [[0, 1, 2, 3], [4, 5]]
"""

from deepfit.data.dataset import (
    AUTOTUNE,
    INFINITE_CARDINALITY,
    UNKNOWN_CARDINALITY,
    Dataset,
)

__all__ = ["AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY", "Dataset"]
