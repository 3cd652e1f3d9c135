"""Attention layers: Attention, AdditiveAttention, MultiHeadAttention and its EinsumDense
projections."""

from deepfit.layers.attention.additive_attention import AdditiveAttention
from deepfit.layers.attention.attention import Attention
from deepfit.layers.attention.einsum_dense import EinsumDense
from deepfit.layers.attention.multi_head_attention import MultiHeadAttention

__all__ = ["AdditiveAttention", "Attention", "EinsumDense", "MultiHeadAttention"]
