"""`keras.utils.PyDataset` (also `Sequence`): a base class for batch-indexable datasets.

A subclass implements `__len__` (the number of batches) and `__getitem__(index)` returning one
batch `(x, y)`; deepfit's fit reads the batches in order, like Keras without workers.

Example:
    >>> class Batches(PyDataset):
    ...     def __len__(self):
    ...         return 2
    ...     def __getitem__(self, index):
    ...         return np.zeros((4, 3)), np.zeros(4)
"""

from __future__ import annotations

from typing import Any


class PyDataset:
    """Batches by index (see the module docstring).

    Args:
        workers, use_multiprocessing, max_queue_size: accepted for Keras compatibility;
            batches are read in the training thread.
    """

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False,
                 max_queue_size: int = 10) -> None:
        self.workers = workers
        self.use_multiprocessing = use_multiprocessing
        self.max_queue_size = max_queue_size

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must implement __len__ "
                                  "(the number of batches)")

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__ "
                                  "(one batch by index)")

    @property
    def num_batches(self) -> int:
        """The number of batches (`len(self)`)."""
        return len(self)

    def on_epoch_begin(self) -> None:
        """Called by Keras at the start of each epoch; override to reshuffle."""

    def on_epoch_end(self) -> None:
        """Called by Keras at the end of each epoch; override to reshuffle."""


Sequence = PyDataset
