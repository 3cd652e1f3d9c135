"""MultiHeadAttention, as Keras's layer: the same sublayers (`query`, `key`, `value`,
`attention_output` EinsumDense projections), weights, masks and outputs.

Masks: the query's `_keras_mask` (and the value's and key's, as Keras's `Layer.__call__` fills
`value_mask`/`key_mask`), `attention_mask` and `use_causal_mask` are combined with a logical
AND into a `(B, T, S)` mask; masked scores get -1e9 before the softmax and probability 0 after.
Inputs of rank above 3 attend over all their inner axes jointly (Keras's default
`attention_axes`); they are flattened to one sequence axis, which keeps Keras's weight shapes.
Other `attention_axes` run Keras's einsum formulation (deepfit/layers/attention/attention_axes.py):
the remaining inner axes act as batch axes. `use_gate` multiplies the attended values by a
sigmoid projection of the query; `sliding_window` lets query `i` see keys `|i - j| < window`.

Example:
    >>> mha = MultiHeadAttention(num_heads=2, key_dim=4)
    >>> mha(np.zeros((1, 5, 8), "float32"), np.zeros((1, 3, 8), "float32")).shape
    torch.Size([1, 5, 8])
"""

from __future__ import annotations

import math
import string
from typing import Any

import torch
import torch.nn.functional as F

from deepfit import constraints, initializers, regularizers
from deepfit.layers.activation_layers import Softmax
from deepfit.layers.attention.attention_axes import (
    attention_equations,
    automatic_mask,
    check_broadcast,
    expand_mask,
    normalize_axes,
)
from deepfit.layers.attention.einsum_dense import EinsumDense
from deepfit.layers.core import Dropout
from deepfit.layers.layer import Layer
from deepfit.ops import numpy_bridge


def projection_equation(free_dims: int, bound_dims: int, output_dims: int) -> tuple[str, str]:
    """The einsum equation and bias axes of a projection that keeps `free_dims` input axes,
    contracts `bound_dims` and makes `output_dims` new ones (Keras's naming of the letters)."""
    letters = string.ascii_lowercase
    free = letters[:free_dims]
    bound = letters[free_dims:free_dims + bound_dims]
    new = letters[free_dims + bound_dims:free_dims + bound_dims + output_dims]
    return f"{free}{bound},{bound}{new}->{free}{new}", new


def _positive_int(name: str, value: Any, allow_none: bool = False) -> None:
    if allow_none and value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"Received an invalid value for argument `{name}`, expected a positive "
                         f"integer. Received: {name}={value}")


