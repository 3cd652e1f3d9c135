"""`Dataset.list_files`: the paths that glob patterns match, as a dataset of strings (tf.data's).

Each element is one path as a Python `str` (deepfit's text type; TensorFlow hands out bytes).
The matches of all the patterns come sorted together; by default the dataset is shuffled anew
each iteration, as TensorFlow's.

Example:
    >>> ds = list_files("flower_photos/*/*.jpg", shuffle=False)  # doctest: +SKIP
"""

from __future__ import annotations

import glob
import os
from typing import Any

import numpy as np

from deepfit.data import transforms
from deepfit.data.dataset import Dataset


def list_files(file_pattern: Any, shuffle: bool | None = None, seed: int | None = None,
               name: str | None = None) -> Dataset:
    """A dataset of the files matching `file_pattern` (`tf.data.Dataset.list_files`).

    Args:
        file_pattern: a glob pattern (`'data/*/*.jpg'`) or a list of them.
        shuffle: shuffle the paths, anew each iteration (default True).
        seed: the shuffle's seed.
        name: accepted for tf.data compatibility.

    Returns:
        A `Dataset` of `str` scalars.

    Raises:
        ValueError: no file matches (TensorFlow's InvalidArgumentError).
    """
    single = isinstance(file_pattern, (str, bytes, os.PathLike))
    patterns = [os.fsdecode(p) for p in ([file_pattern] if single else list(file_pattern))]
    # TensorFlow sorts the matches of all the patterns together (a path two patterns match
    # comes twice)
    paths = sorted(path for pattern in patterns for path in glob.glob(pattern))
    if not paths:
        raise ValueError(f"Dataset.list_files: No files matched pattern: {', '.join(patterns)}")
    array = np.empty(len(paths), dtype=object)
    array[:] = paths
    dataset = transforms.TensorSlices(transforms.ArraySource.from_tensors(array))
    if shuffle is None or shuffle:
        dataset = dataset.shuffle(len(paths), seed=seed)
    return dataset
