"""Attention layers: MultiHeadAttention and its EinsumDense projections."""

from deepfit.layers.attention.einsum_dense import EinsumDense
from deepfit.layers.attention.multi_head_attention import MultiHeadAttention

__all__ = ["EinsumDense", "MultiHeadAttention"]
