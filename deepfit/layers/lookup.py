"""Vocabulary lookup layers with Keras 3's semantics: StringLookup and IntegerLookup.

A vocabulary is `[mask] + [OOV] * num_oov_indices + tokens` (the mask slot only in 'int' mode);
`adapt` orders tokens by frequency, ties broken by the token itself, highest first — exactly as
Keras does — and keeps the `max_tokens` most frequent. Lookups return int64 indices, or
one_hot / multi_hot / count (int64) or tf_idf (float32) vectors.

Example:
    >>> layer = StringLookup()
    >>> layer.adapt(["a", "b", "b", "c", "c", "c"])
    >>> layer.get_vocabulary()
    ['[UNK]', 'c', 'b', 'a']
    >>> layer([["a", "c"], ["d", "b"]]).tolist()
    [[3, 1], [0, 2]]
"""

from __future__ import annotations

import collections
import os
from typing import Any

import numpy as np
import torch

from deepfit.data import strings
from deepfit.data.fingerprint import hash_bucket
from deepfit.layers.categorical import TextInputLayer, encode, iterate_batches
from deepfit.layers.tracing import tracing

_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


class IndexLookup(TextInputLayer):
    """The shared machinery of StringLookup and IntegerLookup (see the module docstring)."""

    _is_string = True

    def __init__(self, max_tokens: int | None = None, num_oov_indices: int = 1,
                 mask_token: Any = None, oov_token: Any = None, vocabulary: Any = None,
                 idf_weights: Any = None, invert: bool = False, output_mode: str = "int",
                 sparse: bool = False, pad_to_max_tokens: bool = False, **kwargs: Any) -> None:
        cls = type(self).__name__
        frozen_size = kwargs.pop("vocabulary_size", None)
        has_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        for key in ("vocabulary_dtype", "encoding", "oov_method", "salt", "dtype"):
            kwargs.pop(key, None)
        super().__init__(**kwargs)
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        if output_mode not in _MODES:
            raise ValueError(f"{cls}: output_mode must be one of {list(_MODES)}, received "
                             f"{output_mode!r}")
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"{cls}: max_tokens must be greater than 1, received {max_tokens}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"{cls}: pad_to_max_tokens=True needs max_tokens")
        if num_oov_indices < 0:
            raise ValueError(f"{cls}: num_oov_indices must be >= 0, received {num_oov_indices}")
        if invert and output_mode != "int":
            raise ValueError(f"{cls}: output_mode must be 'int' when invert=True, received "
                             f"{output_mode!r}")
        if sparse:
            raise ValueError(f"{cls}: sparse=True is not supported (torch outputs are dense)")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(f"{cls}: idf_weights is only used with output_mode='tf_idf', "
                             f"received output_mode={output_mode!r}")
        if output_mode == "tf_idf" and has_vocabulary and idf_weights is None:
            raise ValueError(f"{cls}: with a vocabulary in 'tf_idf' mode, idf_weights must be "
                             "given too")
        self.max_tokens = max_tokens
        self.num_oov_indices = int(num_oov_indices)
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.invert = bool(invert)
        self.output_mode = output_mode
        self.sparse = False
        self.pad_to_max_tokens = bool(pad_to_max_tokens)
        self.input_vocabulary = vocabulary if not isinstance(vocabulary, str) else None
        self.input_idf_weights = idf_weights
        self._has_input_vocabulary = has_vocabulary
        self._frozen_vocab_size = frozen_size
        self._tokens: list[Any] = []
        self._index: dict[Any, int] = {}
        self.idf_weights: np.ndarray | None = None
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # ----------------------------------------------------------------- vocabulary
    def _oov_start(self) -> int:
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start(self) -> int:
        return self._oov_start() + self.num_oov_indices

    def vocabulary_size(self) -> int:
        """The vocabulary size, mask and OOV slots included."""
        return self._token_start() + len(self._tokens)

    def get_vocabulary(self, include_special_tokens: bool = True) -> list[Any]:
        """The vocabulary; index i is what the layer returns for the i-th entry.

        Args:
            include_special_tokens: include the mask and OOV entries at the front.
        """
        vocabulary = ([self.mask_token] * self._oov_start()
                      + [self.oov_token] * self.num_oov_indices + list(self._tokens))
        if not include_special_tokens:
            vocabulary = vocabulary[self._token_start():]
        return vocabulary

    def set_vocabulary(self, vocabulary: Any, idf_weights: Any = None) -> None:
        """Replace the vocabulary (a list/array of tokens, or a text file with one per line).

        Args:
            vocabulary: the tokens, optionally preceded by exactly the mask and OOV entries.
            idf_weights: inverse document frequencies, required in 'tf_idf' mode.
        """
        cls = type(self).__name__
        if self.output_mode == "tf_idf" and idf_weights is None:
            raise ValueError(f"{cls}: idf_weights must be set when output_mode is 'tf_idf'")
        if self.output_mode != "tf_idf" and idf_weights is not None:
            raise ValueError(f"{cls}: idf_weights is only used with output_mode='tf_idf'")
        if isinstance(vocabulary, (str, os.PathLike)):
            vocabulary = self._read_vocabulary_file(os.fspath(vocabulary))
        tokens = self._convert_tokens(vocabulary)
        if not tokens:
            raise ValueError(f"{cls}: cannot set an empty vocabulary")
        specials = [self.mask_token] * self._oov_start() + [self.oov_token] * self.num_oov_indices
        has_specials = tokens[:len(specials)] == specials
        if has_specials:
            tokens = tokens[len(specials):]
        repeated = [t for t, n in collections.Counter(tokens).items() if n > 1]
        if repeated:
            raise ValueError(f"{cls}: the vocabulary has repeated terms {repeated}; uniquify it")
        if self.mask_token is not None and self.mask_token in tokens:
            raise ValueError(f"{cls}: found the mask token {self.mask_token!r} inside the "
                             f"vocabulary; give it only at the start, in this order: {specials}")
        if self.invert and self.oov_token is not None and self.oov_token in tokens:
            raise ValueError(f"{cls}: found the OOV token {self.oov_token!r} inside the "
                             f"vocabulary; give it only at the start, in this order: {specials}")
        size = self._token_start() + len(tokens)
        if self.max_tokens is not None and size > self.max_tokens:
            raise ValueError(f"{cls}: the vocabulary size {size} is larger than max_tokens="
                             f"{self.max_tokens}")
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            self._set_idf(np.asarray(idf_weights, dtype=np.float64), len(vocabulary),
                          has_specials)

    def _read_vocabulary_file(self, path: str) -> list[Any]:
        if not os.path.isfile(path):
            raise ValueError(f"{type(self).__name__}: vocabulary file {path} does not exist")
        if self.output_mode == "tf_idf":
            raise ValueError(f"{type(self).__name__}: 'tf_idf' cannot load a vocabulary file")
        with open(path, encoding="utf-8") as handle:
            return handle.read().splitlines()

    def _set_idf(self, weights: np.ndarray, vocabulary_length: int, has_specials: bool) -> None:
        if weights.ndim != 1 or len(weights) != vocabulary_length:
            raise ValueError(f"{type(self).__name__}: idf_weights must be 1-D with one weight per "
                             f"vocabulary entry ({vocabulary_length}), received shape "
                             f"{weights.shape}")
        front = 0 if has_specials else self._token_start()
        back = 0
        if self.pad_to_max_tokens and self.max_tokens is not None:
            back = self.max_tokens - front - len(weights)
        self.idf_weights = np.pad(weights, (front, back), constant_values=(
            float(np.average(weights)), 0.0)).astype(np.float32)

    def _set_tokens(self, tokens: list[Any]) -> None:
        self._tokens = list(tokens)
        start = self._token_start()
        self._index = {token: start + i for i, token in enumerate(self._tokens)}
        self._record_size()

    def _record_size(self) -> None:
        if self.output_mode == "int" or self.pad_to_max_tokens:
            self._frozen_vocab_size = self.vocabulary_size()
            return
        size = self.vocabulary_size()
        if self.built and self._frozen_vocab_size is not None and (
                size != self._frozen_vocab_size):
            raise RuntimeError(f"{type(self).__name__}: in output_mode={self.output_mode!r} the "
                               f"vocabulary size cannot change after the layer is called "
                               f"(was {self._frozen_vocab_size}, now {size})")
        self._frozen_vocab_size = size

    def _convert_tokens(self, values: Any) -> list[Any]:
        raise NotImplementedError

    def _convert_inputs(self, inputs: Any) -> np.ndarray:
        raise NotImplementedError

    # ----------------------------------------------------------------- adapt
    def adapt(self, data: Any, steps: int | None = None) -> None:
        """Build the vocabulary from the tokens of `data` (and document frequencies for tf_idf).

        Args:
            data: an array or list of tokens, a `Dataset` of batches or any iterable of batches.
            steps: how many batches to read from a dataset or iterable (all when None).
        """
        counter = collections.Counter()
        documents = collections.Counter()
        state = {"count": 0}
        for batch in iterate_batches(data, steps):
            self._count(batch, counter, documents, state)
        self._finalize(counter, documents, state["count"])

    def _count(self, batch: Any, counter: collections.Counter, documents: collections.Counter,
               state: dict) -> None:
        if self._has_input_vocabulary:
            raise ValueError(f"{type(self).__name__} '{self.name}': cannot adapt a layer whose "
                             "vocabulary was set with `vocabulary` or set_vocabulary()")
        rows = _rows(batch, self._convert_inputs)
        for row in rows:
            counter.update(row)
        if self.output_mode == "tf_idf":
            for row in rows:
                documents.update(set(row))
            state["count"] += len(rows)

    def _finalize(self, counter: collections.Counter, documents: collections.Counter,
                  num_documents: int) -> None:
        if self._has_input_vocabulary:
            return
        for special in (self.mask_token, self.oov_token):
            counter.pop(special, None)
        # Keras sorts by (count, token) and reverses: most frequent first, ties by token, high
        # to low (bytes order for strings).
        ordered = sorted(counter.items(), key=lambda item: (item[1], _sort_key(item[0])),
                         reverse=True)
        if self.max_tokens:
            ordered = ordered[:max(self.max_tokens - self._token_start(), 0)]
        tokens = [token for token, _ in ordered]
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            counts = np.array([documents[t] for t in tokens], dtype=np.float64)
            idf = np.log(1 + num_documents / (1 + counts)).astype(np.float32)
            mean = float(np.mean(idf)) if idf.size else float("nan")
            idf = np.concatenate([np.full(self._token_start(), mean, np.float32), idf])
            if self.pad_to_max_tokens and self.max_tokens is not None:
                idf = np.pad(idf, (0, self.max_tokens - idf.size))
            self.idf_weights = idf.astype(np.float32)

    # ----------------------------------------------------------------- call
    def call(self, inputs: Any) -> torch.Tensor:
        if self.invert:
            return self._invert(inputs)
        values = self._convert_inputs(inputs)
        indices = self.lookup_indices(values)
        if self.output_mode == "int":
            return self._out(indices, torch.int64)
        return self.encode_indices(torch.as_tensor(indices))

    def lookup_indices(self, values: np.ndarray) -> np.ndarray:
        """The int64 indices of an array of tokens (mask → 0, unknown → an OOV index)."""
        out = np.empty(values.shape, dtype=np.int64)
        flat_in, flat_out = values.reshape(-1), out.reshape(-1)
        index = self._index
        mask_value = 0 if self.output_mode == "int" else np.iinfo(np.int64).max
        for i, value in enumerate(flat_in):
            found = index.get(value)
            if found is None:
                if self.mask_token is not None and value == self.mask_token:
                    found = mask_value
                else:
                    found = self._oov_index(value)
            flat_out[i] = found
        return out

    def _oov_index(self, value: Any) -> int:
        if self.num_oov_indices == 0:
            if tracing():  # a dummy batch: any in-range index serves for the shape
                return self._token_start()
            raise ValueError(f"{type(self).__name__}: with num_oov_indices=0 all inputs must be "
                             f"in the vocabulary, found the OOV value {value!r}; consider "
                             "num_oov_indices=1")
        if self.num_oov_indices == 1:
            return self._oov_start()
        if self._is_string:
            bucket = hash_bucket(value, self.num_oov_indices)
        else:
            bucket = int(value) % self.num_oov_indices
        return self._oov_start() + bucket

    def encode_indices(self, indices: torch.Tensor) -> torch.Tensor:
        """Encode lookup indices in this layer's non-'int' output_mode."""
        if self._frozen_vocab_size is None and not self.pad_to_max_tokens:
            raise RuntimeError(f"{type(self).__name__}: with output_mode={self.output_mode!r} "
                               "and pad_to_max_tokens=False, set the vocabulary (vocabulary= "
                               "or adapt) before calling the layer")
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        mode = "count" if self.output_mode == "tf_idf" else self.output_mode
        counts = encode(indices, mode, depth, torch.int64)
        if self.output_mode != "tf_idf":
            return self._out(counts, torch.int64)
        weights = torch.as_tensor(self.idf_weights, dtype=torch.float32)
        return self._out(counts.to(torch.float32) * weights, torch.float32)

    def _invert(self, inputs: Any) -> np.ndarray:
        indices = inputs.detach().cpu().numpy() if isinstance(inputs, torch.Tensor) else (
            np.asarray(inputs))
        vocabulary = self.get_vocabulary()
        out = np.empty(indices.shape, dtype=object if self._is_string else np.int64)
        flat_in, flat_out = indices.reshape(-1), out.reshape(-1)
        for i, index in enumerate(flat_in):
            index = int(index)
            if index == 0 and self.mask_token is not None:
                flat_out[i] = self.mask_token
            elif 0 <= index < len(vocabulary) and index >= self._token_start():
                flat_out[i] = vocabulary[index]
            else:
                flat_out[i] = self.oov_token
        if self._is_string:
            return out
        return self._out(out, torch.int64)

    def save_assets(self, dir_path: str) -> None:
        """Write the learned vocabulary to `dir_path/vocabulary.txt` (Keras's asset); nothing
        when the vocabulary came from the `vocabulary` argument (it is in the config)."""
        if self.input_vocabulary is not None:
            return
        with open(os.path.join(dir_path, "vocabulary.txt"), "w", encoding="utf-8") as handle:
            handle.write("\n".join(str(token) for token in self.get_vocabulary()))

    def load_assets(self, dir_path: str) -> None:
        """Set the vocabulary from `dir_path/vocabulary.txt` written by `save_assets`."""
        path = os.path.join(dir_path, "vocabulary.txt")
        if self.input_vocabulary is not None or not os.path.isfile(path):
            return
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        values = lines if self._is_string else [int(line) for line in lines]
        if self.output_mode == "tf_idf":
            raise NotImplementedError(f"{type(self).__name__}: loading a 'tf_idf' vocabulary "
                                      "from a saved model is not provided by deepfit yet")
        self._has_input_vocabulary = False
        self.set_vocabulary(values)

    def input_vocabulary_config(self) -> tuple[Any, Any]:
        """The `vocabulary` and `idf_weights` given to the constructor, as lists (or None)."""
        return tuple(value.tolist() if isinstance(value, np.ndarray) else value
                     for value in (self.input_vocabulary, self.input_idf_weights))

    def get_config(self) -> dict[str, Any]:
        vocabulary, idf = self.input_vocabulary_config()
        return {**super().get_config(), "invert": self.invert, "max_tokens": self.max_tokens,
                "num_oov_indices": self.num_oov_indices, "oov_token": self.oov_token,
                "mask_token": self.mask_token, "output_mode": self.output_mode,
                "sparse": self.sparse, "pad_to_max_tokens": self.pad_to_max_tokens,
                "vocabulary": vocabulary, "idf_weights": idf,
                "vocabulary_size": self.vocabulary_size()}


