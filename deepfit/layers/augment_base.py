"""The base of Keras 3's newer image-augmentation layers (RandomHue, MixUp, RandAugment, ...):
Keras's two-step contract — `get_random_transformation` draws the parameters for a batch,
`transform_images` applies given parameters — so a transformation can be drawn once and
applied (or compared with Keras's) deterministically.

Inputs are an image batch, one image, or Keras's dict `{"images": ..., "labels": ...}` (MixUp
and CutMix mix the labels too); layers that leave pixels in place pass a dict's
"bounding_boxes" and "segmentation_masks" through, the others refuse them. Outputs are
float; while not training the layer returns its input, except AutoContrast and CLAHE, which
Keras applies always.

Example:
    >>> from deepfit.layers.augment_color import RandomHue
    >>> layer = RandomHue(0.5, seed=1)
    >>> images = torch.rand(2, 8, 8, 3) * 255
    >>> t = layer.get_random_transformation(images)
    >>> layer.transform_images(images, t).shape
    torch.Size([2, 8, 8, 3])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from deepfit.layers.augmentation import RandomImageLayer

__all__ = ["TransformLayer", "check_factor", "check_value_range", "rescale_range"]


def check_factor(layer: str, factor: Any, bounds: tuple[float, float],
                 name: str = "factor") -> tuple[float, float]:
    """Keras's factor rule: a number `f` gives `(max(-|f|, low), |f|)`, a pair is sorted.

    Raises Keras's ValueError for a number outside `bounds`, a pair entirely outside them
    (Keras checks only `factor[0] > high` or `factor[1] < low`) or anything else.
    """
    low, high = bounds
    message = (f"{layer}: the `{name}` argument should be a number (or a list of two numbers) "
               f"in the range [{low}, {high}]. Received: {name}={factor!r}")
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or not all(_is_number(v) for v in factor):
            raise ValueError(message)
        if factor[0] > high or factor[1] < low:
            raise ValueError(message)
        lower, upper = sorted(factor)
        return lower, upper
    if not _is_number(factor):
        raise ValueError(message)
    if factor < low or factor > high:
        raise ValueError(message)
    factor = abs(factor)
    return max(-factor, low), factor


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float))


def check_value_range(layer: str, value_range: Any, sort: bool = True) -> Any:
    """Keras's value_range check: a list or tuple of two numbers (sorted into a list, as Keras
    stores it, unless `sort` is False)."""
    if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
        raise ValueError(f"{layer}: the `value_range` argument should be a list of two numbers. "
                         f"Received: value_range={value_range!r}")
    return sorted(value_range) if sort else value_range


def rescale_range(images: torch.Tensor, source: Sequence[float], target: Sequence[float]
                  ) -> torch.Tensor:
    """Map values linearly from the `source` range onto the `target` range (Keras's
    `_transform_value_range`: the identity when they are equal)."""
    if source[0] == target[0] and source[1] == target[1]:
        return images
    images = (images - source[0]) / (source[1] - source[0])
    return images * (target[1] - target[0]) + target[0]


def as_float(images: torch.Tensor) -> torch.Tensor:
    """Float images as they are; integer ones as float32 (Keras's compute dtype)."""
    return images if images.is_floating_point() else images.float()


class TransformLayer(RandomImageLayer):
    """Keras's `BaseImagePreprocessingLayer` contract on deepfit's image layers.

    Subclasses implement `get_random_transformation(images, training, seed)` (images in the
    layer's layout, batched) and `transform_nchw(images, transformation)` on an NCHW float
    batch; `transform_images` applies a transformation in the layer's own layout.
    """

    #: Keras applies a few layers (AutoContrast) outside training too.
    applies_in_inference = False
    #: Whether pixels stay where they are, so bounding boxes and segmentation masks in a dict
    #: input pass through unchanged (as Keras's colour layers return them).
    keeps_geometry = True

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        training = training is None or bool(training)
        if isinstance(inputs, dict):
            return self._call_dict(inputs, training)
        batch, unbatched = self._as_batch(inputs)
        if not training and not self.applies_in_inference:
            return inputs
        batch = as_float(batch)
        transformation = self.get_random_transformation(batch, training=training)
        outputs = self.transform_images(batch, transformation, training=training)
        return outputs[0] if unbatched else outputs

    def _call_dict(self, data: dict, training: bool) -> dict:
        if "images" not in data:
            raise ValueError(f"{type(self).__name__}: a dict input needs an 'images' entry, "
                             f"received keys {sorted(data)}")
        moved = [key for key in ("bounding_boxes", "segmentation_masks") if key in data]
        if moved and not self.keeps_geometry:
            raise NotImplementedError(f"{type(self).__name__}: transforming {moved[0]} is not "
                                      f"supported by deepfit yet (only 'images' and 'labels')")
        batch, unbatched = self._as_batch(torch.as_tensor(data["images"]))
        batch = as_float(batch)
        transformation = (self.get_random_transformation(batch, training=training)
                          if training or self.applies_in_inference else None)
        outputs = dict(data)
        images = self.transform_images(batch, transformation, training=training)
        outputs["images"] = images[0] if unbatched else images
        if "labels" in data:
            labels = torch.as_tensor(data["labels"])
            labels = self.transform_labels(labels[None] if unbatched else labels,
                                           transformation, training=training)
            outputs["labels"] = labels[0] if unbatched else labels
        return outputs

    # ----------------------------------------------------------------- Keras's hooks
    def get_random_transformation(self, images: torch.Tensor, training: bool = True,
                                  seed: Any = None) -> Any:
        """The random parameters for this batch (a dict of tensors), or None."""
        return None

    def transform_images(self, images: torch.Tensor, transformation: Any,
                         training: bool = True) -> torch.Tensor:
        """`images` (a batch in the layer's data format) transformed by `transformation`."""
        images = as_float(images)
        if not training and not self.applies_in_inference:
            return images
        return self._from_nchw(self.transform_nchw(self._to_nchw(images), transformation),
                               False)

    def transform_nchw(self, images: torch.Tensor, transformation: Any) -> torch.Tensor:
        raise NotImplementedError

    def transform_labels(self, labels: torch.Tensor, transformation: Any,
                         training: bool = True) -> torch.Tensor:
        """The labels for the transformed images: unchanged unless the layer mixes images."""
        return labels

    def augment(self, images: torch.Tensor) -> torch.Tensor:
        """One random transformation applied to an NCHW batch (for composite layers)."""
        batch = self._from_nchw(images, False)
        return self._to_nchw(self.transform_images(batch, self.get_random_transformation(batch)))

    # ----------------------------------------------------------------- random draws
    def batch_size(self, images: torch.Tensor) -> int:
        return images.shape[0] if images.dim() == 4 else 1

    def randint(self, count: int, low: int, high: int, device: torch.device) -> torch.Tensor:
        """`count` int64 samples from [low, high)."""
        return torch.randint(int(low), int(high), (count,), generator=self._generator(device),
                             device=device)

    def normal(self, shape: Sequence[int], device: torch.device,
               dtype: torch.dtype = torch.float32) -> torch.Tensor:
        return torch.randn(tuple(shape), generator=self._generator(device), device=device,
                           dtype=dtype)

    def permutation(self, count: int, device: torch.device) -> torch.Tensor:
        return torch.randperm(count, generator=self._generator(device), device=device)

    def beta(self, count: int, alpha: Any, beta: Any, device: torch.device) -> torch.Tensor:
        """`count` samples of Beta(alpha, beta) (float32)."""
        alpha = torch.as_tensor(alpha, dtype=torch.float32).expand(count)
        beta = torch.as_tensor(beta, dtype=torch.float32).expand(count)
        return self._sample(torch.distributions.Beta(alpha, beta), device)

    def gamma(self, count: int, alpha: Any, device: torch.device) -> torch.Tensor:
        """`count` samples of Gamma(alpha, 1) (float32)."""
        alpha = torch.as_tensor(alpha, dtype=torch.float32).expand(count)
        return self._sample(torch.distributions.Gamma(alpha, torch.ones_like(alpha)), device)

    def _sample(self, distribution: torch.distributions.Distribution, device: torch.device
                ) -> torch.Tensor:
        if self.seed is None:
            return distribution.sample().to(device)
        # torch's gamma sampler takes no generator: seed a forked global one from ours.
        cpu_seed = int(self.randint(1, 0, 2**31 - 1, torch.device("cpu"))[0])
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(cpu_seed)
            return distribution.sample().to(device)
