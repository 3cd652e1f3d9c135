"""`tf.data`: deepfit's `Dataset` (the real class, `deepfit.data.Dataset`) and `AUTOTUNE`.

Example:
    >>> import numpy as np
    >>> from deepfit.compat.tensorflow import data
    >>> ds = data.Dataset.from_tensor_slices(np.arange(6)).batch(4).prefetch(data.AUTOTUNE)
    >>> [len(batch) for batch in ds]
    [4, 2]
"""

from __future__ import annotations

import torch

from deepfit.compat import namespace as _namespace
from deepfit.data import AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Dataset
from deepfit.data.csv import CsvDataset, make_csv_dataset
from deepfit.data.textline import TextLineDataset

__all__ = ["AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY", "Dataset", "TextLineDataset",
           "experimental"]


def cardinality(dataset: Dataset) -> torch.Tensor:
    """`tf.data.experimental.cardinality`: the number of elements as a 0-d int64 tensor
    (so `.numpy()` and arithmetic work as in TensorFlow); -1 infinite, -2 unknown."""
    return torch.tensor(dataset.cardinality(), dtype=torch.int64)


experimental = _namespace.make(
    "tf.data.experimental",
    extras={"AUTOTUNE": AUTOTUNE, "INFINITE_CARDINALITY": INFINITE_CARDINALITY,
            "UNKNOWN_CARDINALITY": UNKNOWN_CARDINALITY, "cardinality": cardinality,
            "CsvDataset": CsvDataset, "make_csv_dataset": make_csv_dataset,
            "sample_from_datasets": Dataset.sample_from_datasets,
            "choose_from_datasets": Dataset.choose_from_datasets},
)


_namespace.install(globals(), _namespace.Lookup("tf.data"))
