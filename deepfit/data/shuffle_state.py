"""Where a Dataset pipeline's seeded shuffles stand: how many passes each `shuffle()` in it has
begun. Each pass draws its order from `(seed, pass number)`, so restoring these counters makes a
fresh copy of the pipeline (a restarted script) replay the order of the same epoch —
`BackupAndRestore` saves them with each backup and sets them before the resumed epoch.

Example:
    >>> data = Dataset.from_tensor_slices(x).shuffle(100, seed=1).batch(8)
    >>> passes = shuffle_passes(data)        # [2] after two epochs
    >>> fresh = Dataset.from_tensor_slices(x).shuffle(100, seed=1).batch(8)
    >>> set_shuffle_passes(fresh, passes)    # its next pass is the third, as in `data`
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def _nodes(data: Any) -> Iterator[Any]:
    """Every Dataset of the pipeline ending in `data`, each once, in a fixed order."""
    from deepfit.data.dataset import Dataset

    seen: set[int] = set()
    stack = [data]
    while stack:
        node = stack.pop()
        if not isinstance(node, Dataset) or id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        children = []
        for value in vars(node).values():
            if isinstance(value, Dataset):
                children.append(value)
            elif isinstance(value, (list, tuple)):
                children.extend(item for item in value if isinstance(item, Dataset))
        stack.extend(reversed(children))


def _shuffles(data: Any) -> list[Any]:
    from deepfit.data.transforms import Shuffle

    return [node for node in _nodes(data) if isinstance(node, Shuffle)]


def shuffle_passes(data: Any) -> list[int] | None:
    """The pass counters of the shuffles in `data`'s pipeline (None: not a Dataset, or no
    shuffle in it)."""
    shuffles = _shuffles(data)
    return [node.passes for node in shuffles] if shuffles else None


def set_shuffle_passes(data: Any, passes: list[int]) -> None:
    """Set the pass counters `shuffle_passes` returned (for the same pipeline).

    Raises:
        ValueError: the pipeline has another number of shuffles than `passes` describes.
    """
    shuffles = _shuffles(data)
    if len(shuffles) != len(passes):
        raise ValueError(f"the backup describes {len(passes)} shuffled dataset(s), this "
                         f"pipeline has {len(shuffles)}: resume with the same data pipeline")
    for node, count in zip(shuffles, passes):
        node.passes = int(count)
