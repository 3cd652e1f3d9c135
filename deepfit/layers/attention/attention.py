"""Attention (Luong-style, dot product) and the shared machinery of AdditiveAttention, as Keras's
layers: the inputs are a list `[query, value]` or `[query, value, key]`, the masks a list
`[query_mask, value_mask]`.

Scores `(B, Tq, Tv)` come from `query` and `key`; masked keys (the value mask, and the causal
mask) get `1e9` (65504 in float16) *subtracted* from their scores before the softmax, as Keras
does, so a row whose keys are all masked still attends; the softmax weights (after dropout while
training) combine `value`, and positions where the query mask is False output 0.

Example:
    >>> query, value = torch.randn(2, 3, 4), torch.randn(2, 5, 4)
    >>> Attention()([query, value]).shape
    torch.Size([2, 3, 4])
"""

from __future__ import annotations

from typing import Any

import torch

from deepfit.backend.dropout_mask import keep_mask
from deepfit.layers.layer import Layer
from deepfit.layers.noise import _rate_in_unit_interval
from deepfit.ops import numpy_bridge

_SCORE_MODES = ("dot", "concat")


class Attention(Layer):
    """Dot-product attention: `softmax(query @ key^T) @ value`.

    Args:
        use_scale: learn a scalar `scale` that multiplies the scores.
        score_mode: 'dot' (the query-key dot product) or 'concat' (the sum over features of
            `tanh(query + key)`, times a learned scalar `concat_score_weight`).
        dropout: the fraction of attention weights to drop while training.
        seed: accepted for Keras compatibility; use `deepfit.utils.set_random_seed`.

    Call arguments:
        inputs: `[query (B, Tq, dim), value (B, Tv, dim)]`, optionally with a third `key
            (B, Tv, dim)` (default: `value`).
        mask: `[query_mask (B, Tq), value_mask (B, Tv)]`, each optional (default: the inputs'
            own masks).
        return_attention_scores: also return the attention weights `(B, Tq, Tv)`.
        training: apply the dropout.
        use_causal_mask: query position `i` attends only to keys `j <= i`.

    Returns:
        The attended values `(B, Tq, value_dim)`, and the weights when asked for.

    Example:
        >>> layer = Attention(use_scale=True)
        >>> out, weights = layer([torch.randn(1, 2, 3), torch.randn(1, 4, 3)],
        ...                      return_attention_scores=True)
        >>> tuple(weights.shape)
        (1, 2, 4)
    """

    supports_masking = True

    def __init__(self, use_scale: bool = False, score_mode: str = "dot", dropout: float = 0.0,
                 seed: int | None = None, **kwargs: Any) -> None:
        if score_mode not in _SCORE_MODES:
            raise ValueError(f"Invalid value for argument score_mode. Expected one of "
                             f"{{'dot', 'concat'}}. Received: score_mode={score_mode!r} "
                             f"({type(self).__name__})")
        dropout = _rate_in_unit_interval(type(self).__name__, dropout)
        super().__init__(**kwargs)
        self.use_scale = bool(use_scale)
        self.score_mode = score_mode
        self.dropout = dropout
        self.seed = seed
        self.register_parameter("scale", None)
        self.register_parameter("concat_score_weight", None)

    # ------------------------------------------------------------------ building
    def build(self, input_shape: Any) -> None:
        _check_inputs(self, input_shape)
        if self.use_scale:
            self.add_weight("scale", (), "ones")
        if self.score_mode == "concat":
            self.add_weight("concat_score_weight", (), "ones")
        self.built = True  # a later call must not build again (Keras's explicit `build`)

    # ------------------------------------------------------------------ calling
    def call(self, inputs: Any, mask: Any = None, training: bool | None = None,
             return_attention_scores: bool = False, use_causal_mask: bool = False) -> Any:
        _check_inputs(self, inputs, mask)
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        query_mask, value_mask = (None, None) if not mask else (mask[0], mask[1])
        scores = self._scores(query, key)
        scores_mask = _scores_mask(scores, _as_mask(value_mask, scores), use_causal_mask)
        if scores_mask is not None:
            # Keras subtracts (rather than fills): a fully masked row keeps its distribution
            reduction = 65504.0 if scores.dtype == torch.float16 else 1.0e9
            scores = torch.where(scores_mask, scores, scores - reduction)
        weights = torch.softmax(scores, dim=-1)
        if training and self.dropout > 0:
            weights = _dropped(weights, self.dropout)
        outputs = torch.matmul(weights, value)
        query_mask = _as_mask(query_mask, outputs)
        if query_mask is not None:
            outputs = torch.where(query_mask.unsqueeze(-1), outputs,
                                  torch.zeros((), dtype=outputs.dtype, device=outputs.device))
        if return_attention_scores:
            return outputs, weights
        return outputs

    def _scores(self, query: torch.Tensor, key: torch.Tensor) -> torch.Tensor:
        """`(B, Tq, Tv)` scores of each query against each key."""
        if self.score_mode == "dot":
            scores = torch.matmul(query, key.transpose(-2, -1))
            return scores * self.scale if self.scale is not None else scores
        summed = query.unsqueeze(-2) + key.unsqueeze(-3)
        if self.scale is not None:
            summed = self.scale * summed
        return self.concat_score_weight * torch.tanh(summed).sum(dim=-1)

    def compute_mask(self, inputs: Any, previous_mask: Any = None) -> Any:
        _check_inputs(self, inputs, previous_mask)
        if not previous_mask or previous_mask[0] is None:
            return None
        return numpy_bridge.as_tensor(previous_mask[0])

    def compute_output_shape(self, input_shape: Any) -> tuple:
        return (*tuple(input_shape[0])[:-1], input_shape[1][-1])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "use_scale": self.use_scale,
                "score_mode": self.score_mode, "dropout": self.dropout, "seed": self.seed}


