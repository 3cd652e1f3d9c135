"""MultiHeadAttention over chosen axes (`attention_axes`), as Keras computes it.

The projected query, key and value are `(B, *inner, heads, size)`. The inner axes that are not
attention axes act as batch axes, so the scores are `(B, *other inner, heads, *query attention
axes, *key attention axes)` — Keras's layout, the attention axes in the order given — and the
softmax runs over the key attention axes jointly. Masks follow Keras's rules: the automatic mask
is built from the unflattened input masks (query `(..., 1)`, value and key `(..., 1, S)`, causal
`(1, T, S)` over the first inner axis), then gains axes in front of the attention axes until it
has the scores' rank.

Example:
    >>> attention_equations(5, (2,))
    ('abfde,abcde->abdcf', 'abdcf,abfde->abcde', 5)
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from typing import Any

import torch

from deepfit.ops import numpy_bridge


def normalize_axes(axes: Sequence[int], input_rank: int, layer: str) -> tuple[int, ...]:
    """`axes` with negative entries counted from the input's end (Keras's rule), checked to be
    inner axes (neither the batch nor the features axis) of an input of `input_rank`."""
    found = tuple(axis if axis >= 0 else input_rank + axis for axis in axes)
    if not found or any(not 1 <= axis < input_rank - 1 for axis in found) or (
            len(set(found)) != len(found)):
        raise ValueError(f"{layer}: attention_axes must name distinct axes between the batch "
                         f"axis and the features axis of inputs of rank {input_rank}, i.e. in "
                         f"[1, {input_rank - 2}] (or negative); received "
                         f"attention_axes={tuple(axes)}")
    return found


def attention_equations(rank: int, axes: tuple[int, ...]) -> tuple[str, str, int]:
    """The einsum equations of the scores (key, query -> scores) and of the combination
    (scores, value -> output) for projected tensors of `rank`, and the scores' rank."""
    letters = string.ascii_lowercase
    target = letters[:rank]
    batch = [i for i in range(rank - 1) if i not in axes]  # the heads axis is one of them
    source = list(target)
    fresh = iter(letters[rank:])
    for i in range(rank - 1):
        if i in axes:
            source[i] = next(fresh)
    source_notation = "".join(source)
    product = "".join([target[i] for i in batch] + [target[i] for i in axes]
                      + [source[i] for i in axes])
    return (f"{source_notation},{target}->{product}", f"{product},{source_notation}->{target}",
            len(product))


def automatic_mask(query: torch.Tensor, query_mask: Any, value_mask: Any, key_mask: Any,
                   attention_mask: Any, bands: Sequence[torch.Tensor]) -> torch.Tensor | None:
    """Keras's `_compute_attention_mask`: the AND of the query mask `(..., T, 1)`, the value and
    key masks `(..., 1, S)`, the `bands` (causal, sliding window: `(1, T, S)`) and the given
    `attention_mask`; None when there is none."""
    found = None
    parts = [None if query_mask is None else _bool(query_mask, query).unsqueeze(-1),
             None if value_mask is None else _bool(value_mask, query).unsqueeze(-2),
             None if key_mask is None else _bool(key_mask, query).unsqueeze(-2), *bands]
    for part in parts:
        if part is not None:
            found = part if found is None else found & part
    if attention_mask is not None:
        given = _bool(attention_mask, query)
        found = given if found is None else given & found
    return found


def expand_mask(mask: torch.Tensor, scores_rank: int, attention_axes: int,
                layer: str) -> torch.Tensor:
    """`mask` with axes added in front of its attention axes (where the heads and the other
    inner axes go) until it has the scores' rank, as Keras's `_masked_softmax` does."""
    position = -2 * attention_axes - 1
    if mask.dim() < scores_rank and mask.dim() + 1 < -position:
        raise ValueError(f"MultiHeadAttention '{layer}': an attention mask of shape "
                         f"{tuple(mask.shape)} cannot cover {attention_axes} query and "
                         f"{attention_axes} key attention axes; give an attention_mask of "
                         f"rank at least {2 * attention_axes}")
    while mask.dim() < scores_rank:
        mask = mask.unsqueeze(position)
    return mask


def check_broadcast(mask: torch.Tensor, scores: torch.Tensor, layer: str) -> None:
    """A ValueError (Keras's Softmax check) when the expanded mask cannot cover the scores: the
    causal and sliding-window masks span the first inner axis, which must then be an attention
    axis."""
    for mask_size, size in zip(mask.shape[::-1], scores.shape[::-1]):
        if mask_size not in (1, size):
            raise ValueError(f"MultiHeadAttention '{layer}': the attention mask (shape "
                             f"{tuple(mask.shape)} after expansion) does not broadcast to the "
                             f"attention scores of shape {tuple(scores.shape)}; a causal or "
                             f"sliding-window mask needs axis 1 among the attention_axes")


def _bool(mask: Any, like: torch.Tensor) -> torch.Tensor:
    return numpy_bridge.as_tensor(mask, device=like.device).bool()
