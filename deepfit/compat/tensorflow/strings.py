"""`tf.strings` for scripts run by deepfit: the string operations text tutorials use, on NumPy
arrays of `str` (torch has no string tensors).

Results are NumPy object arrays of `str` (TensorFlow returns bytes; `.numpy()` works on both),
numbers come back as torch tensors where TensorFlow returns numeric tensors, and operations
with a ragged result (`split`, `unicode_split`, `ngrams`) return `deepfit.data.strings.Ragged`
for rank-1 input. Lowercasing is ASCII-only unless `encoding='utf-8'`, as in TensorFlow.

Example:
    >>> import deepfit.compat.tensorflow as tf
    >>> tf.strings.regex_replace(tf.strings.lower(["Hello<br />World"]), "<br />", " ").tolist()
    ['hello world']
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from deepfit.compat import namespace as _namespace
from deepfit.data import strings as _strings
from deepfit.data.fingerprint import hash_bucket

Ragged = _strings.Ragged


def _text(value: Any) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        raise TypeError(f"tf.strings: expected strings, received a tensor of dtype {value.dtype}")
    return _strings.text_array(value)


def lower(input: Any, encoding: str = "", name: str | None = None) -> np.ndarray:  # noqa: A002
    """ASCII lowercase (every letter with `encoding='utf-8'`)."""
    return _strings.lower(_text(input), encoding)


def upper(input: Any, encoding: str = "", name: str | None = None) -> np.ndarray:  # noqa: A002
    """ASCII uppercase (every letter with `encoding='utf-8'`)."""
    return _strings.upper(_text(input), encoding)


def regex_replace(input: Any, pattern: str, rewrite: str,  # noqa: A002
                  replace_global: bool = True, name: str | None = None) -> np.ndarray:
    """Replace matches of `pattern` by `rewrite` (`\\1` refers to a group)."""
    return _strings.regex_replace(_text(input), pattern, rewrite, replace_global)


def regex_full_match(input: Any, pattern: str, name: str | None = None) -> np.ndarray:  # noqa: A002
    """Whether each string matches `pattern` entirely (a bool array)."""
    import re

    compiled = re.compile(pattern)
    return _strings.map_strings(lambda s: compiled.fullmatch(s) is not None, _text(input),
                                dtype=bool)


def strip(input: Any, name: str | None = None) -> np.ndarray:  # noqa: A002
    """Remove leading and trailing ASCII whitespace."""
    return _strings.map_strings(lambda s: s.strip(" \t\n\v\f\r"), _text(input))


def length(input: Any, unit: str = "BYTE", name: str | None = None) -> torch.Tensor:  # noqa: A002
    """The length of each string in bytes ('BYTE') or characters ('UTF8_CHAR')."""
    if unit not in ("BYTE", "UTF8_CHAR"):
        raise ValueError(f"tf.strings.length: unit must be 'BYTE' or 'UTF8_CHAR', "
                         f"received {unit!r}")
    size = (lambda s: len(s.encode("utf-8"))) if unit == "BYTE" else len
    return torch.as_tensor(_strings.map_strings(size, _text(input), dtype=np.int32))


def split(input: Any, sep: str | None = None, maxsplit: int = -1,  # noqa: A002
          name: str | None = None) -> Any:
    """Split on `sep` (runs of whitespace when None): a list for a scalar, `Ragged` for rank 1."""
    def one(text: str) -> list[str]:
        if sep is None:
            tokens = _strings.whitespace_tokens(text)
            if maxsplit >= 0 and len(tokens) > maxsplit + 1:
                head = text.strip(" \t\n\v\f\r").split(None, maxsplit)
                return head
            return tokens
        return text.split(sep, maxsplit)
    return _strings.ragged_map(one, input)


def unicode_split(input: Any, input_encoding: str = "UTF-8", errors: str = "replace",  # noqa: A002
                  replacement_char: int = 65533, name: str | None = None) -> Any:
    """The characters of each string: a list for a scalar, `Ragged` for rank 1."""
    return _strings.ragged_map(_strings.character_tokens, input)


def bytes_split(input: Any, name: str | None = None) -> Any:  # noqa: A002
    """The bytes of each string, as one-byte strings."""
    return _strings.ragged_map(lambda s: [bytes([b]).decode("latin-1") for b in
                                          s.encode("utf-8")], input)


def ngrams(data: Any, ngram_width: int | Sequence[int], separator: str = " ",
           pad_values: Any = None, padding_width: int | None = None,
           preserve_short_sequences: bool = False, name: str | None = None) -> Any:
    """N-grams of token lists (a list of tokens, or `Ragged` rows)."""
    if pad_values is not None or preserve_short_sequences:
        raise NotImplementedError("tf.strings.ngrams: pad_values and preserve_short_sequences "
                                  "are not provided by deepfit")
    widths = (ngram_width,) if isinstance(ngram_width, int) else tuple(ngram_width)
    if isinstance(data, Ragged):
        return Ragged([_strings.ngrams([str(t) for t in row], widths, separator)
                       for row in data.to_list()])
    return np.asarray(_strings.ngrams([str(t) for t in _text(data).reshape(-1)], widths,
                                      separator), dtype=object)


def join(inputs: Sequence[Any], separator: str = "", name: str | None = None) -> np.ndarray:
    """Join several string arrays element-wise with `separator`."""
    arrays = np.broadcast_arrays(*[_text(item) for item in inputs])
    out = np.empty(arrays[0].shape, dtype=object)
    for index in np.ndindex(out.shape):
        out[index] = separator.join(array[index] for array in arrays)
    return out


class StringResult(np.ndarray):
    """A string array whose `.numpy()` gives bytes, as a TensorFlow string tensor's does
    (`tf.strings.reduce_join(chars).numpy().decode("utf-8")`)."""

    def numpy(self) -> Any:
        """The strings UTF-8 encoded: `bytes` for a 0-d array, else an object array."""
        encoded = np.vectorize(lambda text: text.encode("utf-8") if isinstance(text, str)
                               else text, otypes=[object])(self.view(np.ndarray))
        return encoded.reshape(()).item() if self.ndim == 0 else encoded


def reduce_join(inputs: Any, axis: int | None = None, keepdims: bool = False,
                separator: str = "", name: str | None = None) -> np.ndarray:
    """Join the strings along `axis` (all of them when None); `.numpy()` of the result gives
    bytes, as TensorFlow's."""
    array = _text(inputs)
    if axis is None:
        joined = np.asarray(separator.join(array.reshape(-1)), dtype=object)
    else:
        joined = np.apply_along_axis(lambda row: separator.join(row), axis, array).astype(object)
        joined = np.expand_dims(joined, axis) if keepdims else joined
    return joined.view(StringResult)


