"""The transformations behind `Dataset`'s methods, one class each.

Every class implements the general path (`_elements`) and, where it only reorders or groups
rows, the index fast path (`_fast`, `_index_iter`) of `deepfit.data.dataset.Dataset`.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from deepfit.data import index_stream, structure
from deepfit.data.background import parallel_map_iterator, prefetch_iterator
from deepfit.data.dataset import INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Dataset
from deepfit.data.padding import pad_stack
from deepfit.data.shuffle import shuffle_elements, shuffle_index_chunks


class ArraySource:
    """In-memory arrays sliced along their first axis: the leaves and nesting of an element."""

    def __init__(self, template: Any, leaves: list[np.ndarray]):
        self.template = template
        self.leaves = leaves
        self.size = len(leaves[0])

    @classmethod
    def from_tensors(cls, tensors: Any) -> ArraySource:
        """Convert `from_tensor_slices`'s argument (tuples and dicts nest; lists are arrays)."""
        template = _as_arrays(tensors)
        leaves = structure.flatten(template)
        shapes = [leaf.shape for leaf in leaves]
        if not leaves or any(len(shape) == 0 for shape in shapes):
            raise ValueError(
                "from_tensor_slices: every component needs a first dimension to slice, "
                f"received component shapes {shapes}"
            )
        if len({shape[0] for shape in shapes}) != 1:
            raise ValueError(
                "from_tensor_slices: all components must have the same first dimension, "
                f"received shapes {shapes}"
            )
        return cls(template, leaves)

    def rows(self, chunks: Iterator[np.ndarray]) -> Iterator[Any]:
        """One element per row index."""
        for chunk in chunks:
            columns = index_stream.gather(self.leaves, chunk)
            for i in range(len(chunk)):
                yield structure.pack(self.template, [column[i] for column in columns])

    def batches(self, batches: Iterator[np.ndarray]) -> Iterator[Any]:
        """One batched element per index array: one fancy index per component."""
        for index in batches:
            yield structure.pack(self.template, index_stream.gather(self.leaves, index))


def _as_arrays(tensors: Any) -> Any:
    if isinstance(tensors, tuple):
        return tuple(_as_arrays(item) for item in tensors)
    if isinstance(tensors, dict):
        return {key: _as_arrays(value) for key, value in tensors.items()}
    if isinstance(tensors, Dataset):
        raise TypeError("from_tensor_slices: received a Dataset; it is already a dataset")
    if isinstance(tensors, list):
        return _python_values(tensors)
    return structure.to_numpy(tensors)


def _python_values(values: list) -> np.ndarray:
    """A Python list as TensorFlow converts it: floats to float32, ints to int32 (int64 when
    one does not fit); NumPy arrays and tensors keep their dtype."""
    array = structure.to_numpy(values)
    if array.dtype == np.float64 and _plain_python(values):
        return array.astype(np.float32)
    if array.dtype == np.int64 and _plain_python(values) and (
            array.size == 0 or (array.min() >= -2**31 and array.max() < 2**31)):
        return array.astype(np.int32)
    return array


def _plain_python(values: Any) -> bool:
    if isinstance(values, (list, tuple)):
        return all(_plain_python(item) for item in values)
    return isinstance(values, (int, float)) and not isinstance(values, np.generic)


class TensorSlices(Dataset):
    """The rows of in-memory arrays."""

    def __init__(self, source: ArraySource):
        super().__init__()
        self._source = source

    def _fast(self):
        return self._source, "row"

    def _index_iter(self):
        return index_stream.arange_chunks(self._source.size)

    def cardinality(self) -> int:
        return self._source.size


class _Unary(Dataset):
    """A transformation of one parent; keeps the fast path of the parent at the same level."""

    def __init__(self, parent: Dataset):
        super().__init__(parent)
        self._parent = parent

    def _fast(self):
        return self._parent._fast()

    def cardinality(self) -> int:
        return self._parent.cardinality()


