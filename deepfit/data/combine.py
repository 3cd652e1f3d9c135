"""Transformations that make datasets of datasets or merge several: `window`, `flat_map`,
`zip`, `concatenate`, `sample_from_datasets` and `choose_from_datasets`, with tf.data's rules.

Example:
    >>> ds = Dataset.range(7).window(3, shift=2, drop_remainder=True)
    >>> [w.as_list() for w in ds]
    [[0, 1, 2], [2, 3, 4], [4, 5, 6]]
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from deepfit.data import structure
from deepfit.data.dataset import INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Dataset


class ElementList(Dataset):
    """A finite dataset over a list of elements (what each `window` holds)."""

    def __init__(self, elements: Sequence[Any]):
        super().__init__()
        self._items = list(elements)

    def _elements(self) -> Iterator[Any]:
        return iter(self._items)

    def cardinality(self) -> int:
        return len(self._items)

    def as_list(self) -> list[Any]:
        """The elements as Python values (scalars as Python numbers)."""
        return [item.item() if isinstance(item, (np.ndarray, np.generic)) and np.ndim(item) == 0
                else item for item in self._items]


class Window(Dataset):
    """Windows of `size` elements, `shift` apart, taking every `stride`-th element."""

    def __init__(self, parent: Dataset, size: int, shift: int, stride: int,
                 drop_remainder: bool):
        super().__init__(parent)
        self._parent, self.size, self.shift = parent, size, shift
        self.stride, self.drop_remainder = stride, drop_remainder

    def _elements(self) -> Iterator[Any]:
        buffer: collections.deque = collections.deque()
        first = 0  # the index of buffer[0] in the parent
        start = 0  # the next window's first index
        span = (self.size - 1) * self.stride + 1
        for index, element in enumerate(self._parent):
            buffer.append(element)
            while index == start + span - 1:
                yield self._window(buffer, start - first, self.size)
                start += self.shift
                while first < start and buffer:
                    buffer.popleft()
                    first += 1
        if self.drop_remainder:
            return
        end = first + len(buffer)
        while start < end:
            available = (end - 1 - start) // self.stride + 1
            yield self._window(buffer, start - first, min(self.size, available))
            start += self.shift
            while first < start and buffer:
                buffer.popleft()
                first += 1

    def _window(self, buffer: collections.deque, offset: int, count: int) -> Any:
        items = [buffer[offset + j * self.stride] for j in range(count)]
        template = items[0]
        if isinstance(template, (tuple, dict)):
            columns = list(zip(*(structure.flatten(item) for item in items)))
            return structure.pack(template, [ElementList(column) for column in columns])
        return ElementList(items)

    def cardinality(self) -> int:
        size = self._parent.cardinality()
        if size < 0:
            return size
        if self.drop_remainder:
            span = (self.size - 1) * self.stride + 1
            return max(0, (size - span) // self.shift + 1)
        return -(-size // self.shift)


class FlatMap(Dataset):
    """Each element mapped to a dataset, whose elements are produced in turn."""

    def __init__(self, parent: Dataset, fn: Callable[..., Any]):
        super().__init__(parent)
        self._parent, self._fn = parent, fn

    def _elements(self) -> Iterator[Any]:
        for element in self._parent:
            result = structure.call_with_element(self._fn, element)
            if not isinstance(result, Dataset):
                raise TypeError(f"flat_map: map_func must return a Dataset, received "
                                f"{type(result).__name__}")
            yield from result._iterate()

    def cardinality(self) -> int:
        return UNKNOWN_CARDINALITY


class Zip(Dataset):
    """Elements of several datasets side by side, until the shortest ends."""

    def __init__(self, datasets: Any):
        super().__init__()
        self._template = datasets
        self._datasets = structure.flatten(datasets)
        for item in self._datasets:
            if not isinstance(item, Dataset):
                raise TypeError(f"zip: expected a tuple or dict of Datasets, received "
                                f"{type(item).__name__}")

    def _elements(self) -> Iterator[Any]:
        iterators = [iter(dataset._iterate()) for dataset in self._datasets]
        while True:
            try:
                leaves = [next(iterator) for iterator in iterators]
            except StopIteration:
                return
            yield structure.pack(self._template, leaves)

    def cardinality(self) -> int:
        sizes = [dataset.cardinality() for dataset in self._datasets]
        finite = [s for s in sizes if s >= 0]
        if finite:
            return min(finite)
        return UNKNOWN_CARDINALITY if UNKNOWN_CARDINALITY in sizes else INFINITE_CARDINALITY


class Concatenate(Dataset):
    """The elements of one dataset, then those of another."""

    def __init__(self, first: Dataset, second: Dataset):
        super().__init__(first)
        if not isinstance(second, Dataset):
            raise TypeError(f"concatenate: expected a Dataset, received {type(second).__name__}")
        self._parts = (first, second)

    def _elements(self) -> Iterator[Any]:
        for part in self._parts:
            yield from part._iterate()

    def cardinality(self) -> int:
        a, b = (part.cardinality() for part in self._parts)
        if INFINITE_CARDINALITY in (a, b):
            return INFINITE_CARDINALITY
        if UNKNOWN_CARDINALITY in (a, b):
            return UNKNOWN_CARDINALITY
        return a + b


class SampleFrom(Dataset):
    """Each element drawn from a dataset picked at random with `weights`."""

    def __init__(self, datasets: Sequence[Dataset], weights: Sequence[float] | None,
                 seed: int | None, stop_on_empty_dataset: bool):
        super().__init__()
        self._datasets = _check_datasets("sample_from_datasets", datasets)
        count = len(self._datasets)
        weights = np.full(count, 1.0 / count) if weights is None else np.asarray(
            weights, dtype=np.float64)
        if weights.shape != (count,) or (weights < 0).any() or weights.sum() <= 0:
            raise ValueError(f"sample_from_datasets: weights must be {count} non-negative "
                             f"numbers, received {weights.tolist()}")
        self._weights = weights
        self._seed = int(seed) if seed is not None else int(np.random.randint(0, 2**31 - 1))
        self._passes = 0
        self._stop = stop_on_empty_dataset

    def _elements(self) -> Iterator[Any]:
        rng = np.random.default_rng([self._seed, self._passes])
        self._passes += 1
        iterators = [iter(dataset._iterate()) for dataset in self._datasets]
        weights = self._weights.copy()
        while weights.sum() > 0:
            choice = int(rng.choice(len(weights), p=weights / weights.sum()))
            try:
                yield next(iterators[choice])
            except StopIteration:
                if self._stop:
                    return
                weights[choice] = 0.0

    def cardinality(self) -> int:
        sizes = [dataset.cardinality() for dataset in self._datasets]
        if all(size == INFINITE_CARDINALITY for size in sizes):
            return INFINITE_CARDINALITY
        return UNKNOWN_CARDINALITY


class ChooseFrom(Dataset):
    """Each element taken from the dataset whose index `choice_dataset` gives next."""

    def __init__(self, datasets: Sequence[Dataset], choice_dataset: Dataset,
                 stop_on_empty_dataset: bool):
        super().__init__()
        self._datasets = _check_datasets("choose_from_datasets", datasets)
        if not isinstance(choice_dataset, Dataset):
            raise TypeError("choose_from_datasets: choice_dataset must be a Dataset of int64 "
                            f"scalars, received {type(choice_dataset).__name__}")
        self._choices = choice_dataset
        self._stop = stop_on_empty_dataset

    def _elements(self) -> Iterator[Any]:
        iterators = [iter(dataset._iterate()) for dataset in self._datasets]
        empty = set()
        for choice in self._choices._iterate():
            index = int(np.asarray(choice))
            if not 0 <= index < len(iterators):
                raise ValueError(f"choose_from_datasets: choice {index} is out of range for "
                                 f"{len(iterators)} datasets")
            if index in empty:
                continue
            try:
                yield next(iterators[index])
            except StopIteration:
                if self._stop:
                    return
                empty.add(index)

    def cardinality(self) -> int:
        return UNKNOWN_CARDINALITY


def _check_datasets(method: str, datasets: Sequence[Dataset]) -> list[Dataset]:
    datasets = list(datasets)
    if not datasets or not all(isinstance(d, Dataset) for d in datasets):
        raise TypeError(f"{method}: expected a non-empty list of Datasets, received "
                        f"{[type(d).__name__ for d in datasets]}")
    return datasets
