"""Batch-mixing augmentation layers with Keras 3's semantics: MixUp and CutMix. Each image is
mixed with another image of the same batch (a random permutation), and so are the labels when
the layer is called on Keras's dict `{"images": ..., "labels": ...}` (one-hot labels).

Example:
    >>> mix_up = MixUp(alpha=0.2, seed=1)
    >>> out = mix_up({"images": torch.rand(8, 16, 16, 3), "labels": torch.eye(8)})
    >>> out["images"].shape, out["labels"].shape
    (torch.Size([8, 16, 16, 3]), torch.Size([8, 8]))
"""

from __future__ import annotations

from typing import Any

import torch

from deepfit.layers.augment_base import TransformLayer, check_factor

__all__ = ["CutMix", "MixUp", "box_masks", "random_boxes"]


def _mix_labels(labels: torch.Tensor, transformation: Any) -> torch.Tensor:
    labels = labels if labels.is_floating_point() else labels.float()
    weight = transformation["mix_weight"].to(labels.dtype).reshape(-1, 1)
    others = labels[transformation["permutation_order"].long()]
    return weight * labels + (1.0 - weight) * others


def random_boxes(layer: TransformLayer, count: int, height: int, width: int,
                 ratios: tuple[torch.Tensor, torch.Tensor], device: torch.device
                 ) -> tuple[torch.Tensor, ...]:
    """Keras's random boxes: side `ratio * size` (fractional), placed uniformly inside the
    image; returns (x0, x1, y0, y1) as float32 tensors of `count` values."""
    corners = []
    for size, ratio in ((width, ratios[0]), (height, ratios[1])):
        length = ratio * size
        start = layer.uniform(count, 0, 1, device) * (size - length)
        corners += [start, start + length]
    return tuple(corners)


def box_masks(layer: TransformLayer, images: torch.Tensor, boxes: tuple[torch.Tensor, ...]
              ) -> torch.Tensor:
    """Boolean masks of the boxes, shaped as `images` (the layer's layout), true inside
    [x0, x1) × [y0, y1) in every channel."""
    x0, x1, y0, y1 = (b.reshape(-1, 1, 1) for b in boxes)
    height, width = layer._spatial_size(images)
    rows = torch.arange(height, dtype=torch.float32, device=images.device)[None, :, None]
    cols = torch.arange(width, dtype=torch.float32, device=images.device)[None, None, :]
    inside = (cols >= x0) & (cols < x1) & (rows >= y0) & (rows < y1)  # (n, h, w)
    channel_axis = 3 if layer.data_format == "channels_last" else 1
    return inside.unsqueeze(channel_axis).expand(images.shape)


class MixUp(TransformLayer):
    """MixUp while training: each image (and label) becomes `w x + (1 - w) x'`, `x'` another
    image of the batch and `w ~ Beta(alpha, alpha)` per image.

    Args:
        alpha: the Beta distribution's parameter, 0.2 by default.
        data_format: 'channels_last' (default) or 'channels_first'.
        seed: seeds the layer's own generator.

    Example:
        >>> MixUp(seed=1)(torch.rand(4, 8, 8, 3)).shape
        torch.Size([4, 8, 8, 3])
    """

    keeps_geometry = False

    def __init__(self, alpha: float = 0.2, data_format: str | None = None,
                 seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or alpha <= 0:
            raise ValueError(f"MixUp: alpha must be a positive number, received {alpha!r}")
        self.alpha = alpha

    def get_random_transformation(self, images: torch.Tensor, training: bool = True,
                                  seed: Any = None) -> dict[str, torch.Tensor]:
        count, device = self.batch_size(images), images.device
        return {"mix_weight": self.beta(count, self.alpha, self.alpha, device),
                "permutation_order": self.permutation(count, device)}

    def transform_nchw(self, images: torch.Tensor, transformation: Any) -> torch.Tensor:
        weight = transformation["mix_weight"].to(images.dtype).reshape(-1, 1, 1, 1)
        others = images[transformation["permutation_order"].long()]
        return weight * images + (1.0 - weight) * others

    def transform_labels(self, labels: torch.Tensor, transformation: Any,
                         training: bool = True) -> torch.Tensor:
        return _mix_labels(labels, transformation) if training else labels

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "alpha": self.alpha}


class CutMix(TransformLayer):
    """CutMix while training: a random box of each image is replaced by the same box of
    another image of the batch, and the labels mix by the kept area.

    The box covers a fraction `1 - w` of the image, `w ~ Beta(a, a)` per image with one
    `a` drawn from `factor` per batch; one image alone is left unchanged, as in Keras.

    Args:
        factor: a number `f` in [0, 1] (a drawn from [0, f]) or a pair; 1.0 by default.
        seed: seeds the layer's own generator.
        data_format: 'channels_last' (default) or 'channels_first'.

    Example:
        >>> CutMix(seed=1)(torch.rand(4, 8, 8, 3)).shape
        torch.Size([4, 8, 8, 3])
    """

    keeps_geometry = False

    def __init__(self, factor: Any = 1.0, seed: int | None = None,
                 data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = check_factor("CutMix", factor, (0, 1))

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        images = inputs["images"] if isinstance(inputs, dict) else inputs
        if torch.as_tensor(images).dim() == 3:  # Keras mixes nothing into a single image
            training = False
        return super().call(inputs, training=training)

    def get_random_transformation(self, images: torch.Tensor, training: bool = True,
                                  seed: Any = None) -> dict[str, torch.Tensor] | None:
        count, device = self.batch_size(images), images.device
        height, width = self._spatial_size(images)
        alpha = float(self.uniform(1, *self.factor, device)[0]) + 1e-6
        weight = self.beta(count, alpha, alpha, device)
        ratio = torch.sqrt(1.0 - weight)
        x0, x1, y0, y1 = random_boxes(self, count, height, width, (ratio, ratio), device)
        masks = box_masks(self, images, (x0, x1, y0, y1))
        return {"permutation_order": self.permutation(count, device), "batch_masks": masks,
                "mix_weight": 1.0 - (x1 - x0) * (y1 - y0) / (width * height)}

    def transform_nchw(self, images: torch.Tensor, transformation: Any) -> torch.Tensor:
        if transformation is None:
            return images
        masks = torch.as_tensor(transformation["batch_masks"], device=images.device)
        masks = self._to_nchw(masks.bool())
        others = images[transformation["permutation_order"].long()]
        return torch.where(masks, others, images)

    def transform_labels(self, labels: torch.Tensor, transformation: Any,
                         training: bool = True) -> torch.Tensor:
        if not training or transformation is None:
            return labels
        return _mix_labels(labels, transformation)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor}