def substr(input: Any, pos: int, len: int, unit: str = "BYTE",  # noqa: A002
           name: str | None = None) -> np.ndarray:
    """The substring of `len` bytes ('BYTE') or characters ('UTF8_CHAR') at `pos`."""
    if unit not in ("BYTE", "UTF8_CHAR"):
        raise ValueError(f"tf.strings.substr: unit must be 'BYTE' or 'UTF8_CHAR', "
                         f"received {unit!r}")
    count = len

    def one(text: str) -> str:
        if unit == "UTF8_CHAR":
            start = pos if pos >= 0 else builtins.len(text) + pos
            return text[start:start + count]
        data = text.encode("utf-8")
        start = pos if pos >= 0 else builtins.len(data) + pos
        return data[start:start + count].decode("utf-8", errors="replace")
    return _strings.map_strings(one, _text(input))


def as_string(input: Any, precision: int = -1, scientific: bool = False,  # noqa: A002
              shortest: bool = False, width: int = -1, fill: str = "",
              name: str | None = None) -> np.ndarray:
    """Numbers as strings (floats with 6 decimals by default, as TensorFlow prints them)."""
    array = input.detach().cpu().numpy() if isinstance(input, torch.Tensor) else np.asarray(input)
    if array.dtype.kind in "iub":
        fmt = "{:d}"
        converter = int if array.dtype.kind != "b" else (lambda v: v)
        if array.dtype.kind == "b":
            return _to_object(array, lambda v: "true" if v else "false")
        return _to_object(array, lambda v: _pad(fmt.format(converter(v)), width, fill))
    if shortest:
        return _to_object(array, lambda v: _pad(repr(float(v)).rstrip("0").rstrip("."), width,
                                                fill))
    digits = 6 if precision < 0 else precision
    spec = f"{{:.{digits}{'e' if scientific else 'f'}}}"
    return _to_object(array, lambda v: _pad(spec.format(float(v)), width, fill))


def _pad(text: str, width: int, fill: str) -> str:
    return text.rjust(width, fill or " ") if width > 0 else text


def _to_object(array: np.ndarray, fn: Any) -> np.ndarray:
    out = np.empty(array.shape, dtype=object)
    for index in np.ndindex(array.shape):
        out[index] = fn(array[index])
    return out


def to_number(string_tensor: Any, out_type: Any = torch.float32,
              name: str | None = None) -> torch.Tensor:
    """Parse numbers (float32 by default; an integer `out_type` parses integers)."""
    dtype = _torch_dtype(out_type)
    parse = int if not dtype.is_floating_point else float
    try:
        values = _strings.map_strings(lambda s: parse(s.strip()), _text(string_tensor),
                                      dtype=np.float64 if parse is float else np.int64)
    except ValueError as err:
        raise ValueError(f"tf.strings.to_number: {err}") from err
    return torch.as_tensor(values).to(dtype)


def _torch_dtype(value: Any) -> torch.dtype:
    from deepfit.compat.tensorflow.dtypes import as_dtype

    return value if isinstance(value, torch.dtype) else as_dtype(value)


def to_hash_bucket_fast(input: Any, num_buckets: int,  # noqa: A002
                        name: str | None = None) -> torch.Tensor:
    """FarmHash Fingerprint64 of each string modulo `num_buckets` (TensorFlow's buckets)."""
    return torch.as_tensor(_strings.map_strings(lambda s: hash_bucket(s, num_buckets),
                                                _text(input), dtype=np.int64))


def to_hash_bucket_strong(input: Any, num_buckets: int, key: Sequence[int],  # noqa: A002
                          name: str | None = None) -> torch.Tensor:
    """Keyed SipHash-2-4 of each string modulo `num_buckets` (TensorFlow's buckets)."""
    pair = (int(key[0]), int(key[1]))
    return torch.as_tensor(_strings.map_strings(lambda s: hash_bucket(s, num_buckets, pair),
                                                _text(input), dtype=np.int64))


_namespace.install(globals(), _namespace.Lookup("tf.strings"))
