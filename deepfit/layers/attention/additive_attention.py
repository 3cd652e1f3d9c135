"""AdditiveAttention (Bahdanau-style), as Keras's layer: Attention's inputs, masks, dropout and
outputs, with the scores `sum(scale * tanh(query + key), axis=-1)`.

Example:
    >>> query, value = torch.randn(2, 3, 4), torch.randn(2, 5, 4)
    >>> AdditiveAttention()([query, value]).shape
    torch.Size([2, 3, 4])
"""

from __future__ import annotations

from typing import Any

import torch

from deepfit.layers.attention.attention import Attention, _check_inputs


class AdditiveAttention(Attention):
    """Additive attention: scores are `sum(scale * tanh(query + key))` over the features.

    Args:
        use_scale: learn a per-feature `scale` of shape `(dim,)` (glorot_uniform), True by
            default; without it the scale is 1.
        dropout: the fraction of attention weights to drop while training.

    Call arguments, returns: as `Attention`'s.

    Example:
        >>> layer = AdditiveAttention()
        >>> _ = layer([torch.randn(1, 2, 3), torch.randn(1, 4, 3)])
        >>> tuple(layer.scale.shape)
        (3,)
    """

    def __init__(self, use_scale: bool = True, dropout: float = 0.0, **kwargs: Any) -> None:
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape: Any) -> None:
        _check_inputs(self, input_shape)
        if self.use_scale:
            self.add_weight("scale", (input_shape[0][-1],), "glorot_uniform")
        self.built = True

    def _scores(self, query: torch.Tensor, key: torch.Tensor) -> torch.Tensor:
        summed = torch.tanh(query.unsqueeze(-2) + key.unsqueeze(-3))
        if self.scale is not None:
            summed = self.scale * summed
        return summed.sum(dim=-1)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["score_mode"]  # Keras's AdditiveAttention has no score_mode
        return config
