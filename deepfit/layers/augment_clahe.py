"""`ContrastLimitedAdaptiveHistogramEqualization` (CLAHE) with Keras 3's semantics: each
channel is equalized per tile of a grid, with each tile's histogram clipped at `clip_limit`
times the mean bin count (the excess spread evenly), and every pixel's value interpolated
bilinearly between the mappings of the four nearest tiles. Deterministic, so applied in
training and inference alike, as Keras does.

Example:
    >>> clahe = ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(2, 2))
    >>> clahe(torch.rand(2, 16, 16, 3) * 255).shape
    torch.Size([2, 16, 16, 3])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from deepfit.layers.augment_base import TransformLayer, check_value_range, rescale_range
from deepfit.layers.preprocessing import check_number, check_positive_int

__all__ = ["ContrastLimitedAdaptiveHistogramEqualization"]


def _edge_index(size: int, padded: int, device: torch.device) -> torch.Tensor:
    """Indices extending an axis of `size` to `padded` by repeating its last entry (Keras asks
    for 'symmetric' padding, which its torch backend does as 'replicate')."""
    return torch.arange(padded, device=device).clamp(max=size - 1)


def _tile_mappings(tiles: torch.Tensor, clip_limit: float, pixels: int) -> torch.Tensor:
    """The 0–255 lookup table of each tile from its values (..., pixels) (integers 0–255)."""
    flat = tiles.reshape(-1, pixels)
    offsets = torch.arange(flat.shape[0], device=tiles.device)[:, None] * 256
    counts = torch.bincount((flat + offsets).flatten(), minlength=flat.shape[0] * 256)
    hist = counts.reshape(*tiles.shape[:-1], 256).float()
    if clip_limit > 0:
        # Keras's torch backend counts in integers, so the limit is cast to one (floored).
        limit = float(int(clip_limit * pixels / 256.0))
        clipped = hist.clamp(0, limit)
        hist = clipped + (hist - clipped).sum(dim=-1, keepdim=True) / 256.0
    cdf = torch.cumsum(hist, dim=-1)
    cdf_min = cdf.amin(dim=-1, keepdim=True)
    denominator = pixels - cdf_min
    denominator = torch.where(denominator == 0, torch.ones_like(denominator), denominator)
    return ((cdf - cdf_min) * 255.0 / denominator).clamp(0, 255)


class ContrastLimitedAdaptiveHistogramEqualization(TransformLayer):
    """Contrast-limited adaptive histogram equalization of each channel (see the module).

    Args:
        value_range: the (min, max) of the images, (0, 255) by default.
        clip_limit: the histogram clip, in multiples of the mean bin count (tile pixels / 256),
            floored to a whole count as on Keras's torch backend; 0 or less for no clipping.
            4.0 by default.
        tile_grid_size: the (rows, columns) of tiles, (8, 8) by default.
        data_format: 'channels_last' (default) or 'channels_first'.

    Example:
        >>> layer = ContrastLimitedAdaptiveHistogramEqualization(clip_limit=2.0)
        >>> layer(torch.rand(1, 32, 32, 1) * 255).shape
        torch.Size([1, 32, 32, 1])
    """

    applies_in_inference = True
    autocast_inputs = False  # integer images come back in their own dtype, as in Keras

    def __init__(self, value_range: Sequence[float] = (0, 255), clip_limit: float = 4.0,
                 tile_grid_size: Sequence[int] = (8, 8), data_format: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(data_format=data_format, **kwargs)
        name = "ContrastLimitedAdaptiveHistogramEqualization"
        self.value_range = check_value_range(name, value_range, sort=False)
        self.clip_limit = check_number(name, "clip_limit", clip_limit)
        if not isinstance(tile_grid_size, (tuple, list)) or len(tile_grid_size) != 2:
            raise ValueError(f"{name}: tile_grid_size must be a pair of positive ints, "
                             f"received {tile_grid_size!r}")
        self.tile_grid_size = tuple(check_positive_int(name, "tile_grid_size", v)
                                    for v in tile_grid_size)

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        outputs = super().call(inputs, training=training)
        if isinstance(inputs, torch.Tensor) and not inputs.is_floating_point():
            return outputs.to(inputs.dtype)  # Keras casts back to the input's dtype
        return outputs

    def transform_nchw(self, images: torch.Tensor, transformation: Any) -> torch.Tensor:
        values = rescale_range(images.float(), self.value_range, (0, 255))
        batch, channels, height, width = values.shape
        grid_h, grid_w = self.tile_grid_size
        tile_h, tile_w = -(-height // grid_h), -(-width // grid_w)
        padded = values[:, :, _edge_index(height, tile_h * grid_h, values.device)]
        padded = padded[:, :, :, _edge_index(width, tile_w * grid_w, values.device)]
        tiles = padded.reshape(batch, channels, grid_h, tile_h, grid_w, tile_w)
        tiles = tiles.permute(0, 1, 2, 4, 3, 5).reshape(batch, channels, grid_h, grid_w, -1)
        table = _tile_mappings(tiles.to(torch.int64).clamp(0, 255), self.clip_limit,
                               tile_h * tile_w)
        # The border tiles' tables repeated once around the grid: (b, c, gh + 2, gw + 2, 256).
        table = torch.cat((table[:, :, :1], table, table[:, :, -1:]), dim=2)
        table = torch.cat((table[:, :, :, :1], table, table[:, :, :, -1:]), dim=3)
        rows = self._axis(tile_h * grid_h, tile_h, grid_h, values.device)
        cols = self._axis(tile_w * grid_w, tile_w, grid_w, values.device)
        pixels = padded.clamp(0, 255).to(torch.int64)
        b = torch.arange(batch, device=values.device)[:, None, None, None]
        c = torch.arange(channels, device=values.device)[None, :, None, None]

        def read(row: torch.Tensor, col: torch.Tensor) -> torch.Tensor:
            return table[b, c, row[None, None, :, None], col[None, None, None, :], pixels]

        wy, wx = rows[2][:, None], cols[2][None, :]
        top = read(rows[0], cols[0]) * (1.0 - wx) + read(rows[0], cols[1]) * wx
        bottom = read(rows[1], cols[0]) * (1.0 - wx) + read(rows[1], cols[1]) * wx
        result = (top * (1.0 - wy) + bottom * wy)[:, :, :height, :width]
        return rescale_range(result, (0, 255), self.value_range).to(images.dtype)

    @staticmethod
    def _axis(size: int, tile: int, grid: int, device: torch.device
              ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Per pixel along an axis: the two neighbouring tile rows (in the bordered grid) and
        the weight of the second."""
        position = (torch.arange(size, dtype=torch.float32, device=device) - tile / 2.0) / tile
        position = position + 1.0
        low = torch.floor(position)
        weight = position - low
        return (low.clamp(0, grid + 1).to(torch.int64),
                (low + 1.0).clamp(0, grid + 1).to(torch.int64), weight)

    def get_config(self) -> dict[str, Any]:
        config = {**super().get_config(), "value_range": self.value_range,
                  "clip_limit": self.clip_limit, "tile_grid_size": self.tile_grid_size}
        config.pop("seed", None)
        return config