def _sort_key(token: Any) -> Any:
    return token.encode("utf-8") if isinstance(token, str) else token


def _rows(batch: Any, convert: Any) -> list[list[Any]]:
    """A batch of tokens as a list of rows (documents): rank 0/1 input is one row."""
    if isinstance(batch, strings.Ragged):
        return [list(convert(np.asarray(row, dtype=object)).reshape(-1)) for row in batch.rows]
    if isinstance(batch, list) and batch and isinstance(batch[0], (list, tuple)) and len(
            {len(row) for row in batch}) > 1:
        return [list(convert(np.asarray(row, dtype=object)).reshape(-1)) for row in batch]
    values = convert(batch)
    if values.ndim <= 1:
        return [list(values.reshape(-1))]
    return [list(row) for row in values.reshape(values.shape[0], -1)]


class StringLookup(IndexLookup):
    """Map strings to integer indices through a vocabulary (Keras's layer).

    Args:
        max_tokens: the largest vocabulary size, mask and OOV slots included.
        num_oov_indices: how many OOV slots (strings hash into them when > 1).
        mask_token: a token mapped to 0 (and a reserved vocabulary slot in 'int' mode).
        oov_token: the token returned for OOV slots by `invert=True`.
        vocabulary: a list/array of strings, or a text file path with one per line.
        idf_weights: for 'tf_idf' with a given vocabulary.
        invert: map indices back to strings.
        output_mode: 'int', 'one_hot', 'multi_hot', 'count' or 'tf_idf'.
        pad_to_max_tokens: make encoded outputs `max_tokens` wide.
        sparse: must be False.
        encoding: how bytes inputs are decoded.
    """

    _is_string = True

    def __init__(self, max_tokens: int | None = None, num_oov_indices: int = 1,
                 mask_token: str | None = None, oov_token: str = "[UNK]", vocabulary: Any = None,
                 idf_weights: Any = None, invert: bool = False, output_mode: str = "int",
                 pad_to_max_tokens: bool = False, sparse: bool = False, encoding: str = "utf-8",
                 vocabulary_dtype: str = "string", vocabulary_size: int | None = None,
                 **kwargs: Any) -> None:
        self.encoding = encoding
        kwargs["vocabulary_size"] = vocabulary_size
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode,
                         sparse=sparse, pad_to_max_tokens=pad_to_max_tokens, **kwargs)

    def _convert_tokens(self, values: Any) -> list[Any]:
        return list(strings.text_array(np.asarray(values, dtype=object), self.encoding)
                    .reshape(-1))

    def _convert_inputs(self, inputs: Any) -> np.ndarray:
        return strings.text_array(inputs, self.encoding)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "encoding": self.encoding, "vocabulary_dtype": "string"}


