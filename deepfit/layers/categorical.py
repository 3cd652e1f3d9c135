"""Categorical preprocessing layers with Keras 3's semantics: CategoryEncoding, Hashing and
Discretization, and the encoding (one_hot / multi_hot / count) shared with the lookup layers.

These layers take integer, float or string inputs — strings as NumPy arrays, since torch has no
string tensors — and return torch tensors. They work inside models (`Input(dtype="string")`) and
in `Dataset.map`.

Example:
    >>> layer = CategoryEncoding(num_tokens=4, output_mode="multi_hot")
    >>> layer([[0, 1], [0, 0], [1, 2], [3, 1]]).tolist()
    [[1.0, 1.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 1.0, 0.0], [0.0, 1.0, 0.0, 1.0]]
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import torch

from deepfit.data import strings
from deepfit.data.fingerprint import hash_bucket
from deepfit.layers.layer import Layer
from deepfit.ops import numpy_bridge

ENCODING_MODES = ("one_hot", "multi_hot", "count")


class TextInputLayer(Layer):
    """Base of the preprocessing layers that accept text (NumPy string arrays reach every
    layer's `call` untouched) or integers, which keep their dtype (no float cast)."""

    autocast_inputs = False

    def _out(self, array: np.ndarray | torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        tensor = numpy_bridge.as_tensor(array) if not isinstance(array, torch.Tensor) else array
        return tensor.to(device=self._device(), dtype=dtype)


def check_choice(layer: str, name: str, value: Any, choices: Iterable[str]) -> str:
    """`value` if it is one of `choices`, else a ValueError naming the layer and argument."""
    choices = tuple(choices)
    if value not in choices:
        raise ValueError(f"{layer}: {name} must be one of {list(choices)}, received {value!r}")
    return value


def encode(indices: torch.Tensor, output_mode: str, depth: int, dtype: torch.dtype,
           count_weights: torch.Tensor | None = None) -> torch.Tensor:
    """Keras's categorical encoding of integer `indices` into `depth` slots.

    Args:
        indices: an integer tensor; values outside `[0, depth)` are dropped.
        output_mode: 'one_hot' (a vector per value; a trailing axis of 1 is replaced),
            'multi_hot' or 'count' (one vector per row of the last axis; rank-1 input is one row).
        depth: the number of slots.
        dtype: the output dtype (count_weights' dtype wins in 'count' mode).
        count_weights: weights summed instead of ones in 'count' mode, same shape as `indices`.

    Returns:
        The encoded tensor.
    """
    indices = indices.long()
    if indices.dim() == 0:
        indices = indices.reshape(1)
    valid = (indices >= 0) & (indices < depth)
    safe = torch.where(valid, indices, torch.zeros_like(indices))
    if output_mode == "one_hot":
        if indices.dim() > 1 and indices.shape[-1] == 1:
            safe, valid = safe.squeeze(-1), valid.squeeze(-1)
        hot = torch.nn.functional.one_hot(safe, depth) * valid.unsqueeze(-1)
        return hot.to(dtype)
    rows = safe if safe.dim() > 1 else safe.unsqueeze(0)
    row_valid = valid if valid.dim() > 1 else valid.unsqueeze(0)
    flat = rows.reshape(-1, rows.shape[-1])
    weights = row_valid.reshape(-1, rows.shape[-1]).to(torch.float64)
    if count_weights is not None and output_mode == "count":
        weights = weights * count_weights.reshape(-1, rows.shape[-1]).to(torch.float64)
        dtype = count_weights.dtype
    out = torch.zeros(flat.shape[0], depth, dtype=torch.float64, device=flat.device)
    out.scatter_add_(1, flat, weights)
    if output_mode == "multi_hot":
        out = (out != 0).to(torch.float64)
    out = out.reshape(*rows.shape[:-1], depth)
    if indices.dim() == 1:
        out = out[0]
    return out.to(dtype)


class CategoryEncoding(TextInputLayer):
    """Encode integer categories as one-hot, multi-hot or count vectors (Keras's layer).

    Args:
        num_tokens: the number of categories; inputs must lie in `[0, num_tokens)`.
        output_mode: 'multi_hot' (default), 'one_hot' or 'count'.
        sparse: must be False (torch outputs are dense).

    Example:
        >>> CategoryEncoding(num_tokens=4, output_mode="one_hot")([3, 2, 0, 1]).shape
        torch.Size([4, 4])
    """

    def __init__(self, num_tokens: int | None = None, output_mode: str = "multi_hot",
                 sparse: bool = False, **kwargs: Any) -> None:
        kwargs.pop("dtype", None)
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        check_choice("CategoryEncoding", "output_mode", output_mode, ENCODING_MODES)
        if num_tokens is None or isinstance(num_tokens, bool) or int(num_tokens) < 1:
            raise ValueError(f"CategoryEncoding: num_tokens must be a positive int, received "
                             f"{num_tokens!r}")
        _refuse_sparse("CategoryEncoding", sparse)
        self.num_tokens = int(num_tokens)
        self.output_mode = output_mode
        self.sparse = False

    def call(self, inputs: Any, count_weights: Any = None) -> torch.Tensor:
        if count_weights is not None and self.output_mode != "count":
            raise ValueError("CategoryEncoding: count_weights is only used when output_mode is "
                             f"'count', received output_mode={self.output_mode!r}")
        indices = numpy_bridge.as_tensor(np.asarray(inputs)) if not isinstance(
            inputs, torch.Tensor) else inputs
        if indices.is_floating_point():
            indices = indices.long()
        weights = None if count_weights is None else numpy_bridge.as_tensor(
            np.asarray(count_weights, dtype=np.float32)).to(indices.device)
        return self._out(encode(indices, self.output_mode, self.num_tokens, torch.float32,
                                weights), torch.float32)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "num_tokens": self.num_tokens,
                "output_mode": self.output_mode, "sparse": self.sparse}


class Hashing(TextInputLayer):
    """Hash strings or integers into `num_bins` bins with TensorFlow's hashes (Keras's layer).

    Args:
        num_bins: the number of bins (including the mask bin when `mask_value` is set).
        mask_value: a value that always goes to bin 0.
        salt: an int or a pair of ints: use the keyed SipHash instead of FarmHash.
        output_mode: 'int' (default), 'one_hot', 'multi_hot' or 'count'.
        sparse: must be False.

    Example:
        >>> Hashing(num_bins=3)([["A"], ["B"], ["C"], ["D"], ["E"]]).flatten().tolist()
        [1, 0, 1, 1, 2]
    """

    def __init__(self, num_bins: int, mask_value: Any = None, salt: Any = None,
                 output_mode: str = "int", sparse: bool = False, **kwargs: Any) -> None:
        kwargs.pop("dtype", None)
        super().__init__(**kwargs)
        if num_bins is None or isinstance(num_bins, bool) or int(num_bins) <= 0:
            raise ValueError(f"Hashing: num_bins must be a positive int, received {num_bins!r}")
        check_choice("Hashing", "output_mode", output_mode, ("int", *ENCODING_MODES))
        _refuse_sparse("Hashing", sparse)
        if salt is not None:
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                salt = [int(salt[0]), int(salt[1])]
            elif isinstance(salt, (int, np.integer)) and not isinstance(salt, bool):
                salt = [int(salt), int(salt)]
            else:
                raise ValueError(f"Hashing: salt must be an int or a pair of ints, received "
                                 f"{salt!r}")
        self.num_bins = int(num_bins)
        self.mask_value = mask_value
        self.salt = salt
        self.output_mode = output_mode
        self.sparse = False

    def call(self, inputs: Any) -> torch.Tensor:
        values = inputs.detach().cpu().numpy() if isinstance(inputs, torch.Tensor) else (
            np.asarray(inputs))
        bins = self._bins(values)
        if self.output_mode == "int":
            return self._out(bins, torch.int64)
        return self._out(encode(numpy_bridge.as_tensor(bins), self.output_mode, self.num_bins,
                                torch.float32), torch.float32)

    def _bins(self, values: np.ndarray) -> np.ndarray:
        buckets = self.num_bins
        masked = None
        if self.mask_value is not None and buckets > 1:
            buckets -= 1
            masked = values == self.mask_value
        if values.dtype.kind == "f":
            values = values.astype(np.int64)
        if values.dtype.kind in "iub":
            texts = np.vectorize(str, otypes=[object])(values) if values.size else values
        else:
            texts = strings.text_array(values)
        key = tuple(self.salt) if self.salt is not None else None
        bins = np.zeros(texts.shape, dtype=np.int64)
        flat_in, flat_out = texts.reshape(-1), bins.reshape(-1)
        for i, text in enumerate(flat_in):
            flat_out[i] = hash_bucket(text, buckets, key)
        if masked is not None:
            bins = np.where(masked, 0, bins + 1)
        return bins

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "num_bins": self.num_bins, "salt": self.salt,
                "mask_value": self.mask_value, "output_mode": self.output_mode,
                "sparse": self.sparse}


