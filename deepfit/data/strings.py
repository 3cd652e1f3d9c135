"""String arrays: text as NumPy arrays of Python `str`, and the string operations on them.

PyTorch has no string tensors, so text flows through datasets and preprocessing layers as NumPy
arrays of dtype object (Python `str` items) or `<U`. These helpers convert any text input (lists,
bytes, `<U`/`<S`/object arrays) to that form and implement the operations of `tf.strings` that
text pipelines use, with TensorFlow's rules (ASCII-only `lower`, ASCII whitespace for `split`).

Example:
    >>> lower(text_array(["Hello World"])).tolist()
    ['hello world']
    >>> Ragged([["a", "b"], ["c"]]).to_tensor("").tolist()
    [['a', 'b'], ['c', '']]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

# The characters TextVectorization's "strip_punctuation" removes (Python's string.punctuation).
PUNCTUATION_PATTERN = r'[!"#$%&()\*\+,\-\./:;<=>?@\[\\\]^_`{|}~\']'
_ASCII_WHITESPACE = re.compile(r"[ \t\n\v\f\r]+")
_ASCII_UPPER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_ASCII_LOWER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def is_text(value: Any) -> bool:
    """Whether `value` is a string, bytes, or an array/list whose items are strings or bytes."""
    if isinstance(value, (str, bytes, np.str_, np.bytes_)):
        return True
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "US":
            return True
        if value.dtype == object:
            return value.size > 0 and isinstance(value.flat[0], (str, bytes))
        return False
    if isinstance(value, (list, tuple)) and value:
        first = value[0]
        while isinstance(first, (list, tuple)) and first:
            first = first[0]
        return isinstance(first, (str, bytes, np.str_, np.bytes_))
    return False


def _decode(item: Any, encoding: str = "utf-8") -> str:
    if isinstance(item, (bytes, np.bytes_)):
        return bytes(item).decode(encoding)
    return str(item)


def text_array(value: Any, encoding: str = "utf-8") -> np.ndarray:
    """`value` as a NumPy object array of Python `str` (bytes are decoded), same shape.

    Args:
        value: a string, bytes, a (nested) list of them, or a `<U`/`<S`/object array.
        encoding: how bytes are decoded.

    Returns:
        An object array of `str`.
    """
    if isinstance(value, Ragged):
        raise TypeError("text_array: received a ragged value; use its .to_tensor() first")
    array = np.asarray(value, dtype=object) if not isinstance(value, np.ndarray) else value
    if array.dtype.kind == "U":
        return array.astype(object)
    out = np.empty(array.shape, dtype=object)
    flat_in = array.reshape(-1)
    flat_out = out.reshape(-1)
    for i, item in enumerate(flat_in):
        flat_out[i] = _decode(item, encoding)
    return out


def map_strings(fn: Callable[[str], Any], value: Any, dtype: Any = object) -> np.ndarray:
    """Apply `fn` to every string of `value`, keeping the shape."""
    array = text_array(value)
    out = np.empty(array.shape, dtype=dtype)
    flat_in, flat_out = array.reshape(-1), out.reshape(-1)
    for i, item in enumerate(flat_in):
        flat_out[i] = fn(item)
    return out


def lower(value: Any, encoding: str = "") -> np.ndarray:
    """Lowercase; only ASCII letters unless `encoding='utf-8'` (TensorFlow's rule)."""
    if encoding:
        return map_strings(str.lower, value)
    return map_strings(lambda s: s.translate(_ASCII_UPPER), value)


def upper(value: Any, encoding: str = "") -> np.ndarray:
    """Uppercase; only ASCII letters unless `encoding='utf-8'`."""
    if encoding:
        return map_strings(str.upper, value)
    return map_strings(lambda s: s.translate(_ASCII_LOWER), value)


def regex_replace(value: Any, pattern: str, rewrite: str, replace_global: bool = True
                  ) -> np.ndarray:
    """Replace matches of `pattern` (RE2 syntax shared with Python's `re`) by `rewrite`."""
    compiled = re.compile(_decode(pattern))
    count = 0 if replace_global else 1
    return map_strings(lambda s: compiled.sub(_decode(rewrite), s, count=count), value)


def strip_punctuation(value: Any) -> np.ndarray:
    """Remove the ASCII punctuation characters (TextVectorization's 'strip_punctuation')."""
    return regex_replace(value, PUNCTUATION_PATTERN, "")


def whitespace_tokens(text: str) -> list[str]:
    """Split on runs of ASCII whitespace, dropping empty tokens (`tf.strings.split`)."""
    return [token for token in _ASCII_WHITESPACE.split(text) if token]


def character_tokens(text: str) -> list[str]:
    """The Unicode characters of `text` (`tf.strings.unicode_split(..., 'UTF-8')`)."""
    return list(text)


def ngrams(tokens: Sequence[str], widths: Sequence[int], separator: str = " ") -> list[str]:
    """All n-grams of each width in `widths`, widths in order (`tf.strings.ngrams`)."""
    result = []
    for width in widths:
        for start in range(len(tokens) - width + 1):
            result.append(separator.join(tokens[start:start + width]))
    return result


class Ragged:
    """Rows of different lengths (what `tf.strings.split` returns as a RaggedTensor).

    Args:
        rows: a list of lists (or of nested Ragged rows).
    """

    def __init__(self, rows: Sequence[Any]):
        self.rows = [list(row) if not isinstance(row, Ragged) else row for row in rows]

    def to_list(self) -> list[Any]:
        """The rows as nested Python lists."""
        return [row.to_list() if isinstance(row, Ragged) else list(row) for row in self.rows]

    def to_tensor(self, default_value: Any = None, shape: Sequence[int | None] | None = None
                  ) -> np.ndarray:
        """A dense array: rows padded with `default_value` (or truncated to `shape[-1]`)."""
        rows = self.to_list()
        width = max((len(row) for row in rows), default=0)
        if shape is not None and shape[-1] is not None:
            width = int(shape[-1])
        example = next((item for row in rows for item in row), default_value)
        if default_value is None:
            default_value = "" if isinstance(example, str) else 0
        dtype = object if isinstance(example, str) or isinstance(default_value, str) else None
        dense = np.full((len(rows), width), default_value, dtype=dtype)
        for i, row in enumerate(rows):
            row = row[:width]
            dense[i, :len(row)] = row
        return dense

    def numpy(self) -> np.ndarray:
        """An object array of rows (each row a NumPy array)."""
        out = np.empty(len(self.rows), dtype=object)
        for i, row in enumerate(self.to_list()):
            out[i] = np.asarray(row, dtype=object if row and isinstance(row[0], str) else None)
        return out

    def row_lengths(self) -> np.ndarray:
        return np.array([len(row) for row in self.rows], dtype=np.int64)

    @property
    def shape(self) -> tuple:
        return (len(self.rows), None)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.rows)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return Ragged(self.rows[index])
        return np.asarray(self.rows[index], dtype=object)

    def __repr__(self) -> str:
        return f"<Ragged {self.to_list()!r}>"