class IntegerLookup(IndexLookup):
    """Map integers to contiguous indices through a vocabulary (Keras's layer).

    Args:
        max_tokens: the largest vocabulary size, mask and OOV slots included.
        num_oov_indices: how many OOV slots (values go to `value % num_oov_indices`).
        mask_token: an integer mapped to 0.
        oov_token: the value returned for OOV slots by `invert=True` (default -1).
        vocabulary, idf_weights, invert, output_mode, pad_to_max_tokens, sparse: as for
            `StringLookup`.
    """

    _is_string = False

    def __init__(self, max_tokens: int | None = None, num_oov_indices: int = 1,
                 mask_token: int | None = None, oov_token: int = -1, vocabulary: Any = None,
                 vocabulary_dtype: str = "int64", idf_weights: Any = None, invert: bool = False,
                 output_mode: str = "int", sparse: bool = False, pad_to_max_tokens: bool = False,
                 vocabulary_size: int | None = None, **kwargs: Any) -> None:
        kwargs["vocabulary_size"] = vocabulary_size
        if max_tokens is not None and max_tokens <= 0:
            raise ValueError(f"IntegerLookup: max_tokens must be positive, received {max_tokens}")
        if num_oov_indices < 0:
            raise ValueError("IntegerLookup: num_oov_indices must be >= 0, received "
                             f"{num_oov_indices}")
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode,
                         sparse=sparse, pad_to_max_tokens=pad_to_max_tokens, **kwargs)

    def _convert_tokens(self, values: Any) -> list[Any]:
        return [int(v) for v in np.asarray(values).reshape(-1)]

    def _convert_inputs(self, inputs: Any) -> np.ndarray:
        if isinstance(inputs, torch.Tensor):
            inputs = inputs.detach().cpu().numpy()
        array = np.asarray(inputs)
        if array.dtype.kind not in "iub":
            raise ValueError(f"IntegerLookup: expected integer inputs, received dtype "
                             f"{array.dtype}")
        return array.astype(np.int64).astype(object)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "vocabulary_dtype": "int64"}
