"""Reading an untrusted HDF5 weights file without letting it reach outside itself.

HDF5 can make a name point elsewhere: soft links (another path), external links (another
file, which may be any file on the machine or a FIFO that blocks forever), datasets stored in
external raw files and virtual datasets assembled from other files. A weights file needs none of
these, so every step of every path is checked to be a hard link, with the link API, which looks
at the link without resolving it. Datasets are checked for kind, dtype and shape before a byte
of their data is read, so a tiny file that declares a huge (or heavily compressed) dataset costs
nothing: at most the size of the weights the caller expects is ever decompressed.

Example:
    >>> group = node(h5, "layers/dense/vars")          # None if absent
    >>> arrays = read_arrays(group, [(4, 3), (3,)], "'w.h5'")
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

#: dtype kinds a weight may have: bool, signed and unsigned ints, floats.
_NUMERIC_KINDS = "biuf"


def _link_type(group: Any, name: str) -> int | None:
    key = name.encode("utf-8")
    if not group.id.links.exists(key):
        return None
    return group.id.links.get_info(key).type


def node(h5: Any, path: str) -> Any:
    """The object at `path` under `h5`, or None if absent; ValueError on a link of any kind.

    Args:
        h5: an open `h5py.File` or `h5py.Group`.
        path: a relative path ("layers/dense/vars"); "" gives `h5` itself.
    """
    import h5py

    current = h5
    for part in [p for p in path.split("/") if p]:
        if not isinstance(current, h5py.Group):
            return None
        kind = _link_type(current, part)
        if kind is None:
            return None
        if kind != h5py.h5l.TYPE_HARD:
            where = f"{current.name.rstrip('/')}/{part}"
            raise ValueError(f"'{where}' is a soft or external link; only plain groups and "
                             "datasets inside the file are read")
        current = current[part]
    return current


def dataset_nodes(group: Any) -> list[Any]:
    """The datasets `0, 1, ...` of a `vars` group, checked but not read ([] if no group).

    Raises:
        ValueError: other names, links, or datasets that are external, virtual or not numeric.
    """
    import h5py

    if group is None or not isinstance(group, h5py.Group):
        return []
    names = list(group.keys())  # names only: nothing is resolved
    if any(not k.isdigit() for k in names) or sorted(int(k) for k in names) != list(
            range(len(names))):
        raise ValueError(f"unexpected entries {sorted(names)} in '{group.name}': "
                         "expected datasets named 0, 1, 2, ...")
    return [check_dataset(node(group, str(i)), f"'{group.name}/{i}'")
            for i in range(len(names))]


def check_dataset(item: Any, where: str) -> Any:
    """`item` if it is a plain numeric dataset stored in the file, else a ValueError."""
    import h5py

    if not isinstance(item, h5py.Dataset):
        raise ValueError(f"{where} is not a dataset")
    if item.external or item.is_virtual:
        raise ValueError(f"{where} keeps its data outside the file (external or virtual "
                         "dataset); only data stored in the file is read")
    if item.dtype.kind not in _NUMERIC_KINDS or item.dtype.itemsize > 8:
        raise ValueError(f"{where} has dtype {item.dtype}, not a numeric weight")
    return item


def read_nodes(nodes: Sequence[Any]) -> list[np.ndarray]:
    """Read checked datasets (call only after their shapes were compared with the weights)."""
    return [np.asarray(item[()]) for item in nodes]


def read_arrays(group: Any, shapes: Sequence[tuple[int, ...]], where: str
                ) -> list[np.ndarray]:
    """Read a `vars` group whose datasets must have exactly `shapes`, checked before reading.

    Raises:
        ValueError: a different count or shape (nothing is read then).
    """
    nodes = dataset_nodes(group)
    if len(nodes) != len(shapes):
        raise ValueError(f"{where}: expected {len(shapes)} weight(s), the file has {len(nodes)}")
    for i, (item, shape) in enumerate(zip(nodes, shapes)):
        if tuple(item.shape) != tuple(shape):
            raise ValueError(f"{where}: weight {i} has shape {tuple(item.shape)} in the file, "
                             f"expected {tuple(shape)}")
    return read_nodes(nodes)


def attribute(item: Any, name: str) -> Any:
    """An attribute decoded to str when it is bytes; None if absent."""
    if item is None or name not in item.attrs:
        return None
    value = item.attrs[name]
    return value.decode() if isinstance(value, bytes) else value
