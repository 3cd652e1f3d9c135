"""CSV files as datasets: `CsvDataset` and `make_csv_dataset` with tf.data.experimental's basic
arguments (typed columns from `record_defaults`, a header, a delimiter, selected columns,
missing values; batches of column dicts with an optional label column).

Example:
    >>> ds = make_csv_dataset("titanic.csv", batch_size=4, label_name="survived",  # doctest: +SKIP
    ...                       num_epochs=1)
    >>> features, labels = next(iter(ds))  # doctest: +SKIP
"""

from __future__ import annotations

import csv
import glob
import os
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np

from deepfit.data import transforms
from deepfit.data.dataset import Dataset

_NUMPY_TYPES = {"float32": np.float32, "float64": np.float64, "int32": np.int32,
                "int64": np.int64, "string": object, "str": object}


def _files(filenames: Any) -> list[str]:
    names = [filenames] if isinstance(filenames, (str, os.PathLike)) else list(filenames)
    found: list[str] = []
    for name in names:
        name = os.fspath(name)
        matches = sorted(glob.glob(name)) if any(c in name for c in "*?[") else [name]
        found.extend(matches)
    missing = [name for name in found if not os.path.isfile(name)]
    if not found or missing:
        raise ValueError(f"CSV: no such file(s): {missing or names}")
    return found


def _rows(paths: list[str], delimiter: str, header: bool) -> tuple[list[str] | None, list[list]]:
    names, rows = None, []
    for path in paths:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            for index, row in enumerate(reader):
                if index == 0 and header:
                    names = names or row
                    continue
                if row:
                    rows.append(row)
    return names, rows


def _column_type(default: Any) -> Any:
    if isinstance(default, str) and default in _NUMPY_TYPES:
        return _NUMPY_TYPES[default]
    name = getattr(default, "name", None) or str(default).replace("torch.", "")
    if name in _NUMPY_TYPES:
        return _NUMPY_TYPES[name]
    if isinstance(default, (list, tuple)) and default:
        default = default[0]
    if isinstance(default, str):
        return object
    if isinstance(default, (bool, np.bool_)):
        return np.int32
    if isinstance(default, (int, np.integer)):
        return np.int32
    if isinstance(default, (float, np.floating)):
        return np.float32
    raise ValueError(f"CSV: record default {default!r} is not a dtype or a value")


def _fill_value(default: Any) -> Any:
    """The value for missing entries: None (the column is required) when `default` is a dtype."""
    if isinstance(default, (list, tuple)):
        return default[0] if default else None
    if isinstance(default, str) and default in _NUMPY_TYPES:
        return None
    if hasattr(default, "is_floating_point") or hasattr(default, "as_numpy_dtype"):
        return None
    return default


def _parse(values: list[str], column_type: Any, fill: Any, na_value: str, column: str
           ) -> np.ndarray:
    out = []
    for value in values:
        if value == "" or value == na_value:
            if fill is None:
                raise ValueError(f"CSV: column {column} has a missing value and no default")
            out.append(fill)
        elif column_type is object:
            out.append(value)
        else:
            try:
                out.append(float(value) if column_type in (np.float32, np.float64) else
                           int(float(value)))
            except ValueError as err:
                raise ValueError(f"CSV: column {column}: cannot parse {value!r} as "
                                 f"{np.dtype(column_type).name}") from err
    return np.array(out, dtype=column_type)


def CsvDataset(  # noqa: N802 - tf.data.experimental's name
    filenames: Any,
    record_defaults: Sequence[Any],
    compression_type: str | None = None,
    buffer_size: int | None = None,
    header: bool = False,
    field_delim: str = ",",
    use_quote_delim: bool = True,
    na_value: str = "",
    select_cols: Sequence[int] | None = None,
    exclude_cols: Sequence[int] | None = None,
) -> Dataset:
    """A dataset of tuples of scalars, one per CSV record (`tf.data.experimental.CsvDataset`).

    Args:
        filenames: a path or a list of paths.
        record_defaults: one entry per (selected) column: a dtype (`tf.float32`, 'int32',
            'string'; the column is required) or a default value of the column's type.
        header: skip the first line of each file.
        field_delim: the delimiter.
        na_value: the string that marks a missing value.
        select_cols: indices of the columns to keep (sorted).
        exclude_cols: indices of the columns to drop.
        compression_type, buffer_size, use_quote_delim: accepted; plain files only.

    Returns:
        A `Dataset` whose elements are tuples of scalars.
    """
    if compression_type:
        raise NotImplementedError("CsvDataset: compressed files are not provided by deepfit; "
                                  "decompress them first")
    _, rows = _rows(_files(filenames), field_delim, header)
    width = len(rows[0]) if rows else len(record_defaults)
    columns = list(range(width))
    if select_cols is not None:
        columns = list(select_cols)
    elif exclude_cols is not None:
        columns = [c for c in columns if c not in set(exclude_cols)]
    if len(columns) != len(record_defaults):
        raise ValueError(f"CsvDataset: {len(record_defaults)} record_defaults for "
                         f"{len(columns)} columns")
    arrays = tuple(
        _parse([row[c] for row in rows], _column_type(default), _fill_value(default), na_value,
               str(c))
        for c, default in zip(columns, record_defaults))
    return transforms.TensorSlices(transforms.ArraySource.from_tensors(arrays))


