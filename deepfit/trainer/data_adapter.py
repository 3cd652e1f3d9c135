"""Data adapters: whatever the user passes to fit/evaluate/predict → batches of tensors on the
training device.

- Arrays (NumPy, torch, lists, pandas) are moved to the device once; each epoch slices batches
  by a permutation drawn on the host from torch's global RNG (no per-sample Python).
- Anything iterable (`deepfit.data.Dataset`, `torch.utils.data.DataLoader`, generators, Keras
  `Sequence`-like objects) is read batch by batch and each batch is moved to the device.

Example:
    >>> batches = ArrayBatches(x, y, batch_size=32, shuffle=True, device=torch.device("cpu"))
    >>> for x_batch, y_batch, weights in batches.epoch(): ...
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch

from deepfit import config, tree
from deepfit.data.shuffle_state import set_shuffle_passes, shuffle_passes
from deepfit.data.strings import TextArray, is_text, text_batch
from deepfit.distribute import training as distribute_training

Batch = tuple[Any, Any, Any]


def _is_array_object(value: Any) -> bool:
    return isinstance(value, (np.ndarray, torch.Tensor)) or (
        hasattr(value, "to_numpy") and hasattr(value, "shape")
    )


def is_array(value: Any) -> bool:
    """True for in-memory data: an array, a list of numbers, or a list/dict of arrays."""
    if _is_array_object(value):
        return True
    if isinstance(value, dict):
        return bool(value) and all(is_array(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return bool(value) and not hasattr(value[0], "__next__")
    return False


def to_tensor(value: Any, device: torch.device | None = None, argument: str = "x") -> torch.Tensor:
    """One array-like → a tensor on `device`, with Keras's dtype rules: float64, float16 and
    bfloat16 become float32 (what the first layer would cast them to), integers and bools are
    kept; complex, string and object data are refused naming `argument`."""
    if isinstance(value, torch.Tensor):
        tensor = value.detach()
    else:
        if hasattr(value, "to_numpy"):
            # Keras's rule: a pandas Series is a column, (n,) → (n, 1)
            value = value.to_numpy()[:, None] if _is_series(value) else value.to_numpy()
        array = np.asarray(value)
        if is_text(array):
            return text_batch(array)  # strings stay NumPy: text preprocessing layers take them
        _check_numpy_dtype(array, argument)
        if not array.flags.c_contiguous or not array.flags.writeable:
            array = np.ascontiguousarray(array).copy()
        tensor = torch.from_numpy(array)
    if tensor.is_complex():
        raise TypeError(f"{argument}: complex data (dtype {tensor.dtype}) is not supported, as in "
                        f"Keras; pass the part you mean explicitly (x.real, x.imag or abs(x))")
    if tensor.dtype in (torch.float64, torch.float16, torch.bfloat16):
        tensor = tensor.float()
    if device is not None and tensor.device != device:
        tensor = tensor.to(device, non_blocking=tensor.is_pinned())
    return tensor


def _is_series(value: Any) -> bool:
    return type(value).__module__.partition(".")[0] == "pandas" and getattr(value, "ndim", 0) == 1


def _check_numpy_dtype(array: np.ndarray, argument: str) -> None:
    kind = array.dtype.kind
    if kind in "OUSV":
        example = array.flat[0] if array.size else None
        what = "object" if kind == "O" else "string" if kind in "US" else "raw bytes"
        raise TypeError(
            f"{argument}: cannot use data of dtype {array.dtype} ({what}, shape {array.shape}) "
            f"for a numeric model; expected numbers (floats, ints or bools), received e.g. "
            f"{example!r}. Convert it first (e.g. np.asarray(values, dtype='float32'))"
        )
    if kind == "c":
        raise TypeError(f"{argument}: complex data (dtype {array.dtype}) is not supported, as in "
                        f"Keras; pass the part you mean explicitly (x.real, x.imag or abs(x))")


def structure_to_tensors(value: Any, device: torch.device | None, argument: str = "x") -> Any:
    """Arrays → tensors on `device`. A list or tuple of arrays, or a dict, is a structure (several
    inputs); a list of numbers is one array. `argument` names the data in errors."""
    if isinstance(value, dict):
        return {key: structure_to_tensors(item, device, f"{argument}[{key!r}]")
                for key, item in value.items()}
    if isinstance(value, (list, tuple)) and value and all(_is_array_object(v) for v in value):
        return type(value)(to_tensor(item, device, f"{argument}[{i}]")
                           for i, item in enumerate(value))
    return to_tensor(value, device, argument)


def unpack_x_y_sample_weight(data: Any) -> Batch:
    """A batch as produced by a dataset → `(x, y, sample_weight)` (missing parts are None)."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data[0], data[1], data[2]
    raise ValueError(
        "Data is expected to be x, (x,), (x, y) or (x, y, sample_weight), "
        f"received a tuple of {len(data)} elements"
    )


