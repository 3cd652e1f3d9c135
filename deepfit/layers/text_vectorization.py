"""`TextVectorization`: strings → token indices or bag-of-words vectors, with Keras 3's semantics.

Each string is standardized ('lower_and_strip_punctuation' by default: ASCII lowercasing and
removal of ASCII punctuation, as TensorFlow does), split (on ASCII whitespace, into characters,
or by a callable), optionally turned into n-grams, and looked up in a vocabulary learned by
`adapt` (most frequent first; ties by token, high to low). Index 0 is padding (''), 1 is OOV.

Inputs are NumPy arrays (or lists) of strings of shape `(batch,)` or `(batch, 1)`; outputs are
torch tensors: int64 `(batch, sequence_length)` in 'int' mode, int64 multi_hot/count and float32
tf_idf `(batch, vocabulary_size)` otherwise.

Example:
    >>> layer = TextVectorization(output_sequence_length=4)
    >>> layer.adapt(["The cat sat.", "The dog!"])
    >>> layer.get_vocabulary()
    ['', '[UNK]', 'the', 'sat', 'dog', 'cat']
    >>> layer(["the bird sat"]).tolist()
    [[2, 1, 3, 0]]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from deepfit.data import strings
from deepfit.layers.categorical import TextInputLayer, iterate_batches
from deepfit.layers.lookup import StringLookup

_STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
_SPLIT = ("whitespace", "character")
_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


class TextVectorization(TextInputLayer):
    """Turn strings into sequences of token indices or into token-count vectors (Keras's layer).

    Args:
        max_tokens: the largest vocabulary size, padding and OOV included.
        standardize: 'lower_and_strip_punctuation' (default), 'lower', 'strip_punctuation',
            None, or a callable on a NumPy array of strings returning one of the same shape
            (`tf.strings` functions work on it under `deepfit run`).
        split: 'whitespace' (default), 'character', None, or a callable from a rank-1 array of
            strings to a list (or `Ragged`) of token lists.
        ngrams: None, an int n (all 1..n-grams) or a tuple of widths.
        output_mode: 'int' (default), 'multi_hot', 'count', 'tf_idf' or 'one_hot'.
        output_sequence_length: in 'int' mode, pad or truncate every sequence to this length.
        pad_to_max_tokens: make bag-of-words outputs `max_tokens` wide.
        vocabulary: a list of tokens or a file path, instead of `adapt`.
        idf_weights: with `vocabulary` in 'tf_idf' mode.
        sparse, ragged: must be False.
        encoding: how bytes inputs are decoded.
        vocabulary_size: the size recorded in a saved config (Keras's key; informational).
    """

    def __init__(self, max_tokens: int | None = None,
                 standardize: str | Callable | None = "lower_and_strip_punctuation",
                 split: str | Callable | None = "whitespace", ngrams: int | tuple | None = None,
                 output_mode: str = "int", output_sequence_length: int | None = None,
                 pad_to_max_tokens: bool = False, vocabulary: Any = None, idf_weights: Any = None,
                 sparse: bool = False, ragged: bool = False, encoding: str = "utf-8",
                 vocabulary_size: int | None = None, **kwargs: Any) -> None:
        has_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        kwargs.pop("dtype", None)
        super().__init__(**kwargs)
        _check_option("standardize", standardize, _STANDARDIZE)
        _check_option("split", split, _SPLIT)
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        if output_mode not in _MODES:
            raise ValueError(f"TextVectorization: output_mode must be one of {list(_MODES)}, "
                             f"received {output_mode!r}")
        if not (ngrams is None or _is_int(ngrams) or (
                isinstance(ngrams, tuple) and all(_is_int(n) for n in ngrams))):
            raise ValueError(f"TextVectorization: ngrams must be None, an int or a tuple of ints, "
                             f"received {ngrams!r}")
        if output_mode == "int" and not (output_sequence_length is None or _is_int(
                output_sequence_length)):
            raise ValueError("TextVectorization: output_sequence_length must be None or an int, "
                             f"received {output_sequence_length!r}")
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError("TextVectorization: output_sequence_length must not be set when "
                             f"output_mode is not 'int' (received {output_sequence_length})")
        if sparse or ragged:
            raise ValueError("TextVectorization: sparse=True and ragged=True are not supported "
                             "(torch has no ragged tensors); pad with output_sequence_length")
        self._standardize = standardize
        self._split = split
        self._ngrams_arg = ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if _is_int(ngrams) else self._ngrams_arg
        self._output_mode = output_mode
        self._output_sequence_length = output_sequence_length
        self._encoding = encoding
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens, mask_token="", output_mode=output_mode,
            has_input_vocabulary=has_vocabulary, vocabulary_size=vocabulary_size,
            encoding=encoding, name=f"{self.name}_lookup")

    # ----------------------------------------------------------------- vocabulary
    def adapt(self, data: Any, batch_size: int | None = None, steps: int | None = None) -> None:
        """Learn the vocabulary (and IDF weights in 'tf_idf' mode) from `data`.

        Args:
            data: a list or array of strings, a `Dataset` of string batches (or of `(text,
                label)` pairs: the text is used), or any iterable of batches.
            batch_size: unused (Keras compatibility).
            steps: how many batches of a dataset or iterable to read (all when None).
        """
        import collections

        lookup = self._lookup_layer
        counter, documents, state = collections.Counter(), collections.Counter(), {"count": 0}
        for batch in iterate_batches(data, steps):
            lookup._count(self._preprocess(batch), counter, documents, state)
        lookup._finalize(counter, documents, state["count"])

    def get_vocabulary(self, include_special_tokens: bool = True) -> list[str]:
        """The vocabulary: '' (padding) and '[UNK]' first when `include_special_tokens`."""
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def set_vocabulary(self, vocabulary: Any, idf_weights: Any = None) -> None:
        """Replace the vocabulary (and IDF weights in 'tf_idf' mode)."""
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    def vocabulary_size(self) -> int:
        """The vocabulary size, padding and OOV included."""
        return self._lookup_layer.vocabulary_size()

    def save_assets(self, dir_path: str) -> None:
        """Write the learned vocabulary to `dir_path/vocabulary.txt` (Keras's asset)."""
        self._lookup_layer.save_assets(dir_path)

    def load_assets(self, dir_path: str) -> None:
        """Set the vocabulary saved by `save_assets`."""
        self._lookup_layer.load_assets(dir_path)

    # ----------------------------------------------------------------- tokenizing
    def _preprocess(self, inputs: Any) -> Any:
        """Standardize, split and n-gram: an array (split=None) or a `Ragged` of tokens."""
        if isinstance(inputs, torch.Tensor):
            raise TypeError(f"TextVectorization '{self.name}': expected strings, received a "
                            f"torch tensor of dtype {inputs.dtype}")
        texts = strings.text_array(inputs, self._encoding)
        texts = self._standardized(texts)
        if self._split is None:
            return texts
        if texts.ndim > 1:
            if texts.shape[-1] != 1:
                raise ValueError(
                    f"TextVectorization '{self.name}': to split strings the input must have rank "
                    f"1 or a last dimension of 1, received shape {texts.shape}")
            texts = texts.reshape(texts.shape[:-1])
        single = texts.ndim == 0
        rows = self._split_rows(texts.reshape(-1))
        if self._ngrams is not None:
            rows = [strings.ngrams(row, self._ngrams) for row in rows]
        return strings.Ragged([rows[0]]) if single else strings.Ragged(rows)

    def _standardized(self, texts: np.ndarray) -> np.ndarray:
        mode = self._standardize
        if mode in ("lower", "lower_and_strip_punctuation"):
            texts = strings.lower(texts)
        if mode in ("strip_punctuation", "lower_and_strip_punctuation"):
            texts = strings.strip_punctuation(texts)
        if callable(mode):
            texts = strings.text_array(_plain_strings(mode(texts)))
        return texts

    def _split_rows(self, texts: np.ndarray) -> list[list[str]]:
        if self._split == "whitespace":
            return [strings.whitespace_tokens(text) for text in texts]
        if self._split == "character":
            return [strings.character_tokens(text) for text in texts]
        result = self._split(texts)
        if isinstance(result, strings.Ragged):
            return [[str(t) for t in row] for row in result.to_list()]
        return [[_as_str(t) for t in np.asarray(row, dtype=object).reshape(-1)]
                for row in result]

    # ----------------------------------------------------------------- call
    def call(self, inputs: Any) -> torch.Tensor:
        tokens = self._preprocess(inputs)
        lookup = self._lookup_layer
        if isinstance(tokens, strings.Ragged):
            rows = [lookup.lookup_indices(np.asarray(row, dtype=object).reshape(-1))
                    for row in tokens.rows]
            if self._output_mode != "int":
                return self._encode_rows(rows)
            return self._out(self._pad(rows), torch.int64)
        indices = lookup.lookup_indices(tokens)
        if self._output_mode == "int":
            return self._out(indices, torch.int64)
        return lookup.encode_indices(torch.as_tensor(indices)).to(self._device())

    def _pad(self, rows: list[np.ndarray]) -> np.ndarray:
        width = self._output_sequence_length
        if width is None:
            width = max((len(row) for row in rows), default=0)
        dense = np.zeros((len(rows), width), dtype=np.int64)
        for i, row in enumerate(rows):
            row = row[:width]
            dense[i, :len(row)] = row
        return dense

    def _encode_rows(self, rows: list[np.ndarray]) -> torch.Tensor:
        lookup = self._lookup_layer
        width = max((len(row) for row in rows), default=0)
        # Pad with an index past the vocabulary: encode() drops it.
        filler = np.iinfo(np.int64).max
        dense = np.full((len(rows), max(width, 1)), filler, dtype=np.int64)
        for i, row in enumerate(rows):
            dense[i, :len(row)] = row
        return lookup.encode_indices(torch.as_tensor(dense)).to(self._device())

    def get_config(self) -> dict[str, Any]:
        lookup = self._lookup_layer
        vocabulary, idf = lookup.input_vocabulary_config()
        return {**super().get_config(), "max_tokens": lookup.max_tokens,
                "standardize": self._standardize, "split": self._split,
                "ngrams": self._ngrams_arg, "output_mode": self._output_mode,
                "output_sequence_length": self._output_sequence_length,
                "pad_to_max_tokens": lookup.pad_to_max_tokens, "sparse": False, "ragged": False,
                "vocabulary": vocabulary, "idf_weights": idf, "encoding": self._encoding,
                "vocabulary_size": self.vocabulary_size()}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> TextVectorization:
        config = dict(config)
        if isinstance(config.get("ngrams"), list):
            config["ngrams"] = tuple(config["ngrams"])
        return super().from_config(config)


def _check_option(name: str, value: Any, choices: tuple[str, ...]) -> None:
    if value is None or callable(value) or value in choices:
        return
    raise ValueError(f"TextVectorization: {name} must be one of {list(choices)}, None or a "
                     f"callable, received {value!r}")


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _as_str(token: Any) -> str:
    return token.decode("utf-8") if isinstance(token, (bytes, np.bytes_)) else str(token)


def _plain_strings(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        raise TypeError("TextVectorization: the standardize callable returned a torch tensor; "
                        "it must return strings")
    numpy = getattr(value, "numpy", None)
    return numpy() if callable(numpy) and not isinstance(value, np.ndarray) else value