def make_csv_dataset(
    file_pattern: Any,
    batch_size: int,
    column_names: Sequence[str] | None = None,
    column_defaults: Sequence[Any] | None = None,
    label_name: str | None = None,
    select_columns: Sequence[Any] | None = None,
    field_delim: str = ",",
    use_quote_delim: bool = True,
    na_value: str = "",
    header: bool = True,
    num_epochs: int | None = None,
    shuffle: bool = True,
    shuffle_buffer_size: int = 10000,
    shuffle_seed: int | None = None,
    prefetch_buffer_size: int | None = None,
    num_parallel_reads: int | None = None,
    sloppy: bool = False,
    num_rows_for_inference: int = 100,
    compression_type: str | None = None,
    ignore_errors: bool = False,
    encoding: str = "utf-8",
) -> Dataset:
    """Batches of `(features, label)` (or `features`) from CSV files, features an ordered dict
    of column arrays (`tf.data.experimental.make_csv_dataset`).

    Column types are inferred (int32, then float32, else string) unless `column_defaults`
    gives them. `num_epochs=None` repeats forever, as in TensorFlow.

    Args:
        file_pattern: a path, a glob pattern or a list of them.
        batch_size: records per batch.
        column_names: the column names (default: the header line).
        column_defaults: per column, a dtype or a default value.
        label_name: the column returned separately as the label.
        select_columns: the names or indices of the columns to keep.
        field_delim, na_value, header: as for `CsvDataset`.
        num_epochs: passes over the data (None: forever).
        shuffle, shuffle_buffer_size, shuffle_seed: shuffling of the records.

    Returns:
        A `Dataset` of batches.
    """
    if compression_type:
        raise NotImplementedError("make_csv_dataset: compressed files are not provided by "
                                  "deepfit; decompress them first")
    names, rows = _rows(_files(file_pattern), field_delim, header)
    names = list(column_names) if column_names is not None else names
    if names is None:
        raise ValueError("make_csv_dataset: give column_names when the files have no header")
    keep = list(range(len(names)))
    if select_columns is not None:
        keep = [names.index(c) if isinstance(c, str) else int(c) for c in select_columns]
    if label_name is not None and label_name not in [names[i] for i in keep]:
        raise ValueError(f"make_csv_dataset: label_name {label_name!r} is not one of the "
                         f"columns {[names[i] for i in keep]}")
    features: OrderedDict[str, np.ndarray] = OrderedDict()
    for position, column in enumerate(keep):
        values = [row[column] if column < len(row) else "" for row in rows]
        default = column_defaults[position] if column_defaults is not None else None
        column_type = _column_type(default) if default is not None else _infer(values, na_value)
        fill = _fill_value(default) if default is not None else _zero(column_type)
        features[names[column]] = _parse(values, column_type, fill, na_value, names[column])
    label = features.pop(label_name) if label_name is not None else None
    dataset: Dataset = Dataset.from_tensor_slices(
        dict(features) if label is None else (dict(features), label))
    if num_epochs != 1:
        dataset = dataset.repeat(num_epochs)
    if shuffle:
        dataset = dataset.shuffle(shuffle_buffer_size, seed=shuffle_seed)
    return dataset.batch(batch_size)


def _infer(values: list[str], na_value: str) -> Any:
    present = [v for v in values if v not in ("", na_value)]
    for column_type, parse in ((np.int32, int), (np.float32, float)):
        try:
            for value in present:
                parse(value)
            return column_type
        except ValueError:
            continue
    return object


def _zero(column_type: Any) -> Any:
    return "" if column_type is object else column_type(0)