def num_samples(x: Any) -> int:
    return int(tree.first_leaf(x).shape[0])


def take(structure: Any, index: torch.Tensor | slice) -> Any:
    """Rows `index` of every tensor in a structure."""
    if isinstance(structure, (torch.Tensor, TextArray)):
        if isinstance(index, slice):
            return structure[index]
        if index.device != structure.device:  # strings stay on the CPU when x is on a GPU
            index = index.to(structure.device)
        return structure.index_select(0, index)
    return tree.map_structure(lambda t: take(t, index), structure)


class ArrayBatches:
    """Batches of in-memory arrays already on the device.

    Args:
        x, y, sample_weight: tensors (or nested structures of tensors) with the same length.
        batch_size: samples per batch; the last batch may be smaller.
        shuffle: True (a new permutation every epoch), False, or 'batch' (shuffle batch order).
    """

    def __init__(self, x: Any, y: Any = None, sample_weight: Any = None, *,
                 batch_size: int = 32, shuffle: bool | str = False, shard: Any = None) -> None:
        self.x, self.y, self.sample_weight = x, y, sample_weight
        self.shard = shard
        self.current_global = batch_size  # the size of the global batch being served
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.num_samples = num_samples(x)
        self.num_batches = math.ceil(self.num_samples / batch_size)

    def __len__(self) -> int:
        return self.num_batches

    def first_batch(self) -> Batch:
        window = slice(0, min(self.batch_size, self.num_samples))
        return (take(self.x, window), take(self.y, window), take(self.sample_weight, window))

    def epoch(self, order: torch.Tensor | None = None, start_step: int = 0) -> Iterator[Batch]:
        """One pass: a fresh sample order (when shuffling) unless `order` is given, from batch
        `start_step` on — both given to resume an interrupted epoch exactly."""
        order = self._order() if order is None else order.to(tree.first_leaf(self.x).device)
        self.current_order = order  # what a backup must record to resume this epoch
        size, total = self.batch_size, self.num_samples
        for start in range(start_step * size, total, size):
            if order is None:
                index: Any = slice(start, min(start + size, total))
            else:
                index = order[start:start + size]
            if self.shard is not None:
                self.current_global = min(size, total - start)
                index = distribute_training.shard(index, total, self.shard).to(
                    tree.first_leaf(self.x).device)
            yield take(self.x, index), take(self.y, index), take(self.sample_weight, index)

    def _order(self) -> torch.Tensor | None:
        if not self.shuffle:
            return None
        device = tree.first_leaf(self.x).device
        if self.shuffle == "batch":
            starts = torch.randperm(self.num_batches) * self.batch_size
            order = torch.cat([torch.arange(s, min(s + self.batch_size, self.num_samples))
                               for s in starts.tolist()])
        else:
            order = torch.randperm(self.num_samples)
        if self.shard is not None:
            order = distribute_training.broadcast_order(order, self.shard)
        return order.to(device)


