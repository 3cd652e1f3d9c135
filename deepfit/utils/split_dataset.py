"""`keras.utils.split_dataset`: split a dataset into two `Dataset`s by count or fraction.

Example:
    >>> left, right = split_dataset(np.arange(10), left_size=0.8)
    >>> len(list(left)), len(list(right))
    (8, 2)
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import torch

from deepfit import tree
from deepfit.data.dataset import Dataset
from deepfit.data.transforms import Batch


def split_dataset(dataset: Any, left_size: int | float | None = None,
                  right_size: int | float | None = None, shuffle: bool = False,
                  seed: int | None = None, preferred_backend: str | None = None
                  ) -> tuple[Dataset, Dataset]:
    """The first `left_size` and last `right_size` samples of `dataset`, as two Datasets.

    Args:
        dataset: a NumPy array, a tuple or list of arrays of one length, a `Dataset` (a batched
            one gives batched splits of the same batch size) or a `torch.utils.data.Dataset`.
        left_size: a sample count, or a fraction in (0, 1) of all samples (rounded); None: all
            the samples `right_size` leaves.
        right_size: the same for the right split; None: all the samples `left_size` leaves.
        shuffle: shuffle the samples first (Python's `random` with `seed`, so a seed gives
            Keras's split).
        seed: the shuffle's seed (random when None).
        preferred_backend: accepted for Keras compatibility.

    Returns:
        `(left, right)` Datasets.

    Raises:
        TypeError: for another kind of `dataset`, or sizes that are neither int nor float.
        ValueError: for no sizes, sizes out of range, or a split that would be empty.
    """
    samples, batch_size = _samples(dataset)
    if left_size is None and right_size is None:
        raise ValueError("split_dataset: at least one of the `left_size` or `right_size` must "
                         "be specified. Received: left_size=None and right_size=None")
    if shuffle:
        random.Random(random.randint(0, int(1e6)) if seed is None else seed).shuffle(samples)
    left, right = _split_sizes(left_size, right_size, len(samples))
    splits = []
    for part in (samples[:left], samples[-right:]):
        split = Dataset.from_tensor_slices(_columns(part))
        splits.append(split.batch(batch_size) if batch_size else split)
    return splits[0], splits[1]


def _samples(dataset: Any) -> tuple[list, int | None]:
    """The dataset as a list of samples, and its batch size if it is a batched Dataset."""
    if isinstance(dataset, np.ndarray):
        return list(dataset), None
    if isinstance(dataset, (tuple, list)):
        arrays = [np.asarray(a) for a in dataset]
        if len({len(a) for a in arrays}) > 1:
            raise ValueError("split_dataset: the arrays of `dataset` must all have the same "
                             f"length; received lengths {[len(a) for a in arrays]}")
        return [tuple(row) for row in zip(*arrays)], None
    if isinstance(dataset, Dataset):
        batch_size = dataset.batch_size if isinstance(dataset, Batch) else None
        rows = dataset.unbatch() if batch_size else dataset
        return list(rows.as_numpy_iterator()), batch_size
    if isinstance(dataset, torch.utils.data.Dataset):
        return [tree.map_structure(_to_numpy, dataset[i]) for i in range(len(dataset))], None
    raise TypeError("split_dataset: the `dataset` argument must be either a Dataset, a "
                    "torch.utils.data.Dataset object, or a list/tuple of arrays. Received: "
                    f"dataset={dataset!r:.80} of type {type(dataset)}")


def _to_numpy(value: Any) -> Any:
    return value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else value


def _columns(samples: list) -> Any:
    """A list of samples (arrays or structures of arrays) as one structure of stacked arrays."""
    first = samples[0]
    if not tree.is_nested(first):
        return np.array(samples)
    stacked = [np.array(values) for values in zip(*(tree.flatten(s) for s in samples))]
    return tree.lists_to_tuples(tree.pack_sequence_as(first, stacked))


def _split_sizes(left: Any, right: Any, total: int) -> tuple[int, int]:
    """Keras's rules: int counts in (0, total), float fractions in (0, 1) (rounded), None for
    the rest, and neither split empty."""
    for name, size in (("left_size", left), ("right_size", right)):
        if size is not None and type(size) not in (int, float):
            raise TypeError(f"split_dataset: invalid `{name}` type; expected int or float or "
                            f"None, received type({name})={type(size)}")
        if (type(size) is int and not 0 < size < total) or (
                type(size) is float and not 0 < size < 1):
            raise ValueError(f"split_dataset: `{name}` should be either a positive integer "
                             f"smaller than {total}, or a float within the range `[0, 1]`. "
                             f"Received: {name}={size}")
    if type(left) is float and type(right) is float and left + right > 1:
        raise ValueError("split_dataset: the sum of `left_size` and `right_size` is greater "
                         "than 1. It must be less than or equal to 1.")
    left = round(left * total) if type(left) is float else left
    right = round(right * total) if type(right) is float else right
    left = total - right if left is None else left
    right = total - left if right is None else right
    if left + right > total:
        raise ValueError(f"split_dataset: the sum of `left_size` and `right_size` should be "
                         f"smaller than the {total}. Received: left_size + right_size = "
                         f"{left + right} and total_length = {total}")
    for side, size in (("left", left), ("right", right)):
        if size == 0:
            raise ValueError(f"split_dataset: with `dataset` of length={total}, `left_size`="
                             f"{left} and `right_size`={right}, the {side} side split would be "
                             "empty. Adjust any of the aforementioned parameters")
    return int(left), int(right)
