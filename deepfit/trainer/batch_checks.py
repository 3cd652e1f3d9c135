"""Checks of the batches a dataset, generator or DataLoader yields after the first one (the first
is checked in full before training starts): NaN/infinity in x, y and sample weights, and sparse
labels outside the model's classes.

The checks are reductions on the batch's device. On the CPU each batch is checked as it comes
(there is nothing to overlap); on an accelerator the NaN flags accumulate on the device and are
read every `every` batches and at the end of the data, so the training loop does not wait on
them. Sparse labels are read on every batch: out of range, the loss kernel would trip a
device-side assert that ends the process.

Example:
    >>> monitor = BatchMonitor(sparse_classes=3)
    >>> monitor.observe(1, torch.zeros(2, 4), torch.tensor([0, 2]), None)
    >>> monitor.flush()
"""

from __future__ import annotations

from typing import Any

import torch

from deepfit import tree


class BatchMonitor:
    """Accumulates per-batch validity flags and raises a clear error when one is set.

    Args:
        sparse_classes: the class count of a single sparse-label output, or None.
        every: on accelerators, how many batches pass between reads of the flags.
        data: check x and y for NaN/infinity (evaluation does not: its results are NaN, as in
            Keras); sample weights are always checked.
    """

    def __init__(self, sparse_classes: int | None = None, every: int = 16,
                 data: bool = True) -> None:
        self.sparse_classes = sparse_classes
        self.checked = ("x", "y", "sample_weight") if data else ("sample_weight",)
        self.every = every
        self._flags: dict[str, torch.Tensor] = {}
        self._since = 0
        self._first_step: int | None = None

    def observe(self, step: int, x: Any, y: Any, sample_weight: Any) -> None:
        """Record batch `step`'s flags; raise at once on the CPU, periodically elsewhere."""
        if self._first_step is None:
            self._first_step = step
        device = None
        for label, value in (("x", x), ("y", y), ("sample_weight", sample_weight)):
            if label not in self.checked:
                continue
            for leaf in tree.flatten(value) if value is not None else []:
                if not isinstance(leaf, torch.Tensor) or not leaf.is_floating_point():
                    continue
                device = leaf.device
                self._add(label, ~torch.isfinite(leaf.sum()))
        labels = self.sparse_classes is not None and isinstance(y, torch.Tensor)
        if labels:
            self._add("labels", ((y < 0) | (y >= self.sparse_classes)).any())
        self._since += 1
        # Labels out of range are read at once: on an accelerator, the loss kernel would hit a
        # device-side assert (fatal to the process) before a later read could report them.
        if labels or device is None or device.type == "cpu" or self._since >= self.every:
            self.flush(step)

    def _add(self, label: str, flag: torch.Tensor) -> None:
        current = self._flags.get(label)
        self._flags[label] = flag if current is None else current | flag

    def flush(self, step: int | None = None) -> None:
        """Read the flags (one device sync) and raise if a batch since the last read was bad."""
        flags, first = self._flags, self._first_step
        self._flags, self._since, self._first_step = {}, 0, None
        for label, flag in flags.items():
            if not bool(flag):
                continue
            where = (f"batch {step}" if step is None or first == step
                     else f"one of batches {first}..{step}")
            if label == "labels":
                raise ValueError(f"sparse labels of {where} (counted from 0) are outside "
                                 f"[0, {self.sparse_classes}) for a model with "
                                 f"{self.sparse_classes} outputs; the first batch was in range")
            raise ValueError(f"{label} of {where} (counted from 0) contains NaN or infinite "
                             f"values; the first batch was clean. Clean the data source (or "
                             f"add callbacks.TerminateOnNaN to stop on a NaN loss)")