def _check_inputs(layer: Layer, inputs: Any, mask: Any = None) -> None:
    """Keras's checks of the call's structure: a list of 2 or 3 inputs, and of 2 or 3 masks."""
    name = type(layer).__name__
    if not isinstance(inputs, (list, tuple)):
        raise ValueError(f"{name} layer must be called on a list of inputs, namely [query, "
                         f"value] or [query, value, key]. Received: inputs={inputs!r}.")
    if not 2 <= len(inputs) <= 3:
        raise ValueError(f"{name} layer accepts inputs list of length 2 or 3, namely [query, "
                         f"value] or [query, value, key]. Received length: {len(inputs)}.")
    if mask is None:
        return
    if not isinstance(mask, (list, tuple)):
        raise ValueError(f"{name} layer mask must be a list, namely [query_mask, value_mask]. "
                         f"Received: mask={mask!r}.")
    if not 2 <= len(mask) <= 3:
        raise ValueError(f"{name} layer accepts mask list of length 2 or 3. Received "
                         f"{len(mask)} masks.")


def _as_mask(mask: Any, like: torch.Tensor) -> torch.Tensor | None:
    if mask is None:
        return None
    return numpy_bridge.as_tensor(mask, device=like.device).bool()


def _scores_mask(scores: torch.Tensor, value_mask: torch.Tensor | None,
                 use_causal_mask: bool) -> torch.Tensor | None:
    """True where a query may attend to a key: the value mask (`(B, Tv)` read as
    `(B, 1, Tv)`), AND the lower triangle `(1, Tq, Tv)` with a causal mask."""
    if not use_causal_mask:
        if value_mask is not None and value_mask.dim() == 2:
            value_mask = value_mask.unsqueeze(-2)
        return value_mask
    if value_mask is not None:
        value_mask = value_mask.unsqueeze(-2)
    queries, keys = scores.shape[-2], scores.shape[-1]
    rows = torch.arange(queries, device=scores.device).unsqueeze(-1)
    causal = (rows >= torch.arange(keys, device=scores.device)).unsqueeze(0)
    return causal if value_mask is None else value_mask & causal


def _dropped(weights: torch.Tensor, rate: float) -> torch.Tensor:
    if rate >= 1:
        return torch.zeros_like(weights)
    return weights * keep_mask(weights.shape, rate, weights)