class IterableBatches:
    """Batches read from an iterable (Dataset, DataLoader, generator, Sequence-like object).

    Args:
        data: the iterable; each element is x, (x,), (x, y) or (x, y, sample_weight).
        device: where batches go.
        class_weight: optional mapping class index → weight, turned into sample weights.
        shard: the distributed context when each process takes its slice of every batch
            (every process must read the same batches: unshuffled or seeded data).
    """

    def __init__(self, data: Any, device: torch.device, class_weight: Any = None,
                 shard: Any = None) -> None:
        self.data = data
        self.device = device
        self.class_weight = class_weight
        self.shard = shard
        self.current_global = 0
        self.num_batches = _length(data)
        self._peeked: list[Any] = []
        self.monitor: Any = None  # a batch_checks.BatchMonitor, set by the trainer
        # The seeded shuffles' pass counters when the current epoch's pass began (a backup
        # taken mid-epoch records them, so a restarted run replays this epoch's order).
        self.epoch_passes: list[int] | None = None

    def __len__(self) -> int:
        if self.num_batches is None:
            raise TypeError("the number of batches of this data is unknown")
        return self.num_batches

    def first_batch(self) -> Batch:
        if not self._peeked:
            passes = shuffle_passes(self.data)
            iterator = self._new_iterator()
            try:
                self._peeked.append((iterator, next(iterator), passes))
            except StopIteration:
                raise ValueError("The data given to fit/evaluate/predict is empty") from None
        return self._convert(self._peeked[0][1])

    def restore_passes(self, passes: list[int]) -> None:
        """Set the seeded shuffles' pass counters (from a backup) for the next pass; a pass
        already begun to look at the first batch is dropped."""
        set_shuffle_passes(self.data, passes)
        self._peeked = []

    def _new_iterator(self) -> Iterator[Any]:
        if _is_sequence_like(self.data):
            return (self.data[i] for i in range(len(self.data)))
        return iter(self.data)

    def epoch(self) -> Iterator[Batch]:
        """One pass; batches after the checked first one go through `monitor` (if set)."""
        start = 0
        if self._peeked:
            iterator, first, self.epoch_passes = self._peeked.pop()
            yield self._convert(first)
            start = 1
        else:
            self.epoch_passes = shuffle_passes(self.data)
            iterator = self._new_iterator()
        for step, element in enumerate(iterator, start=start):
            batch = self._convert(element)
            if self.monitor is not None:
                self.monitor.observe(step, *batch)
            yield batch
        if self.monitor is not None:
            self.monitor.flush()
        end = getattr(self.data, "on_epoch_end", None)
        if callable(end) and _is_sequence_like(self.data):  # PyDataset: as Keras, once a pass
            end()

    def _convert(self, element: Any) -> Batch:
        x, y, sample_weight = unpack_x_y_sample_weight(element)
        x = structure_to_tensors(x, self.device, "x")
        y = structure_to_tensors(y, self.device, "y") if y is not None else None
        if sample_weight is not None:
            sample_weight = tree.map_structure(
                lambda w: w.float(), structure_to_tensors(sample_weight, self.device,
                                                          "sample_weight"))
        if self.class_weight is not None and y is not None:
            sample_weight = combine_class_weight(y, sample_weight, self.class_weight)
        if self.shard is not None:
            self.current_global = num_samples(x)
            index = distribute_training.shard(slice(0, self.current_global),
                                              self.current_global, self.shard).to(self.device)
            x, y, sample_weight = (take(v, index) if v is not None else None
                                   for v in (x, y, sample_weight))
        return x, y, sample_weight


