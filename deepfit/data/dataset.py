"""`Dataset`: a tf.data-like input pipeline over NumPy arrays, yielding NumPy elements.

A dataset is a lazy chain of transformations (batch, shuffle, map, take, ...). Iterating it yields
elements: a NumPy array, or a tuple/dict of them (`(x, y)`, `(x, y, sample_weight)`,
`{'a': a, 'b': b}`), batched along a first axis after `.batch()`. The trainer converts them to
torch tensors on its device.

Pipelines that start with `from_tensor_slices` over arrays and only reorder or group rows
(shuffle, batch, take, skip, repeat, cache, unbatch) run on integer indices and gather each batch
with one fancy index per component; `map` and `filter` switch to element-by-element processing.

Example:
    >>> import numpy as np
    >>> from deepfit.data import AUTOTUNE, Dataset
    >>> x, y = np.arange(10.0).reshape(5, 2), np.arange(5)
    >>> ds = Dataset.from_tensor_slices((x, y)).shuffle(5, seed=1).batch(2).prefetch(AUTOTUNE)
    >>> len(ds)
    3
    >>> [xb.shape for xb, yb in ds]
    [(2, 2), (2, 2), (1, 2)]
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from deepfit.data.background import default_workers
from deepfit.data.eager_array import eager, plain

AUTOTUNE = -1
INFINITE_CARDINALITY = -1
UNKNOWN_CARDINALITY = -2

# Attributes that image-folder datasets carry and every derived dataset keeps.
_CARRIED_ATTRIBUTES = ("class_names", "file_paths")


class Dataset:
    """A lazy, re-iterable pipeline of NumPy elements (see the module docstring).

    Build one with `Dataset.from_tensor_slices` or `Dataset.range`, or get one from
    `deepfit.utils.image_dataset_from_directory`; each method returns a new dataset.
    """

    def __init__(self, parent: Dataset | None = None):
        if parent is not None:
            for name in _CARRIED_ATTRIBUTES:
                if name in parent.__dict__:
                    setattr(self, name, parent.__dict__[name])

    # ----- creation ---------------------------------------------------------------------------

    @staticmethod
    def from_tensor_slices(tensors: Any) -> Dataset:
        """A dataset whose elements are the rows (first-axis slices) of `tensors`.

        Args:
            tensors: an array, a torch tensor or a list (one component), or a tuple/dict nesting
                them, e.g. `(x, y)`, `(x, y, sample_weight)` or `{'a': a, 'b': b}`. All
                components must have the same first dimension.

        Returns:
            A `Dataset` of `len(x)` elements with the same nesting as `tensors`.

        Example:
            >>> Dataset.from_tensor_slices(([1, 2, 3], [4, 5, 6])).cardinality()
            3
        """
        return _transforms.TensorSlices(_transforms.ArraySource.from_tensors(tensors))

    @staticmethod
    def range(*args: int) -> Dataset:
        """`Dataset.range(stop)` or `Dataset.range(start, stop[, step])` of int64 scalars.

        Args:
            *args: as for Python's `range`.

        Returns:
            A `Dataset` of scalar int64 elements.
        """
        return Dataset.from_tensor_slices(np.arange(*args, dtype=np.int64))

    @staticmethod
    def list_files(file_pattern: Any, shuffle: bool | None = None, seed: int | None = None,
                   name: str | None = None) -> Dataset:
        """A dataset of the paths matching a glob pattern or list of them, shuffled unless
        `shuffle=False` (see `deepfit.data.files.list_files`)."""
        from deepfit.data.files import list_files

        return list_files(file_pattern, shuffle, seed, name)

    # ----- transformations --------------------------------------------------------------------

    def batch(
        self,
        batch_size: int,
        drop_remainder: bool = False,
        num_parallel_calls: int | None = None,
        deterministic: bool | None = None,
    ) -> Dataset:
        """Stack consecutive elements into batches of `batch_size` along a new first axis.

        Args:
            batch_size: elements per batch (a positive int).
            drop_remainder: drop the last batch when it has fewer than `batch_size` elements.
            num_parallel_calls: accepted for tf.data compatibility; unused.
            deterministic: accepted for tf.data compatibility; unused.

        Returns:
            The batched `Dataset`; `len()` then counts batches.
        """
        _check_positive_int("batch_size", batch_size)
        return _transforms.Batch(self, int(batch_size), bool(drop_remainder))

    def padded_batch(
        self,
        batch_size: int,
        padded_shapes: Any = None,
        padding_values: Any = None,
        drop_remainder: bool = False,
        name: str | None = None,
    ) -> Dataset:
        """Batch elements of different lengths, padding each component at the end of its axes
        (tf.data's `padded_batch`).

        Args:
            batch_size: elements per batch (a positive int).
            padded_shapes: None (pad every axis to the batch's longest), or per component a
                shape whose None/-1 axes take the batch's longest and whose numbers are fixed.
            padding_values: None (0, "" for strings, False for booleans), one scalar for all
                components, or one per component.
            drop_remainder: drop the last, smaller batch.
            name: accepted for tf.data compatibility.

        Returns:
            The batched `Dataset`.

        Example:
            >>> Dataset.from_generator(lambda: ([1], [2, 3]), output_signature=None
            ...     ).padded_batch(2)  # doctest: +SKIP  → [[1, 0], [2, 3]]
        """
        _check_positive_int("batch_size", batch_size)
        return _transforms.PaddedBatch(self, int(batch_size), bool(drop_remainder),
                                       padded_shapes, padding_values)

    def unbatch(self) -> Dataset:
        """Split every element along its first axis (the inverse of `batch`)."""
        return _transforms.Unbatch(self)

    def map(
        self,
        map_func: Callable[..., Any],
        num_parallel_calls: int | None = None,
        deterministic: bool | None = None,
    ) -> Dataset:
        """Apply `map_func` to every element.

        A tuple element is passed as separate positional arguments (`lambda x, y: ...`), any
        other element as one argument. The result may hold NumPy arrays, torch tensors or
        Python values; lists become tuples.

        Args:
            map_func: the function.
            num_parallel_calls: None or 1 for sequential calls, `AUTOTUNE` or an int > 1 to run
                calls on a thread pool (the order of elements is kept).
            deterministic: accepted for tf.data compatibility; the order is always kept.

        Returns:
            The mapped `Dataset`.
        """
        if not callable(map_func):
            raise TypeError(f"map: map_func must be callable, received {map_func!r}")
        return _transforms.Map(self, map_func, _workers(num_parallel_calls))

    def filter(self, predicate: Callable[..., Any]) -> Dataset:
        """Keep the elements for which `predicate` (called like `map_func`) is true."""
        if not callable(predicate):
            raise TypeError(f"filter: predicate must be callable, received {predicate!r}")
        return _transforms.Filter(self, predicate)

    def shuffle(
        self,
        buffer_size: int,
        seed: int | None = None,
        reshuffle_each_iteration: bool | None = None,
    ) -> Dataset:
        """Shuffle with a buffer of `buffer_size` elements, like tf.data.

        The buffer is filled with the first elements; each output is a uniformly chosen buffer
        element, whose slot is refilled with the next input. A buffer at least as large as the
        dataset gives a uniform permutation.

        Args:
            buffer_size: the buffer size (a positive int).
            seed: makes the sequence of orders reproducible.
            reshuffle_each_iteration: a new order on every pass (default True).

        Returns:
            The shuffled `Dataset`.
        """
        _check_positive_int("buffer_size", buffer_size)
        reshuffle = True if reshuffle_each_iteration is None else bool(reshuffle_each_iteration)
        return _transforms.Shuffle(self, int(buffer_size), seed, reshuffle)

    def take(self, count: int) -> Dataset:
        """The first `count` elements (all of them when `count` is -1)."""
        return _transforms.Take(self, _check_count("take", count))

    def skip(self, count: int) -> Dataset:
        """All but the first `count` elements (none when `count` is -1)."""
        return _transforms.Skip(self, _check_count("skip", count))

    def shard(self, num_shards: int, index: int, name: str | None = None) -> Dataset:
        """Every `num_shards`-th element starting at element `index` (tf.data's `shard`: one
        worker's part, or a split such as `val.shard(2, 0)` / `val.shard(2, 1)`).

        Args:
            num_shards: how many shards (a positive int).
            index: which shard, 0 <= index < num_shards.
            name: accepted for tf.data compatibility.

        Returns:
            The sharded `Dataset`.
        """
        _check_positive_int("num_shards", num_shards)
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not (
                0 <= index < num_shards):
            raise ValueError(f"shard: index must be an int in [0, num_shards={num_shards}), "
                             f"received index={index!r}")
        return _transforms.Shard(self, int(num_shards), int(index))

    def repeat(self, count: int | None = None) -> Dataset:
        """Repeat the dataset `count` times; forever when `count` is None or -1.

        Transformations before `repeat` (such as `shuffle`) run again on each repetition.
        """
        count = -1 if count is None else _check_count("repeat", count)
        return _transforms.Repeat(self, count)

    def cache(self, filename: str = "") -> Dataset:
        """Keep the elements of the first complete pass in memory and replay them afterwards.

        Args:
            filename: must be '' (file caches are not supported; memory is used instead).

        Returns:
            The caching `Dataset`.
        """
        if filename:
            warnings.warn(
                f"cache: file caches are not supported (filename={filename!r}); caching in memory",
                stacklevel=2,
            )
        return _transforms.Cache(self)

    def prefetch(self, buffer_size: int) -> Dataset:
        """Produce up to `buffer_size` elements ahead in a background thread.

        Args:
            buffer_size: queued elements; `AUTOTUNE` picks 2; 0 disables prefetching.

        Returns:
            The prefetching `Dataset`.
        """
        if not isinstance(buffer_size, (int, np.integer)) or buffer_size < AUTOTUNE:
            raise ValueError(
                f"prefetch: buffer_size must be a non-negative int or AUTOTUNE (-1), "
                f"received {buffer_size!r}"
            )
        size = 2 if buffer_size == AUTOTUNE else int(buffer_size)
        return _transforms.Prefetch(self, size)

    def window(self, size: int, shift: int | None = None, stride: int = 1,
               drop_remainder: bool = False) -> Dataset:
        """A dataset of windows: each a dataset of `size` elements (a tuple/dict of datasets
        for tuple/dict elements), starting `shift` (default `size`) apart, taking every
        `stride`-th element; the last windows may be shorter unless `drop_remainder`.

        Example:
            >>> ds = Dataset.range(10).window(4, shift=3, drop_remainder=True)
            >>> [w.as_list() for w in ds]
            [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]]
        """
        _check_positive_int("size", size)
        shift = size if shift is None else shift
        _check_positive_int("shift", shift)
        _check_positive_int("stride", stride)
        return _combine.Window(self, int(size), int(shift), int(stride), bool(drop_remainder))

    def flat_map(self, map_func: Callable[..., Any]) -> Dataset:
        """Map each element to a dataset (`lambda window: window.batch(5)`) and chain them."""
        if not callable(map_func):
            raise TypeError(f"flat_map: map_func must be callable, received {map_func!r}")
        return _combine.FlatMap(self, map_func)

    def concatenate(self, dataset: Dataset) -> Dataset:
        """The elements of this dataset followed by those of `dataset`."""
        return _combine.Concatenate(self, dataset)

    @staticmethod
    def zip(*datasets: Any) -> Dataset:
        """Elements of several datasets side by side (a tuple, or the dict's structure)."""
        if len(datasets) == 1 and isinstance(datasets[0], (tuple, list, dict)):
            datasets = datasets[0]
        return _combine.Zip(tuple(datasets) if isinstance(datasets, list) else datasets)

    @staticmethod
    def sample_from_datasets(datasets: list[Dataset], weights: list[float] | None = None,
                             seed: int | None = None, stop_on_empty_dataset: bool = False,
                             rerandomize_each_iteration: bool | None = None) -> Dataset:
        """Elements drawn at random from `datasets` with probabilities `weights` (uniform by
        default); an exhausted dataset drops out unless `stop_on_empty_dataset`."""
        return _combine.SampleFrom(datasets, weights, seed, stop_on_empty_dataset)

    @staticmethod
    def choose_from_datasets(datasets: list[Dataset], choice_dataset: Dataset,
                             stop_on_empty_dataset: bool = True) -> Dataset:
        """Elements taken from `datasets[i]` for each index i that `choice_dataset` yields."""
        return _combine.ChooseFrom(datasets, choice_dataset, stop_on_empty_dataset)

    # ----- iteration and size -----------------------------------------------------------------

    def __iter__(self) -> Iterator[Any]:
        yield from _closing_map(eager, self._iterate())

    def _iterate(self) -> Iterator[Any]:
        fast = self._fast()
        if fast is not None:
            source, level = fast
            indices = self._index_iter()
            return source.batches(indices) if level == "batch" else source.rows(indices)
        return self._elements()

    def as_numpy_iterator(self) -> Iterator[Any]:
        """An iterator over the elements as plain NumPy arrays."""
        return _closing_map(plain, self._iterate())

    def cardinality(self) -> int:
        """The number of elements (batches after `.batch`).

        Returns:
            An int, `INFINITE_CARDINALITY` (-1) or `UNKNOWN_CARDINALITY` (-2).
        """
        raise NotImplementedError

    @property
    def element_spec(self) -> Any:
        """The `TensorSpec` of each array of an element, in the element's structure, as
        `tf.data` reports it (read from the first element: see `deepfit.data.spec`).

        Example:
            >>> Dataset.from_tensor_slices(np.zeros((10, 3), "float32")).batch(4).element_spec
            TensorSpec(shape=(None, 3), dtype=tf.float32, name=None)
        """
        from deepfit.data.spec import element_spec

        return element_spec(self)

    def __len__(self) -> int:
        size = self.cardinality()
        if size == INFINITE_CARDINALITY:
            raise TypeError("The dataset length is unknown: the dataset is infinite.")
        if size == UNKNOWN_CARDINALITY:
            raise TypeError("The dataset length is unknown.")
        return size

    def __bool__(self) -> bool:
        # Without this, `if dataset:` would call __len__ and fail on infinite datasets.
        return True

    def __repr__(self) -> str:
        size = self.cardinality()
        shown = {INFINITE_CARDINALITY: "infinite", UNKNOWN_CARDINALITY: "unknown"}.get(size, size)
        return f"<{type(self).__name__}Dataset cardinality={shown}>"

    # ----- the contract between transformations -----------------------------------------------

    def _fast(self) -> tuple[Any, str] | None:
        """(ArraySource, 'row' | 'batch') when this dataset can run on indices, else None."""
        return None

    def _index_iter(self) -> Iterator[np.ndarray]:
        """Index arrays: row chunks at level 'row', one array per batch at level 'batch'."""
        raise NotImplementedError

    def _elements(self) -> Iterator[Any]:
        """The elements, computed one by one (the general path)."""
        raise NotImplementedError


def _check_positive_int(argument: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{argument} must be a positive int, received {value!r}")


def _check_count(method: str, count: Any) -> int:
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < -1:
        raise ValueError(f"{method}: count must be an int >= -1, received {count!r}")
    return int(count)


def _workers(num_parallel_calls: int | None) -> int:
    if num_parallel_calls is None:
        return 1
    if num_parallel_calls == AUTOTUNE and not isinstance(num_parallel_calls, bool):
        return default_workers()
    valid = isinstance(num_parallel_calls, (int, np.integer)) and num_parallel_calls >= 1
    if isinstance(num_parallel_calls, bool) or not valid:
        raise ValueError(
            f"map: num_parallel_calls must be None, AUTOTUNE (-1) or a positive int, "
            f"received {num_parallel_calls!r}"
        )
    return int(num_parallel_calls)


def _closing_map(fn: Callable[[Any], Any], iterator: Iterator[Any]) -> Iterator[Any]:
    """`map` that closes the source when closed itself (so a prefetch thread stops)."""
    try:
        for element in iterator:
            yield fn(element)
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()


from deepfit.data import combine as _combine  # noqa: E402  (these subclass Dataset)
from deepfit.data import transforms as _transforms  # noqa: E402