class Batch(_Unary):
    def __init__(self, parent: Dataset, batch_size: int, drop_remainder: bool):
        super().__init__(parent)
        self.batch_size = batch_size
        self.drop_remainder = drop_remainder

    def _fast(self):
        fast = self._parent._fast()
        if fast is None or fast[1] != "row":
            return None
        return fast[0], "batch"

    def _index_iter(self):
        return index_stream.rebatch(
            self._parent._index_iter(), self.batch_size, self.drop_remainder
        )

    def _elements(self):
        pending = []
        for element in self._parent:
            pending.append(element)
            if len(pending) == self.batch_size:
                yield structure.stack(pending)
                pending = []
        if pending and not self.drop_remainder:
            yield structure.stack(pending)

    def cardinality(self) -> int:
        size = self._parent.cardinality()
        if size < 0:
            return size
        if self.drop_remainder:
            return size // self.batch_size
        return -(-size // self.batch_size)


class PaddedBatch(Batch):
    """`Batch` whose elements may differ in length: padded by `padding.pad_stack`."""

    def __init__(self, parent: Dataset, batch_size: int, drop_remainder: bool,
                 padded_shapes: Any, padding_values: Any):
        super().__init__(parent, batch_size, drop_remainder)
        self.padded_shapes = padded_shapes
        self.padding_values = padding_values

    def _fast(self):
        return None  # rows are padded one by one

    def _elements(self):
        pending = []
        for element in self._parent:
            pending.append(element)
            if len(pending) == self.batch_size:
                yield pad_stack(pending, self.padded_shapes, self.padding_values)
                pending = []
        if pending and not self.drop_remainder:
            yield pad_stack(pending, self.padded_shapes, self.padding_values)


class Unbatch(_Unary):
    def _fast(self):
        fast = self._parent._fast()
        if fast is None or fast[1] != "batch":
            return None
        return fast[0], "row"

    def _index_iter(self):
        return self._parent._index_iter()

    def _elements(self):
        for element in self._parent:
            yield from structure.unstack(element)

    def cardinality(self) -> int:
        parent = self._parent
        if isinstance(parent, Batch):
            rows = parent._parent.cardinality()
            if rows >= 0 and parent.drop_remainder:
                return rows - rows % parent.batch_size
            return rows
        if parent.cardinality() == INFINITE_CARDINALITY:
            return INFINITE_CARDINALITY
        return UNKNOWN_CARDINALITY


class Shuffle(_Unary):
    def __init__(self, parent: Dataset, buffer_size: int, seed: int | None, reshuffle: bool):
        super().__init__(parent)
        self.buffer_size = buffer_size
        # Without a seed, draw one from NumPy's global RNG so that a global seed fixes it.
        self._seed = int(seed) if seed is not None else int(np.random.randint(0, 2**31 - 1))
        self._reshuffle = reshuffle
        self.passes = 0  # passes begun: BackupAndRestore saves and restores it (shuffle_state)

    def _next_rng(self) -> np.random.Generator:
        current = self.passes if self._reshuffle else 0
        self.passes += 1
        return np.random.default_rng([self._seed, current])

    def _index_iter(self):
        rng = self._next_rng()
        if self._fast()[1] == "row":
            return shuffle_index_chunks(self._parent._index_iter(), self.buffer_size, rng)
        return shuffle_elements(self._parent._index_iter(), self.buffer_size, rng)

    def _elements(self):
        return shuffle_elements(iter(self._parent), self.buffer_size, self._next_rng())


class Take(_Unary):
    def __init__(self, parent: Dataset, count: int):
        super().__init__(parent)
        self.count = count

    def _index_iter(self):
        if self.count < 0:
            return self._parent._index_iter()
        if self._fast()[1] == "row":
            return index_stream.take_rows(self._parent._index_iter(), self.count)
        return itertools.islice(self._parent._index_iter(), self.count)

    def _elements(self):
        if self.count < 0:
            return iter(self._parent)
        return itertools.islice(iter(self._parent), self.count)

    def cardinality(self) -> int:
        size = self._parent.cardinality()
        if self.count < 0:
            return size
        if size == INFINITE_CARDINALITY:
            return self.count
        if size == UNKNOWN_CARDINALITY:
            return UNKNOWN_CARDINALITY
        return min(size, self.count)


class Shard(_Unary):
    """Every `num_shards`-th element, starting at `index`."""

    def __init__(self, parent: Dataset, num_shards: int, index: int):
        super().__init__(parent)
        self.num_shards = num_shards
        self.index = index

    def _fast(self):
        return None

    def _elements(self):
        return itertools.islice(iter(self._parent), self.index, None, self.num_shards)

    def cardinality(self) -> int:
        size = self._parent.cardinality()
        if size < 0:
            return size
        return max(0, -(-(size - self.index) // self.num_shards))


class Skip(_Unary):
    def __init__(self, parent: Dataset, count: int):
        super().__init__(parent)
        self.count = count

    def _index_iter(self):
        if self.count < 0:
            return iter(())
        if self._fast()[1] == "row":
            return index_stream.skip_rows(self._parent._index_iter(), self.count)
        return itertools.islice(self._parent._index_iter(), self.count, None)

    def _elements(self):
        if self.count < 0:
            return iter(())
        return itertools.islice(iter(self._parent), self.count, None)

    def cardinality(self) -> int:
        size = self._parent.cardinality()
        if size < 0:
            return size
        if self.count < 0:
            return 0
        return max(size - self.count, 0)


class Repeat(_Unary):
    def __init__(self, parent: Dataset, count: int):
        super().__init__(parent)
        self.count = count

    def _index_iter(self):
        return self._repeated(self._parent._index_iter)

    def _elements(self):
        return self._repeated(lambda: iter(self._parent))

    def _repeated(self, make: Callable[[], Iterator[Any]]) -> Iterator[Any]:
        passes = itertools.count() if self.count < 0 else range(self.count)
        for _ in passes:
            produced = False
            for item in make():
                produced = True
                yield item
            if not produced:
                return  # repeating an empty dataset forever would never yield

    def cardinality(self) -> int:
        size = self._parent.cardinality()
        if self.count < 0:
            return 0 if size == 0 else INFINITE_CARDINALITY
        if self.count == 0:
            return 0
        return size if size < 0 else size * self.count


class Cache(_Unary):
    """Records the first complete pass (index arrays on the fast path, else elements)."""

    def __init__(self, parent: Dataset):
        super().__init__(parent)
        self._stored: list[Any] | None = None
        self._lock = threading.Lock()

    def _index_iter(self):
        return self._replay_or_record(self._parent._index_iter)

    def _elements(self):
        return self._replay_or_record(lambda: iter(self._parent))

    def _replay_or_record(self, make: Callable[[], Iterator[Any]]) -> Iterator[Any]:
        with self._lock:
            stored = self._stored
        if stored is not None:
            yield from stored
            return
        recorded = []
        for item in make():
            recorded.append(item)
            yield item
        with self._lock:
            if self._stored is None:
                self._stored = recorded


class Prefetch(_Unary):
    """Produces elements in a background thread; ends the fast path (the gather runs there)."""

    def __init__(self, parent: Dataset, size: int):
        super().__init__(parent)
        self.size = size

    def _fast(self):
        return None

    def _elements(self):
        if self.size == 0:
            return iter(self._parent)
        return prefetch_iterator(lambda: iter(self._parent), self.size)


class Map(_Unary):
    def __init__(self, parent: Dataset, fn: Callable[..., Any], workers: int):
        super().__init__(parent)
        self._fn = fn
        self._workers = workers

    def _fast(self):
        return None

    def _apply(self, element: Any) -> Any:
        from deepfit.backend.context import user_code

        with user_code():  # the function is the user's, even when fit iterates the data
            return structure.normalize(structure.call_with_element(self._fn, element))

    def _elements(self):
        if self._workers <= 1:
            return map(self._apply, iter(self._parent))
        return parallel_map_iterator(self._apply, iter(self._parent), self._workers)


class Filter(_Unary):
    def __init__(self, parent: Dataset, predicate: Callable[..., Any]):
        super().__init__(parent)
        self._predicate = predicate

    def _fast(self):
        return None

    def _elements(self):
        for element in self._parent:
            if bool(structure.call_with_element(self._predicate, element)):
                yield element

    def cardinality(self) -> int:
        return UNKNOWN_CARDINALITY
