"""`timeseries_dataset_from_array`: sliding windows over an array, with Keras's arguments and
window positions.

Window i starts at `start_index + start_positions[i]`, where `start_positions` runs from 0 in
steps of `sequence_stride` while a whole window (`sequence_length` steps, `sampling_rate`
apart) fits before `end_index` (and while targets remain); its target is
`targets[start_index + start_positions[i]]`. Windows are gathered batch by batch, so nothing
is copied up front.

Example:
    >>> ds = timeseries_dataset_from_array(np.arange(10), None, sequence_length=3,
    ...                                    batch_size=4)
    >>> [b.tolist() for b in ds][0]
    [[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5]]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deepfit.data import Dataset, transforms
from deepfit.data.structure import to_numpy


class _WindowSource(transforms.ArraySource):
    """Window i of `data` (and its target) gathered from the start positions on demand."""

    def __init__(self, data: np.ndarray, targets: np.ndarray | None, starts: np.ndarray,
                 offsets: np.ndarray):
        self._data, self._targets, self._starts, self._offsets = data, targets, starts, offsets
        self.template = 0 if targets is None else (0, 0)
        self.size = len(starts)
        self.leaves = []

    def _gather(self, index: np.ndarray) -> Any:
        starts = self._starts[index]
        windows = self._data[starts[:, None] + self._offsets[None, :]]
        if self._targets is None:
            return windows
        return windows, self._targets[starts]

    def rows(self, chunks):
        for chunk in chunks:
            gathered = self._gather(chunk)
            for i in range(len(chunk)):
                yield gathered[i] if self._targets is None else (gathered[0][i],
                                                                 gathered[1][i])

    def batches(self, batches):
        for index in batches:
            yield self._gather(index)


def timeseries_dataset_from_array(
    data: Any,
    targets: Any,
    sequence_length: int,
    sequence_stride: int = 1,
    sampling_rate: int = 1,
    batch_size: int | None = 128,
    shuffle: bool = False,
    seed: int | None = None,
    start_index: int | None = None,
    end_index: int | None = None,
    format: str = "tf",
) -> Dataset:
    """A dataset of sliding windows over a time series (Keras's function).

    Args:
        data: an array (or tensor) whose first axis is time.
        targets: targets aligned with `data` (window i gets the target at its first step), or
            None for windows only.
        sequence_length: steps per window.
        sequence_stride: steps between the starts of consecutive windows.
        sampling_rate: steps between consecutive samples inside a window.
        batch_size: windows per batch; None yields single windows.
        shuffle: shuffle the windows (their start positions, then within a buffer).
        seed: the shuffle's seed.
        start_index: the first step used (inclusive).
        end_index: the last step used (exclusive).
        format: 'tf' or 'grain', accepted for Keras compatibility.

    Returns:
        A `Dataset` of `windows` or `(windows, targets)` batches; windows have shape
        `(batch, sequence_length, *data.shape[1:])`.
    """
    data = to_numpy(data)
    length = len(data)
    _check_arguments(length, sequence_stride, sampling_rate, start_index, end_index, format)
    start = start_index or 0
    end = end_index if end_index else length
    count = end - start - (sequence_length - 1) * sampling_rate
    target_array = None if targets is None else to_numpy(targets)
    if target_array is not None:
        count = min(count, len(target_array))
    starts = np.arange(0, max(count, 0), sequence_stride, dtype=np.int64)
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(starts)
    offsets = np.arange(0, sequence_length * sampling_rate, sampling_rate, dtype=np.int64)
    source = _WindowSource(data[start:end], None if target_array is None else
                           target_array[start:end], starts, offsets)
    dataset: Dataset = transforms.TensorSlices(source)
    if batch_size is not None:
        if shuffle:
            dataset = dataset.shuffle(batch_size * 8, seed=seed)
        return dataset.batch(batch_size)
    if shuffle:
        dataset = dataset.shuffle(1024, seed=seed)
    return dataset


def _check_arguments(length: int, sequence_stride: int, sampling_rate: int,
                     start_index: int | None, end_index: int | None, format: str) -> None:
    if start_index:
        if start_index < 0:
            raise ValueError(f"start_index must be 0 or greater, received {start_index}")
        if start_index >= length:
            raise ValueError(f"start_index must be lower than the length of the data, received "
                             f"start_index={start_index} for data of length {length}")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError(f"end_index must be higher than start_index, received "
                             f"start_index={start_index}, end_index={end_index}")
        if end_index >= length:
            raise ValueError(f"end_index must be lower than the length of the data, received "
                             f"end_index={end_index} for data of length {length}")
        if end_index <= 0:
            raise ValueError(f"end_index must be higher than 0, received {end_index}")
    for name, value in (("sampling_rate", sampling_rate), ("sequence_stride", sequence_stride)):
        if value <= 0:
            raise ValueError(f"{name} must be higher than 0, received {name}={value}")
        if value >= length:
            raise ValueError(f"{name} must be lower than the length of the data, received "
                             f"{name}={value} for data of length {length}")
    if format not in ("tf", "grain"):
        raise ValueError(f"format must be 'tf' or 'grain', received {format!r}")
