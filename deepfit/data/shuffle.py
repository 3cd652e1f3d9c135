"""tf.data's buffered shuffle: keep `buffer_size` elements, emit a random one, refill its slot.

Two implementations of the same rule. `shuffle_index_chunks` runs over a stream of integer index
arrays and is vectorized (one argsort per incoming chunk, no per-element Python): it is what the
array fast path uses. `shuffle_elements` runs over arbitrary Python elements.

Example:
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> out = np.concatenate(list(shuffle_index_chunks([np.arange(10)], 4, rng)))
    >>> sorted(out.tolist()) == list(range(10))
    True
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np


def shuffle_index_chunks(
    chunks: Iterable[np.ndarray], buffer_size: int, rng: np.random.Generator
) -> Iterator[np.ndarray]:
    """Buffered shuffle of the concatenation of `chunks`, yielded as index chunks.

    Args:
        chunks: 1-D integer arrays; their concatenation is the input order.
        buffer_size: how many elements the shuffle buffer holds.
        rng: the random generator for this pass.

    Returns:
        An iterator of 1-D arrays whose concatenation is the shuffled order.
    """
    filling: list[np.ndarray] = []
    filled = 0
    slots: np.ndarray | None = None
    for chunk in chunks:
        if slots is None:
            filling.append(chunk)
            filled += len(chunk)
            if filled < buffer_size:
                continue
            joined = np.concatenate(filling)
            slots, chunk = joined[:buffer_size].copy(), joined[buffer_size:]
            filling = []
        if len(chunk):
            out, slots = _refill_step(slots, chunk, rng)
            yield out
    if slots is None:
        slots = np.concatenate(filling) if filling else np.empty(0, dtype=np.int64)
    # Draining a buffer uniformly without replacement is a uniform permutation of it.
    if len(slots):
        yield slots[rng.permutation(len(slots))]


def _refill_step(
    slots: np.ndarray, incoming: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Run len(incoming) steps of 'emit a random slot, put the next element in it' at once.

    Step t emits the slot chosen at t, which holds either its initial content (first time the
    slot is chosen) or the element written by the previous step that chose the same slot.
    Sorting the choices by slot (stably, so time order is kept) exposes those predecessors.
    """
    steps = len(incoming)
    choice = rng.integers(0, len(slots), size=steps)
    order = np.argsort(choice, kind="stable")
    chosen = choice[order]
    first = np.ones(steps, dtype=bool)
    first[1:] = chosen[1:] != chosen[:-1]
    previous_step = np.empty(steps, dtype=np.int64)
    previous_step[0] = 0
    previous_step[1:] = order[:-1]
    emitted_sorted = np.where(first, slots[chosen], incoming[previous_step])
    emitted = np.empty_like(emitted_sorted)
    emitted[order] = emitted_sorted
    last = np.ones(steps, dtype=bool)
    last[:-1] = chosen[1:] != chosen[:-1]
    slots = slots.copy()
    slots[chosen[last]] = incoming[order[last]]
    return emitted, slots


def shuffle_elements(
    elements: Iterable[Any], buffer_size: int, rng: np.random.Generator
) -> Iterator[Any]:
    """Buffered shuffle of arbitrary elements (the general path).

    Args:
        elements: the input elements.
        buffer_size: how many elements the shuffle buffer holds.
        rng: the random generator for this pass.

    Returns:
        An iterator over the shuffled elements.
    """
    buffer: list[Any] = []
    for element in elements:
        if len(buffer) < buffer_size:
            buffer.append(element)
            continue
        slot = int(rng.integers(0, buffer_size))
        yield buffer[slot]
        buffer[slot] = element
    for slot in rng.permutation(len(buffer)):
        yield buffer[slot]