class Discretization(TextInputLayer):
    """Bucket numbers by boundaries, given or learned from quantiles by `adapt` (Keras's layer).

    Args:
        bin_boundaries: sorted boundaries; bucket i holds `boundaries[i-1] <= x < boundaries[i]`.
        num_bins: the number of bins to learn with `adapt` (instead of `bin_boundaries`).
        epsilon: the quantile error tolerance of `adapt`.
        output_mode: 'int' (default), 'one_hot', 'multi_hot' or 'count'.
        sparse: must be False.

    Example:
        >>> Discretization(bin_boundaries=[0.0, 1.0, 2.0])([[-1.5, 1.0, 3.4, 0.5]]).tolist()
        [[0, 2, 3, 1]]
    """

    def __init__(self, bin_boundaries: Any = None, num_bins: int | None = None,
                 epsilon: float = 0.01, output_mode: str = "int", sparse: bool = False,
                 **kwargs: Any) -> None:
        kwargs.pop("dtype", None)
        super().__init__(**kwargs)
        check_choice("Discretization", "output_mode", output_mode, ("int", *ENCODING_MODES))
        _refuse_sparse("Discretization", sparse)
        if num_bins is not None and num_bins < 0:
            raise ValueError(f"Discretization: num_bins must be >= 0, received {num_bins!r}")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError("Discretization: give either num_bins or bin_boundaries, not both; "
                             f"received num_bins={num_bins} and bin_boundaries={bin_boundaries}")
        if num_bins is None and bin_boundaries is None:
            raise ValueError("Discretization: give either num_bins or bin_boundaries")
        self.bin_boundaries = None if bin_boundaries is None else [float(b) for b in
                                                                    bin_boundaries]
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.output_mode = output_mode
        self.sparse = False
        self._summary = _empty_summary()

    def adapt(self, data: Any, steps: int | None = None) -> None:
        """Learn `num_bins - 1` boundaries from approximate quantiles of `data`.

        Args:
            data: an array, a `Dataset` of batches, or any iterable of batches.
            steps: how many batches to read from a dataset or iterable (all when None).
        """
        if self.num_bins is None:
            raise ValueError("Discretization: cannot adapt a layer built with bin_boundaries; "
                             "use num_bins instead")
        self._summary = _empty_summary()
        for batch in iterate_batches(data, steps):
            values = np.asarray(_plain(batch)).astype("float32")
            self._summary = _merge(_summarize(values, self.epsilon), self._summary, self.epsilon)
        self.bin_boundaries = _compress(self._summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def call(self, inputs: Any) -> torch.Tensor:
        if self.bin_boundaries is None:
            raise ValueError("Discretization: pass bin_boundaries or call adapt() before using "
                             "the layer")
        values = numpy_bridge.as_tensor(np.asarray(inputs)) if not isinstance(
            inputs, torch.Tensor) else inputs
        boundaries = torch.tensor(self.bin_boundaries, dtype=torch.float64,
                                  device=values.device)
        indices = torch.bucketize(values.to(torch.float64), boundaries, right=True)
        if self.output_mode == "int":
            return self._out(indices, torch.int32)
        depth = len(self.bin_boundaries) + 1
        return self._out(encode(indices, self.output_mode, depth, torch.float32), torch.float32)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "bin_boundaries": self.bin_boundaries,
                "num_bins": self.num_bins, "epsilon": self.epsilon,
                "output_mode": self.output_mode, "sparse": self.sparse}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Discretization:
        config = dict(config)
        boundaries = config.get("bin_boundaries")
        if boundaries is not None and config.get("num_bins") is not None:
            config.pop("bin_boundaries")
            layer = super().from_config(config)
            layer.bin_boundaries = list(boundaries)
            return layer
        return super().from_config(config)


