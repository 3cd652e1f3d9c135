"""GroupedQueryAttention (Keras's `keras.layers.GroupQueryAttention`, Ainslie et al. 2023):
`num_query_heads` query heads share `num_key_value_heads` key/value heads, each key/value head
repeated for its group of query heads (1 group: multi-query attention; as many as query heads:
multi-head attention).

Keras's sublayers and weights: EinsumDense projections `query` (`bqm,muh->bquh`), `key`,
[`gate`,] `value` (`bkm,mvh->bkvh`) and `attention_output` (`bquh,uhm->bqm`). Masks combine as in
MultiHeadAttention (the inputs' masks, `attention_mask`, `use_causal_mask`, `sliding_window`).

Example:
    >>> gqa = GroupedQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2)
    >>> gqa(torch.zeros(2, 5, 8), torch.zeros(2, 3, 8)).shape
    torch.Size([2, 5, 8])
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F

from deepfit import constraints, initializers, regularizers
from deepfit.layers.activation_layers import Softmax
from deepfit.layers.attention.attention_axes import automatic_mask
from deepfit.layers.attention.einsum_dense import EinsumDense
from deepfit.layers.core import Dropout
from deepfit.layers.layer import Layer


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"GroupedQueryAttention: `{name}` must be a positive integer. "
                         f"Received: {name}={value!r}")
    return value


class GroupedQueryAttention(Layer):
    """Grouped-query attention.

    Args:
        head_dim: the size of each attention head.
        num_query_heads: the number of query heads.
        num_key_value_heads: the number of key/value heads (divides `num_query_heads`).
        dropout: the dropout rate on the attention probabilities.
        use_bias: whether the projections have biases.
        sliding_window: a positive int: query `i` attends only to keys `|i - j| < window`.
        flash_attention: True refuses dropout and attention scores, as Keras does.
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        activity_regularizer, kernel_constraint, bias_constraint: for the projections (Keras
            gives each projection the activity regularizer too).
        use_gate: multiply the attended values by a sigmoid projection of the query.
        seed: the dropout seed.

    Call arguments:
        query `(B, T, dim)`, value `(B, S, dim)`, key (default: value), attention_mask
        `(B, T, S)` (True: attend), return_attention_scores (adds `(B, heads, T, S)`),
        training, use_causal_mask.
    """

    def __init__(self, head_dim: int, num_query_heads: int, num_key_value_heads: int,
                 dropout: float = 0.0, use_bias: bool = True, sliding_window: int | None = None,
                 flash_attention: bool | None = None,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None,
                 bias_constraint: Any = None, use_gate: bool = False, seed: int | None = None,
                 **kwargs: Any) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.supports_masking = True
        self.head_dim = _positive_int("head_dim", head_dim)
        self.num_query_heads = _positive_int("num_query_heads", num_query_heads)
        self.num_key_value_heads = _positive_int("num_key_value_heads", num_key_value_heads)
        if num_query_heads % num_key_value_heads != 0:
            raise ValueError("`num_query_heads` must be divisible by `num_key_value_heads`.")
        self.num_repeats = num_query_heads // num_key_value_heads
        if sliding_window is not None and (isinstance(sliding_window, bool) or not isinstance(
                sliding_window, int) or sliding_window <= 0):
            raise ValueError(f"`sliding_window` must be `None` or a positive integer. "
                             f"Received: sliding_window={sliding_window!r}")
        self.dropout, self.use_bias, self.use_gate = float(dropout), bool(use_bias), use_gate
        self.sliding_window, self.seed = sliding_window, seed
        self._flash_attention = bool(flash_attention)
        if self._flash_attention and self.dropout > 0.0:
            raise ValueError("Dropout is not supported when flash attention is enabled. Please "
                             "set dropout to 0.0 to use flash attention.")
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self._projections_built = False

    # ------------------------------------------------------------------ building
    def build(self, query_shape: Any, value_shape: Any = None, key_shape: Any = None) -> None:
        if value_shape is None:  # built by a first call, which knows every input's shape
            return
        self._build_shapes_dict = {"query_shape": tuple(query_shape),
                                   "value_shape": tuple(value_shape)}
        key_shape = value_shape if key_shape is None else key_shape
        self.feature_dim = query_shape[-1]
        heads, kv_heads, size = self.num_query_heads, self.num_key_value_heads, self.head_dim
        with torch.no_grad():
            self._query_dense = self._projection("query", "bqm,muh->bquh", (heads, size),
                                                 "uh", query_shape)
            self._key_dense = self._projection("key", "bkm,mvh->bkvh", (kv_heads, size), "vh",
                                               key_shape)
            if self.use_gate:  # Keras creates it between key and value (the weights' order)
                self._gate_dense = self._projection("gate", "bqm,muh->bquh", (heads, size),
                                                    "uh", query_shape, activation="sigmoid")
            self._value_dense = self._projection("value", "bkm,mvh->bkvh", (kv_heads, size),
                                                 "vh", value_shape)
            self._output_dense = self._projection(
                "attention_output", "bquh,uhm->bqm", (self.feature_dim,), "m",
                (None, None, heads, size))
        self._softmax = Softmax(axis=-1)
        self._dropout_layer = Dropout(self.dropout, seed=self.seed)
        self._projections_built = True
        self.built = True

    def _projection(self, name: str, equation: str, output_shape: tuple, bias_axes: str,
                    input_shape: Any, activation: Any = None) -> EinsumDense:
        layer = EinsumDense(
            equation, output_shape=(None, *output_shape),
            bias_axes=bias_axes if self.use_bias else None, activation=activation, name=name,
            # a fresh initializer per projection, so that they do not draw the same values
            kernel_initializer=type(self.kernel_initializer).from_config(
                self.kernel_initializer.get_config()),
            bias_initializer=type(self.bias_initializer).from_config(
                self.bias_initializer.get_config()),
            kernel_regularizer=self.kernel_regularizer, bias_regularizer=self.bias_regularizer,
            activity_regularizer=self.activity_regularizer,
            kernel_constraint=self.kernel_constraint, bias_constraint=self.bias_constraint)
        layer.build(tuple(input_shape))
        return layer

    # ------------------------------------------------------------------ calling
    def call(self, query: torch.Tensor, value: torch.Tensor, key: torch.Tensor | None = None,
             query_mask: Any = None, value_mask: Any = None, key_mask: Any = None,
             attention_mask: Any = None, return_attention_scores: bool = False,
             training: bool | None = None, use_causal_mask: bool = False) -> Any:
        value = value if isinstance(value, torch.Tensor) else self._to_tensor(value)
        key = key if key is None or isinstance(key, torch.Tensor) else self._to_tensor(key)
        if self._flash_attention and return_attention_scores:
            raise ValueError("Returning attention scores is not supported when flash attention "
                             "is enabled. Please disable flash attention to access attention "
                             "scores.")
        if query_mask is None:
            query_mask = getattr(query, "_keras_mask", None)
        if value_mask is None:
            value_mask = getattr(value, "_keras_mask", None)
        if key is not None and key_mask is None:
            key_mask = getattr(key, "_keras_mask", None)
        key = value if key is None else key
        if not self._projections_built:
            self.build((None, *query.shape[1:]), (None, *value.shape[1:]),
                       None if key is value else (None, *key.shape[1:]))
        mask = automatic_mask(query, query_mask, value_mask, key_mask, attention_mask,
                              self._band_masks(query, value, use_causal_mask))
        # new tensor objects: the projections must not see the inputs' `_keras_mask`
        query, key, value = (t.view(t.shape) for t in (query, key, value))
        gate = self._gate_dense(query) if self.use_gate else None
        q = self._query_dense(query)
        k = self._key_dense(key).repeat_interleave(self.num_repeats, dim=2)
        v = self._value_dense(value).repeat_interleave(self.num_repeats, dim=2)
        mask = None if mask is None else mask.unsqueeze(-3)  # the heads axis
        if self.dropout == 0 and not return_attention_scores:
            attended, scores = self._fused_attention(q, k, v, mask), None
        else:
            attended, scores = self._explicit_attention(q, k, v, mask, training)
        output = self._output_dense(attended if gate is None else attended * gate)
        if query_mask is not None:
            output._keras_mask = query_mask
        return (output, scores) if return_attention_scores else output

    def _fused_attention(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                         mask: torch.Tensor | None) -> torch.Tensor:
        """Keras's `dot_product_attention` path: masked scores get a large negative value, so
        a fully masked row attends uniformly."""
        bias = None if mask is None else torch.zeros(
            mask.shape, dtype=q.dtype, device=q.device).masked_fill(~mask, -1e9)
        attended = F.scaled_dot_product_attention(
            q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), attn_mask=bias,
            scale=1.0 / math.sqrt(self.head_dim))
        return attended.transpose(1, 2)

    def _explicit_attention(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                            mask: torch.Tensor | None, training: bool | None) -> tuple:
        q = q * (1.0 / math.sqrt(float(self.head_dim)))
        scores = self._softmax(torch.einsum("bquh,bkuh->buqk", q, k), mask=mask)
        dropped = self._dropout_layer(scores, training=training) if self.dropout else scores
        return torch.einsum("buqk,bkuh->bquh", dropped, v), scores

    def _band_masks(self, query: torch.Tensor, value: torch.Tensor,
                    use_causal_mask: bool) -> list[torch.Tensor]:
        """The `(1, T, S)` masks: causal (query `i` sees keys `j <= i`), sliding window."""
        rows = torch.arange(query.shape[1], device=query.device).unsqueeze(-1)
        columns = torch.arange(value.shape[1], device=query.device)
        found = [(rows >= columns).unsqueeze(0)] if use_causal_mask else []
        if self.sliding_window is not None:
            found.append(((rows - columns).abs() < self.sliding_window).unsqueeze(0))
        return found

    # ------------------------------------------------------------------ shapes and config
    def compute_output_shape(self, query_shape: Any, value_shape: Any = None,
                             key_shape: Any = None) -> tuple:
        value_shape = query_shape if value_shape is None else value_shape
        key_shape = value_shape if key_shape is None else key_shape
        if query_shape[-1] != value_shape[-1]:
            raise ValueError(f"The last dimension of `query_shape` and `value_shape` must be "
                             f"equal, but are {query_shape[-1]}, {value_shape[-1]}. Received: "
                             f"query_shape={query_shape}, value_shape={value_shape}")
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(f"All dimensions of `value` and `key`, except the last one, must "
                             f"be equal. Received: value_shape={value_shape} and "
                             f"key_shape={key_shape}")
        return tuple(query_shape)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "head_dim": self.head_dim,
            "num_query_heads": self.num_query_heads,
            "num_key_value_heads": self.num_key_value_heads,
            "use_bias": self.use_bias,
            "use_gate": self.use_gate,
            "sliding_window": self.sliding_window,
            "dropout": self.dropout,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "seed": self.seed,
        }
