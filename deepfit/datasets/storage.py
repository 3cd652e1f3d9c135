"""Where the built-in datasets' files come from: deepfit's cache, Keras's cache, or a download.

A file is looked up in `$DEEPFIT_HOME/datasets` (default `~/.deepfit/datasets`), then in Keras's
caches (`$KERAS_HOME/datasets`, `~/.keras/datasets`), so data already downloaded by Keras is
reused in place; otherwise `get_file` downloads it into deepfit's cache. Hashes, where known, are
checked on every copy used.

Example:
    >>> path = fetch("mnist.npz", origin="https://storage.googleapis.com/"  # doctest: +SKIP
    ...              "tensorflow/tf-keras-datasets/mnist.npz")
"""

from __future__ import annotations

import os
import pickle
import zipfile
from typing import Any

import numpy as np

from deepfit.utils.file_utils import DownloadError, deepfit_home, get_file, validate_file


def keras_cache_dirs() -> list[str]:
    """Keras's cache roots that exist: `$KERAS_HOME`, then `~/.keras`."""
    candidates = []
    if os.environ.get("KERAS_HOME"):
        candidates.append(os.path.expanduser(os.environ["KERAS_HOME"]))
    candidates.append(os.path.join(os.path.expanduser("~"), ".keras"))
    unique = []
    for candidate in candidates:
        candidate = os.path.abspath(candidate)
        if candidate not in unique and os.path.isdir(candidate):
            unique.append(candidate)
    return unique


def cached_copy(relative: str, file_hash: str | None = None) -> str | None:
    """The first valid copy of `relative` (e.g. 'datasets/mnist.npz') in deepfit's or Keras's
    cache, or None."""
    roots = [deepfit_home(), *keras_cache_dirs()]
    for root in roots:
        path = os.path.join(root, relative)
        if os.path.isfile(path) and (file_hash is None or validate_file(path, file_hash)):
            return path
    return None


def fetch(
    fname: str, origin: str, file_hash: str | None = None, subdir: str = "datasets", **kwargs: Any
) -> str:
    """A local path for a dataset file: a cached copy, or a fresh download into deepfit's cache.

    Args:
        fname: the file name.
        origin: its URL.
        file_hash: its sha256, or None when unknown.
        subdir: the folder under the cache roots.
        **kwargs: passed to `get_file` (e.g. `extract=True`).

    Returns:
        The path of the file.

    Raises:
        DownloadError: nothing cached and the download failed; the message names the URL and
            the exact path where the file can be placed by hand.
    """
    if not kwargs:
        found = cached_copy(os.path.join(subdir, fname), file_hash)
        if found is not None:
            return found
    try:
        return get_file(fname, origin=origin, file_hash=file_hash, cache_subdir=subdir, **kwargs)
    except DownloadError as err:
        keras_path = os.path.join("~", ".keras", subdir, fname)
        raise DownloadError(f"{err} (a valid copy at {keras_path} is also used)") from err


def corrupt_file_error(path: str, dataset: str, problem: Any) -> ValueError:
    """The error for a cached file that is not what the loader expects."""
    return ValueError(
        f"The file {path} is not a valid {dataset} file ({problem}). It is probably corrupt or "
        f"incomplete: delete it and call load_data() again to download a fresh copy."
    )


def load_npz_arrays(path: str, dataset: str, spec: dict[str, tuple[int, str]]) -> dict:
    """Read an .npz (no pickles) and check each key's rank and dtype kind against `spec`.

    Args:
        path: the .npz file.
        dataset: the dataset's name, for errors.
        spec: key -> (rank, dtype kind: 'u' unsigned int, 'i' int, 'f' float).

    Returns:
        A dict of the arrays in `spec`.
    """
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = sorted(set(spec) - set(archive.files))
            if missing:
                raise corrupt_file_error(path, dataset, f"missing arrays {missing}")
            arrays = {key: archive[key] for key in spec}
    except (OSError, EOFError, zipfile.BadZipFile, ValueError) as err:
        if isinstance(err, ValueError) and str(err).startswith("The file "):
            raise
        raise corrupt_file_error(path, dataset, f"{type(err).__name__}: {err}") from err
    for key, (rank, kind) in spec.items():
        array = arrays[key]
        if array.ndim != rank or array.dtype.kind != kind:
            raise corrupt_file_error(
                path, dataset, f"{key} has shape {array.shape} and dtype {array.dtype}, expected "
                f"rank {rank} and dtype kind {kind!r}"
            )
    return arrays


def check_pairs(path: str, dataset: str, arrays: dict, pairs: list[tuple[str, str]]) -> None:
    """Check that inputs and labels have the same number of samples."""
    for x_key, y_key in pairs:
        if len(arrays[x_key]) != len(arrays[y_key]):
            raise corrupt_file_error(
                path, dataset, f"{len(arrays[x_key])} {x_key} but {len(arrays[y_key])} {y_key}"
            )


# Pickles of NumPy arrays (CIFAR's batches) only need these globals; anything else is refused,
# so a tampered file cannot run code while being read.
_ALLOWED_PICKLE_GLOBALS = frozenset(
    {
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("_codecs", "encode"),  # how protocol-2 pickles written by Python 3 store bytes
    }
)


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that only rebuilds NumPy arrays, lists, dicts, strings and numbers."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED_PICKLE_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a dataset file")