def _refuse_sparse(layer: str, sparse: bool) -> None:
    if sparse:
        raise ValueError(f"{layer}: sparse=True is not supported (torch outputs are dense); "
                         "use sparse=False")


def _plain(batch: Any) -> Any:
    if isinstance(batch, torch.Tensor):
        return batch.detach().cpu().numpy()
    if isinstance(batch, tuple):
        return batch[0]  # (x, y) elements: adapt reads the features
    return batch


def iterate_batches(data: Any, steps: int | None) -> Iterable[Any]:
    """What `adapt` reads: one batch for an array or list, else the batches of an iterable."""
    if isinstance(data, (list, tuple, np.ndarray, torch.Tensor, str)):
        yield data
        return
    if not hasattr(data, "__iter__"):
        raise TypeError(f"adapt: expected an array, a list, a Dataset or an iterable of batches, "
                        f"received {type(data).__name__}")
    for i, batch in enumerate(data):
        if steps is not None and i >= steps:
            break
        yield _plain(batch)


# Approximate quantiles as Keras computes them: each batch is reduced to a weighted summary of
# about 1/epsilon points, summaries are merged and compressed, and the boundaries are read off the
# cumulative weights.
def _empty_summary() -> np.ndarray:
    return np.array([[], []], dtype="float32")


def _summarize(values: np.ndarray, epsilon: float) -> np.ndarray:
    values = np.sort(values.reshape(-1))
    step = max(values.size / (1.0 / epsilon), 1)
    picked = values[int(step - 1)::int(step)]
    return np.stack([picked, np.ones_like(picked) * step])


def _merge(first: np.ndarray, second: np.ndarray, epsilon: float) -> np.ndarray:
    merged = np.concatenate((first, second), axis=1)
    merged = np.take(merged, np.argsort(merged[0]), axis=1)
    return _compress(merged, epsilon)


def _compress(summary: np.ndarray, epsilon: float) -> np.ndarray:
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cumulative = summary[1].cumsum()
    fractions = cumulative / cumulative[-1]
    bins = np.interp(percents, fractions, summary[0])
    cumulative = np.interp(percents, fractions, cumulative)
    weights = cumulative - np.concatenate((np.array([0]), cumulative[:-1]))
    return np.stack((bins, weights)).astype("float32")