def ragged_map(fn: Callable[[str], list[Any]], value: Any) -> Any:
    """`fn` (str → list) over a scalar (a list) or a rank-1 array (a `Ragged`)."""
    array = text_array(value)
    if array.ndim == 0:
        return np.asarray(fn(array.item()), dtype=object)
    if array.ndim != 1:
        raise ValueError(f"expected a scalar or a rank-1 array of strings, received shape "
                         f"{array.shape}")
    return Ragged([fn(item) for item in array])


class StringDType:
    """The dtype of symbolic string inputs (`Input(dtype="string")`): values are NumPy arrays
    of `str`, never torch tensors."""

    is_floating_point = False
    is_complex = False
    name = "string"

    def __repr__(self) -> str:
        return "string"

    def __str__(self) -> str:
        return "string"

    def __reduce__(self) -> str:
        return "STRING"


STRING = StringDType()


def dummy_text(shape: Sequence[int], words: int) -> np.ndarray:
    """A placeholder batch of strings of `words` words each (for shape inference: token counts
    then follow the unknown axis size)."""
    return np.full(tuple(shape), " ".join(["a"] * words), dtype=object)


class TextArray(np.ndarray):
    """A NumPy array of strings that answers the few tensor methods the trainer's array path
    uses (`dim`, `index_select`, `device`, `to`), so string inputs batch like tensors while
    staying NumPy arrays for the text preprocessing layers."""

    @property
    def device(self) -> Any:
        import torch

        return torch.device("cpu")

    def dim(self) -> int:
        return self.ndim

    def is_floating_point(self) -> bool:
        return False

    def is_pinned(self) -> bool:
        return False

    def detach(self) -> TextArray:
        return self

    def to(self, *args: Any, **kwargs: Any) -> TextArray:
        return self

    def index_select(self, dim: int, index: Any) -> TextArray:
        rows = index.detach().cpu().numpy() if hasattr(index, "detach") else np.asarray(index)
        return np.take(self, rows, axis=dim)

    def numpy(self) -> np.ndarray:
        return self.view(np.ndarray)


def text_batch(array: np.ndarray) -> TextArray:
    """A string array as a `TextArray` (no copy)."""
    return array if isinstance(array, TextArray) else array.view(TextArray)
