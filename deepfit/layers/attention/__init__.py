"""Attention layers: Attention, AdditiveAttention, MultiHeadAttention, GroupedQueryAttention and
their EinsumDense projections."""

from deepfit.layers.attention.additive_attention import AdditiveAttention
from deepfit.layers.attention.attention import Attention
from deepfit.layers.attention.einsum_dense import EinsumDense
from deepfit.layers.attention.grouped_query_attention import GroupedQueryAttention
from deepfit.layers.attention.multi_head_attention import MultiHeadAttention

__all__ = ["AdditiveAttention", "Attention", "EinsumDense", "GroupedQueryAttention",
           "MultiHeadAttention"]
