"""`ReversibleEmbedding`: an Embedding that can also project hidden states back to vocabulary
logits (`reverse=True`), with the transposed embedding table (tied weights, the default) or a
table of its own, and optional soft-capping of the logits (Keras's layer for language models).

Example:
    >>> embedding = deepfit.layers.ReversibleEmbedding(100, 32)
    >>> hidden = embedding(torch.randint(0, 100, (2, 7)))       # (2, 7, 32)
    >>> embedding(hidden, reverse=True).shape
    torch.Size([2, 7, 100])
"""

from __future__ import annotations

from typing import Any

import torch

from deepfit.layers.core import torch_dtype
from deepfit.layers.embedding import Embedding


class ReversibleEmbedding(Embedding):
    """Token embedding with a reverse projection to `input_dim` logits.

    Args:
        input_dim: the vocabulary size.
        output_dim: the embedding width.
        tie_weights: reverse with the transposed `embeddings` (True) or a trainable
            `reverse_embeddings` table of shape `(output_dim, input_dim)` (False).
        embeddings_initializer, embeddings_regularizer, embeddings_constraint, mask_zero: as
            `Embedding` (the reverse table uses the same initializer).
        reverse_dtype: the dtype the reverse projection computes in (default: float32).
        logit_soft_cap: if set, reverse logits become `tanh(logits / cap) * cap`.
        quantization_config: accepted as None only (Keras's config carries it).

    Call arguments:
        inputs: token ids, or hidden states `(..., output_dim)` with `reverse=True`.
        reverse: project hidden states to logits instead of embedding ids.
    """

    def __init__(self, input_dim: int, output_dim: int, tie_weights: bool = True,
                 embeddings_initializer: Any = "uniform", embeddings_regularizer: Any = None,
                 embeddings_constraint: Any = None, mask_zero: bool = False,
                 reverse_dtype: Any = None, logit_soft_cap: float | None = None,
                 quantization_config: Any = None, **kwargs: Any) -> None:
        if quantization_config is not None:
            raise ValueError(f"ReversibleEmbedding: quantization is not supported by deepfit, "
                             f"received quantization_config={quantization_config!r} (use None)")
        super().__init__(input_dim, output_dim, embeddings_initializer=embeddings_initializer,
                         embeddings_regularizer=embeddings_regularizer,
                         embeddings_constraint=embeddings_constraint, mask_zero=mask_zero,
                         **kwargs)
        self.tie_weights = bool(tie_weights)
        self.reverse_dtype = reverse_dtype
        if reverse_dtype is not None:
            torch_dtype(reverse_dtype)  # an unknown dtype fails now, naming the argument
        self.logit_soft_cap = logit_soft_cap

    def build(self, input_shape: Any = None) -> None:
        super().build(input_shape)
        if not self.tie_weights and "reverse_embeddings" not in self._parameters:
            self.add_weight("reverse_embeddings", (self.output_dim, self.input_dim),
                            self.embeddings_initializer)

    def call(self, inputs: torch.Tensor, reverse: bool = False) -> torch.Tensor:
        if not reverse:
            outputs = super().call(inputs)
            if self.mask_zero:  # set here: `compute_mask` says None for either direction
                outputs._keras_mask = Embedding.compute_mask(self, inputs)
            return outputs
        if inputs.shape[-1] != self.output_dim:
            raise ValueError(f"ReversibleEmbedding '{self.name}': reverse=True projects hidden "
                             f"states of width output_dim={self.output_dim}, received inputs "
                             f"of shape {tuple(inputs.shape)}")
        kernel = self.embeddings.T if self.tie_weights else self.reverse_embeddings
        if self.reverse_dtype is not None:
            dtype = torch_dtype(self.reverse_dtype)
            inputs, kernel = inputs.to(dtype), kernel.to(dtype)
        elif not inputs.is_floating_point():
            inputs = inputs.to(kernel.dtype)
        logits = inputs @ kernel
        if self.logit_soft_cap is not None:
            logits = torch.tanh(logits / self.logit_soft_cap) * self.logit_soft_cap
        return logits

    def compute_mask(self, inputs: torch.Tensor, mask: Any = None) -> None:
        """None: a forward call sets its own mask (with `mask_zero`), a reverse call none."""
        return None

    def compute_output_shape(self, input_shape: tuple, reverse: bool = False) -> tuple:
        if reverse:
            return (*tuple(input_shape)[:-1], self.input_dim)
        return (*tuple(input_shape), self.output_dim)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "tie_weights": self.tie_weights,
                "reverse_dtype": self.reverse_dtype, "logit_soft_cap": self.logit_soft_cap,
                "quantization_config": None}