class MultiHeadAttention(Layer):
    """Multi-head (scaled dot-product) attention.

    Args:
        num_heads: the number of attention heads.
        key_dim: the size of each head for query and key.
        value_dim: the size of each head for value (default `key_dim`).
        dropout: the dropout rate on the attention probabilities.
        use_bias: whether the projections have biases.
        output_shape: the output's last axes (default: the query's last axis).
        attention_axes: the inner axes attention runs over (an int or a list/tuple); None,
            the default, means all axes between the batch and the features. After building,
            the config reports the resolved axes, as Keras's does.
        use_gate: multiply the attended values by `sigmoid(query projection)` (a `gate`
            projection, Keras's gated attention) before the output projection.
        sliding_window: a positive int: query position `i` attends only to keys `j` with
            `|i - j| < sliding_window` (None: all keys).
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        activity_regularizer, kernel_constraint, bias_constraint: for the projections.
        seed: the dropout seed.

    Call arguments:
        query `(B, T, dim)`, value `(B, S, dim)`, key (default: value), attention_mask
        `(B, T, S)` (True: attend), return_attention_scores, training, use_causal_mask.
    """

    def __init__(self, num_heads: int, key_dim: int, value_dim: int | None = None,
                 dropout: float = 0.0, use_bias: bool = True, output_shape: Any = None,
                 attention_axes: Any = None, flash_attention: bool | None = None,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None,
                 bias_constraint: Any = None, use_gate: bool = False,
                 sliding_window: int | None = None, seed: int | None = None,
                 **kwargs: Any) -> None:
        _positive_int("num_heads", num_heads)
        _positive_int("key_dim", key_dim)
        _positive_int("value_dim", value_dim, allow_none=True)
        if attention_axes is not None and not isinstance(attention_axes, (int, list, tuple)):
            raise ValueError(f"`attention_axes` must be an int, list, or tuple. Received: "
                             f"attention_axes={attention_axes!r}")
        if sliding_window is not None and (isinstance(sliding_window, bool) or not isinstance(
                sliding_window, int) or sliding_window <= 0):
            raise ValueError(f"`sliding_window` must be `None` or a positive integer. "
                             f"Received: sliding_window={sliding_window!r}")
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.use_gate, self.sliding_window = bool(use_gate), sliding_window
        self.supports_masking = True
        self.num_heads, self.key_dim = num_heads, key_dim
        self.value_dim = value_dim or key_dim
        self.dropout, self.use_bias, self.seed = float(dropout), bool(use_bias), seed
        if isinstance(output_shape, int):
            output_shape = (output_shape,)
        self._out_shape = tuple(output_shape) if output_shape else None
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        self._attention_axes = tuple(attention_axes) if attention_axes else None
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
        # Keras's build_config for a layer built from several inputs
        self._build_shapes_dict = {"query_shape": tuple(query_shape),
                                   "value_shape": tuple(value_shape)}
        if key_shape is not None:
            self._build_shapes_dict["key_shape"] = tuple(key_shape)
        key_shape = value_shape if key_shape is None else key_shape
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(f"All dimensions of `value` and `key`, except the last one, must "
                             f"be equal. Received: value_shape={tuple(value_shape)} and "
                             f"key_shape={tuple(key_shape)}")
        self._build_axes(len(query_shape))
        with torch.no_grad():
            self._query_dense = self._projection("query", query_shape, self.key_dim)
            self._key_dense = self._projection("key", key_shape, self.key_dim)
            if self.use_gate:  # Keras creates it between key and value (the weights' order)
                self._gate_dense = self._projection("gate", query_shape, self.value_dim,
                                                    activation="sigmoid")
            self._value_dense = self._projection("value", value_shape, self.value_dim)
            out = self._out_shape or (query_shape[-1],)
            equation, bias_axes = projection_equation(2, 2, len(out))
            self._output_dense = EinsumDense(
                equation, output_shape=(None, *out), bias_axes=bias_axes if self.use_bias
                else None, name="attention_output", **self._sublayer_kwargs())
            self._output_dense.build((query_shape[0], None, self.num_heads, self.value_dim))
        self._softmax = Softmax(axis=self._softmax_axes)
        self._dropout_layer = Dropout(self.dropout, seed=self.seed)
        self._projections_built = True
        self.built = True

    def _build_axes(self, rank: int) -> None:
        """Resolve `attention_axes` for inputs of `rank` (Keras reports the resolved axes) and
        choose the path: the flattened one for the default axes, the einsum one otherwise."""
        default = tuple(range(1, rank - 1))
        given = self._attention_axes
        axes = default if given is None else normalize_axes(given, rank, "MultiHeadAttention")
        self._attention_axes = axes
        self._over_axes = axes != default
        self._softmax_axes: Any = -1
        if self._over_axes:
            self._equations = attention_equations(rank + 1, axes)
            scores_rank = self._equations[2]
            self._softmax_axes = tuple(range(scores_rank - len(axes), scores_rank))

    def _projection(self, name: str, shape: Any, size: int,
                    activation: Any = None) -> EinsumDense:
        equation, bias_axes = projection_equation(2, 1, 2)
        layer = EinsumDense(equation, output_shape=(None, self.num_heads, size),
                            bias_axes=bias_axes if self.use_bias else None, name=name,
                            activation=activation, **self._sublayer_kwargs())
        layer.build((shape[0], None, shape[-1]))
        return layer

    def _sublayer_kwargs(self) -> dict[str, Any]:
        # a fresh initializer per projection, so that they do not draw the same values
        return {
            "kernel_initializer": type(self.kernel_initializer).from_config(
                self.kernel_initializer.get_config()),
            "bias_initializer": type(self.bias_initializer).from_config(
                self.bias_initializer.get_config()),
            "kernel_regularizer": self.kernel_regularizer,
            "bias_regularizer": self.bias_regularizer,
            "kernel_constraint": self.kernel_constraint,
            "bias_constraint": self.bias_constraint,
        }

    # ------------------------------------------------------------------ calling

    def call(self, query: torch.Tensor, value: torch.Tensor, key: torch.Tensor | None = None,
             query_mask: Any = None, value_mask: Any = None, key_mask: Any = None,
             attention_mask: Any = None, return_attention_scores: bool = False,
             training: bool | None = None, use_causal_mask: bool = False) -> Any:
        value = value if isinstance(value, torch.Tensor) else self._to_tensor(value)
        key = key if key is None or isinstance(key, torch.Tensor) else self._to_tensor(key)
        query_mask = getattr(query, "_keras_mask", None)  # Keras reads the query's own mask
        if value_mask is None:
            value_mask = getattr(value, "_keras_mask", None)
        if key is not None and key_mask is None:
            key_mask = getattr(key, "_keras_mask", None)
        key = value if key is None else key
        if not self._projections_built:
            self.build(_batchless(query), _batchless(value),
                       None if key is value else _batchless(key))
        if self._over_axes:
            output, scores = self._attend_over_axes(
                query, value, key, (query_mask, value_mask, key_mask), attention_mask,
                training, use_causal_mask)
        else:
            output, scores = self._attend_flat(
                query, value, key, (query_mask, value_mask, key_mask), attention_mask,
                training, use_causal_mask, return_attention_scores)
        if query_mask is not None:
            output._keras_mask = query_mask
        return (output, scores) if return_attention_scores else output

    def _attend_flat(self, query: torch.Tensor, value: torch.Tensor, key: torch.Tensor,
                     masks: tuple, attention_mask: Any, training: bool | None,
                     use_causal_mask: bool, return_attention_scores: bool) -> tuple:
        """The default axes: every inner axis flattened into one sequence axis."""
        q_inner, s_inner = tuple(query.shape[1:-1]), tuple(value.shape[1:-1])
        query, value, key = (_flat(t) for t in (query, value, key))
        mask = automatic_mask(query, *(_flat_mask(m) for m in masks),
                              _flat_attention_mask(attention_mask, len(q_inner)),
                              self._band_masks(query, value, use_causal_mask))
        q = self._query_dense(query) * (1.0 / math.sqrt(float(self.key_dim)))
        k = self._key_dense(key)
        v = self._value_dense(value)
        if mask is not None:
            mask = mask.unsqueeze(-3)  # the heads axis
        if self.dropout == 0 and not return_attention_scores and len(q_inner) == 1:
            # Keras's fused path (no dropout, no scores wanted): masked scores get a large
            # negative value, so a fully masked row attends uniformly rather than not at all.
            bias = None if mask is None else torch.zeros(
                mask.shape, dtype=q.dtype, device=q.device).masked_fill(~mask, -1e9)
            attended = F.scaled_dot_product_attention(
                q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), attn_mask=bias,
                scale=1.0).transpose(1, 2)
            output = self._project_output(attended, query)
            return output.reshape(output.shape[0], *q_inner, *output.shape[2:]), None
        scores = torch.einsum("aecd,abcd->acbe", k, q)  # (B, heads, T, S)
        scores = self._softmax(scores, mask=mask)
        attended = self._dropout_layer(scores, training=training) if self.dropout else scores
        output = self._project_output(torch.einsum("acbe,aecd->abcd", attended, v), query)
        output = output.reshape(output.shape[0], *q_inner, *output.shape[2:])
        return output, scores.reshape(scores.shape[0], self.num_heads, *q_inner, *s_inner)

    def _attend_over_axes(self, query: torch.Tensor, value: torch.Tensor, key: torch.Tensor,
                          masks: tuple, attention_mask: Any, training: bool | None,
                          use_causal_mask: bool) -> tuple:
        """Chosen `attention_axes`: Keras's einsum formulation on the unflattened inputs."""
        mask = automatic_mask(query, *masks, attention_mask,
                              self._band_masks(query, value, use_causal_mask))
        q = self._project(self._query_dense, query) * (1.0 / math.sqrt(float(self.key_dim)))
        k = self._project(self._key_dense, key)
        v = self._project(self._value_dense, value)
        dot_equation, combine_equation, scores_rank = self._equations
        scores = torch.einsum(dot_equation, k, q)
        if mask is not None:
            mask = expand_mask(mask, scores_rank, len(self._attention_axes), self.name)
            check_broadcast(mask, scores, self.name)
        scores = self._softmax(scores, mask=mask)
        attended = self._dropout_layer(scores, training=training) if self.dropout else scores
        combined = torch.einsum(combine_equation, attended, v)  # (B, *inner, heads, size)
        flat_query = _flat(query)
        output = self._project_output(combined.reshape(*flat_query.shape[:2],
                                                       *combined.shape[-2:]), flat_query)
        return output.reshape(*query.shape[:-1], *output.shape[2:]), scores

    def _project(self, dense: EinsumDense, inputs: torch.Tensor) -> torch.Tensor:
        """`(B, *inner, C)` → `(B, *inner, heads, size)` by a 3-D projection."""
        projected = dense(_flat(inputs))
        return projected.reshape(*inputs.shape[:-1], *projected.shape[-2:])

    def _project_output(self, attended: torch.Tensor, flat_query: torch.Tensor) -> torch.Tensor:
        """`(B, T, heads, size)` → the output, gated by the query first with `use_gate`."""
        if self.use_gate:
            attended = attended * self._gate_dense(flat_query)
        return self._output_dense(attended)

    def _band_masks(self, query: torch.Tensor, value: torch.Tensor,
                    use_causal_mask: bool) -> list[torch.Tensor]:
        """The `(1, T, S)` masks over the first inner axes: causal, sliding window."""
        queries, keys, device = query.shape[1], value.shape[1], query.device
        found = [_causal(queries, keys, device)] if use_causal_mask else []
        if self.sliding_window is not None:
            rows = torch.arange(queries, device=device).unsqueeze(-1)
            distance = (rows - torch.arange(keys, device=device)).abs()
            found.append((distance < self.sliding_window).unsqueeze(0))
        return found

    def compute_output_shape(self, query_shape: Any, value_shape: Any = None,
                             key_shape: Any = None) -> tuple:
        out = self._out_shape or (query_shape[-1],)
        return (*tuple(query_shape)[:-1], *out)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "num_heads": self.num_heads,
            "key_dim": self.key_dim,
            "value_dim": self.value_dim,
            "dropout": self.dropout,
            "use_bias": self.use_bias,
            "output_shape": self._out_shape,
            "attention_axes": self._attention_axes,
            "use_gate": self.use_gate,
            "sliding_window": self.sliding_window,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "seed": self.seed,
        }


def _batchless(tensor: torch.Tensor) -> tuple:
    return (None, *tuple(tensor.shape[1:]))


def _causal(queries: int, keys: int, device: torch.device) -> torch.Tensor:
    # (1, T, S): query i sees keys j <= i (Keras's cumsum rule for T != S too)
    rows = torch.arange(queries, device=device).unsqueeze(-1)
    return (rows >= torch.arange(keys, device=device)).unsqueeze(0)


def _flat(tensor: torch.Tensor) -> torch.Tensor:
    """`(B, *inner, C)` as `(B, prod(inner), C)`."""
    # always a new tensor object: the projections must not see the inputs' `_keras_mask`
    return tensor.reshape(tensor.shape[0], -1, tensor.shape[-1])


def _flat_mask(mask: Any) -> Any:
    if mask is None:
        return None
    mask = numpy_bridge.as_tensor(mask)
    return mask if mask.dim() <= 2 else mask.reshape(mask.shape[0], -1)


def _flat_attention_mask(mask: Any, inner: int) -> Any:
    if mask is None or inner == 1:
        return mask
    mask = numpy_bridge.as_tensor(mask)
    queries = math.prod(mask.shape[1:1 + inner])
    return mask.reshape(mask.shape[0], queries, -1)