class EpochIterator:
    """Steps of one epoch at a time; with `steps_per_epoch`, an epoch may stop inside the data
    and the next one continues from there (as Keras does), restarting when the data runs out.
    """

    def __init__(self, batches: ArrayBatches | IterableBatches,
                 steps_per_epoch: int | None = None, steps_per_execution: int = 1) -> None:
        cap = config.max_steps_per_epoch()  # keras.config.set_max_steps_per_epoch
        if cap and (not steps_per_epoch or cap < steps_per_epoch):
            warnings.warn(f"Limiting steps_per_epoch to {cap}", stacklevel=3)
            steps_per_epoch = cap
        self.batches = batches
        self.steps_per_epoch = steps_per_epoch
        self.steps_per_execution = steps_per_execution
        # Keras starts an execution of N batches at every N-th step below steps_per_epoch and
        # lets it run its N batches: an epoch takes steps_per_epoch rounded up to N batches.
        self._epoch_batches = (None if steps_per_epoch is None else
                               -(-steps_per_epoch // steps_per_execution) * steps_per_execution)
        self._iterator: Iterator[Batch] | None = None
        self._seen = 0  # batches taken from `_iterator` (steps_per_epoch: carried over epochs)
        self._warned = False
        self._resume: tuple[int, Any] = (0, None)

    def start_at(self, step: int, order: torch.Tensor | None = None,
                 passes: list[int] | None = None) -> None:
        """Make the next epoch resume an interrupted one: skip its first `step` batches, in the
        sample `order` it had (shuffled arrays; iterables just skip batches, after their seeded
        shuffles are set back to the epoch's pass, `passes`)."""
        self._resume = (int(step), order)
        if passes is not None and isinstance(self.batches, IterableBatches):
            self.batches.restore_passes(passes)

    def shuffle_passes(self, step: int) -> list[int] | None:
        """What a backup after `step` steps of the epoch records of a Dataset's seeded
        shuffles: their counters when the epoch's pass began (mid-epoch), or now (between
        epochs: the next pass). None for other data."""
        if not isinstance(self.batches, IterableBatches):
            return None
        return self.batches.epoch_passes if step > 0 else shuffle_passes(self.batches.data)

    @property
    def order(self) -> torch.Tensor | None:
        """The sample order of the epoch in progress (None if the data is not shuffled)."""
        return getattr(self.batches, "current_order", None)

    @property
    def steps(self) -> int | None:
        if self.steps_per_epoch is not None:
            return self.steps_per_epoch
        return self.batches.num_batches

    def __iter__(self) -> Iterator[tuple[int, Batch]]:
        first, order = self._resume
        self._resume = (0, None)
        if self.steps_per_epoch is None:
            if isinstance(self.batches, ArrayBatches):
                yield from enumerate(self.batches.epoch(order, first), start=first)
            else:
                yield from enumerate(itertools.islice(self.batches.epoch(), first, None),
                                     start=first)
            return
        if self._iterator is None:
            self._iterator, self._seen = self.batches.epoch(), 0
        for step in range(first, self._epoch_batches):
            try:
                batch = next(self._iterator)
            except StopIteration:
                self._iterator = None
                if not self._warned:
                    warnings.warn(
                        f"Your input ran out of data after {step} of {self.steps_per_epoch} "
                        "steps of this epoch; the next epoch starts it again. Make sure the "
                        "data can produce steps_per_epoch * epochs batches (e.g. .repeat()).",
                        stacklevel=4,
                    )
                    self._warned = True
                return
            self._seen += 1
            yield step, batch
        known = self.batches.num_batches
        if known and self._seen >= known:  # the data is used up: the next epoch starts it anew
            self._iterator = None


def combine_class_weight(y: torch.Tensor, sample_weight: torch.Tensor | None,
                         class_weight: dict[int, float]) -> torch.Tensor:
    """Sample weights from `class_weight[label]` (labels as ints, one-hot, or one sigmoid unit);
    a class without a key (every class, for `{}`) weighs 1.0, as in Keras."""
    if not isinstance(y, torch.Tensor):
        raise ValueError("class_weight is only supported for models with a single output")
    if sample_weight is not None:
        raise ValueError("class_weight and sample_weight cannot be used together (Keras refuses "
                         "both at once): multiply the class weights into sample_weight instead")
    size = max((int(k) for k in class_weight), default=0) + 1
    table = torch.ones(size, device=y.device)
    for label, weight in class_weight.items():
        table[int(label)] = float(weight)
    if y.dim() > 1 and y.shape[-1] > 1:
        labels = y.argmax(dim=-1)
    else:
        labels = y.reshape(y.shape[0], -1)[:, 0]
        labels = labels.round() if labels.is_floating_point() else labels
    labels = labels.long()
    known = (labels >= 0) & (labels < size)
    # Keras weighs a class without a key by 1.0.
    weights = torch.where(known, table[labels.clamp(0, size - 1)], torch.ones_like(table[0]))
    return weights


def _length(data: Any) -> int | None:
    try:
        return len(data)
    except TypeError:
        return None


def _is_sequence_like(data: Any) -> bool:
    """Indexable but not iterable, or a Keras `Sequence`/`PyDataset` (read by index)."""
    if any(cls.__name__ in ("Sequence", "PyDataset") for cls in type(data).__mro__):
        return True
    return (hasattr(data, "__getitem__") and hasattr(data, "__len__")
            and not hasattr(data, "__iter__"))
