"""Colour augmentation layers with Keras 3's semantics: RandomHue, RandomSaturation,
RandomGrayscale, RandomColorDegeneration and RandomColorJitter.

Each draws one random factor per image while training and is the identity otherwise; images
hold values in `value_range` ((0, 255) by default) and come back in it.

Example:
    >>> import deepfit
    >>> augment = deepfit.Sequential([RandomHue(0.2), RandomSaturation(0.6)])
    >>> augment(torch.rand(4, 16, 16, 3) * 255).shape
    torch.Size([4, 16, 16, 3])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from deepfit import config
from deepfit.layers.augment_base import (
    TransformLayer,
    check_factor,
    check_value_range,
    rescale_range,
)
from deepfit.layers.augmentation import RandomBrightness, RandomContrast
from deepfit.ops.image_color import hsv_to_rgb, rgb_to_hsv

__all__ = ["RandomColorDegeneration", "RandomColorJitter", "RandomGrayscale", "RandomHue",
           "RandomSaturation", "grayscale"]


def grayscale(images: torch.Tensor) -> torch.Tensor:
    """The luminance of an NCHW RGB batch, one channel (Keras's weights 0.2989, 0.587, 0.114);
    a one-channel batch is returned as it is."""
    if images.shape[1] == 1:
        return images
    if images.shape[1] != 3:
        raise ValueError(f"Expected 1 or 3 channels (grayscale or RGB), received images of "
                         f"shape {tuple(images.shape)} (NCHW)")
    red, green, blue = images.unbind(dim=1)
    return (0.2989 * red + 0.587 * green + 0.114 * blue).to(images.dtype)[:, None]


class _FactorLayer(TransformLayer):
    """The shared `factor`, `value_range` and `seed` arguments and config."""

    bounds: tuple[float, float] = (-1.0, 1.0)
    sort_value_range = True

    def __init__(self, factor: Any, value_range: Sequence[float] = (0, 255),
                 data_format: str | None = None, seed: int | None = None,
                 **kwargs: Any) -> None:
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        name = type(self).__name__
        self.factor = check_factor(name, factor, self.bounds)
        self.value_range = check_value_range(name, value_range, sort=self.sort_value_range)

    def uniform_factor(self, images: torch.Tensor) -> torch.Tensor:
        return self.uniform(self.batch_size(images), *self.factor, images.device)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range}


class RandomHue(_FactorLayer):
    """Shifts each image's hue by a random amount while training.

    Args:
        factor: a number `f` in [0, 1] (shifts of up to `f / 2` of a turn either way) or a
            pair `(lower, upper)`: the shift's size is drawn from [lower, upper] / 2, its
            direction at random.
        value_range: the (min, max) of the images, (0, 255) by default.
        data_format: 'channels_last' (default) or 'channels_first'.
        seed: seeds the layer's own generator.

    Example:
        >>> RandomHue((0.5, 0.5), value_range=(0, 1))(torch.rand(2, 8, 8, 3)).shape
        torch.Size([2, 8, 8, 3])
    """

    bounds = (0.0, 1.0)
    sort_value_range = False

    def get_random_transformation(self, images: torch.Tensor, training: bool = True,
                                  seed: Any = None) -> dict[str, torch.Tensor]:
        count, device = self.batch_size(images), images.device
        direction = torch.where(self.uniform(count, 0, 1, device) > 0.5, -1.0, 1.0)
        return {"factor": direction * self.uniform_factor(images) * 0.5}

    def transform_nchw(self, images: torch.Tensor, transformation: Any) -> torch.Tensor:
        images = rescale_range(images, self.value_range, (0, 1))
        hsv = rgb_to_hsv(images, data_format="channels_first")
        shift = transformation["factor"].to(images.dtype)[:, None, None]
        hue = hsv[:, 0] + shift
        hue = torch.where(hue > 1.0, hue - 1.0, hue)
        hue = torch.where(hue < 0.0, hue + 1.0, hue)
        hsv = torch.stack((hue, hsv[:, 1], hsv[:, 2]), dim=1)
        rgb = hsv_to_rgb(hsv, data_format="channels_first").clamp(0, 1)
        return rescale_range(rgb, (0, 1), self.value_range)


class RandomSaturation(_FactorLayer):
    """Scales each image's saturation by a random factor while training.

    As in Keras, a draw `u` from `factor` scales saturation by `u / (1 - u)`: 0.5 keeps it,
    1.0 saturates fully and 0 (or less) gives grayscale; the scaled saturation is clipped to
    `value_range`, and the images are converted to HSV as they are (not rescaled).

    Args:
        factor: a number `f` in [0, 1] (draws from [-f, f]) or a pair `(lower, upper)`.
        value_range: the (min, max) the saturation is clipped to, (0, 255) by default.
        data_format: 'channels_last' (default) or 'channels_first'.
        seed: seeds the layer's own generator.

    Example:
        >>> RandomSaturation((0.5, 0.5))(torch.rand(2, 8, 8, 3) * 255).shape
        torch.Size([2, 8, 8, 3])
    """

    def get_random_transformation(self, images: torch.Tensor, training: bool = True,
                                  seed: Any = None) -> dict[str, torch.Tensor]:
        factor = self.uniform_factor(images)
        return {"factor": factor / (1 - factor + config.epsilon())}

    def transform_nchw(self, images: torch.Tensor, transformation: Any) -> torch.Tensor:
        hsv = rgb_to_hsv(images, data_format="channels_first")
        scale = transformation["factor"].to(images.dtype)[:, None, None]
        saturation = (hsv[:, 1] * scale).clamp(*self.value_range)
        hsv = torch.stack((hsv[:, 0], saturation, hsv[:, 2]), dim=1)
        return hsv_to_rgb(hsv, data_format="channels_first")


class RandomColorDegeneration(_FactorLayer):
    """Blends each image with its grayscale version by a random amount while training:
    `x + u * (gray(x) - x)`, clipped to `value_range`.

    Args:
        factor: a number `f` in [0, 1] (draws `u` from [-f, f]) or a pair `(lower, upper)`.
        value_range: the (min, max) of the images, (0, 255) by default.
        data_format: 'channels_last' (default) or 'channels_first'.
        seed: seeds the layer's own generator.

    Example:
        >>> RandomColorDegeneration((1.0, 1.0))(torch.rand(1, 4, 4, 3)).shape  # all gray
        torch.Size([1, 4, 4, 3])
    """

    def get_random_transformation(self, images: torch.Tensor, training: bool = True,
                                  seed: Any = None) -> dict[str, torch.Tensor]:
        return {"factor": self.uniform_factor(images)[:, None, None, None]}

    def transform_nchw(self, images: torch.Tensor, transformation: Any) -> torch.Tensor:
        factor = transformation["factor"].to(images.dtype).reshape(-1, 1, 1, 1)
        images = images + factor * (grayscale(images) - images)
        return images.clamp(*self.value_range)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        channels = input_shape[-1 if self.data_format == "channels_last" else -3]
        if channels is not None and channels != 3:
            raise ValueError(f"RandomColorDegeneration: input images must have 3 channels, "
                             f"but received images with {channels} channels.")
        return tuple(input_shape)


class RandomGrayscale(TransformLayer):
    """Turns each image to grayscale (kept in all its channels) with probability `factor`
    while training.

    Args:
        factor: the probability, in [0, 1]; 0.5 by default.
        data_format: 'channels_last' (default) or 'channels_first'.
        seed: seeds the layer's own generator.

    Example:
        >>> RandomGrayscale(1.0)(torch.rand(2, 8, 8, 3)).shape
        torch.Size([2, 8, 8, 3])
    """

    def __init__(self, factor: float = 0.5, data_format: str | None = None,
                 seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not (
                0 <= factor <= 1):
            raise ValueError(f"RandomGrayscale: `factor` should be between 0 and 1. "
                             f"Received: factor={factor!r}")
        self.factor = factor

    def get_random_transformation(self, images: torch.Tensor, training: bool = True,
                                  seed: Any = None) -> torch.Tensor:
        draws = self.uniform(self.batch_size(images), 0, 1, images.device)
        return (draws < self.factor)[:, None, None, None]

    def transform_nchw(self, images: torch.Tensor, transformation: Any) -> torch.Tensor:
        apply = transformation.reshape(-1, 1, 1, 1)
        return torch.where(apply, grayscale(images), images)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor}


class RandomColorJitter(TransformLayer):
    """Random brightness, contrast, saturation and hue changes, in that order, while training
    (each only when its factor is given; each as its own layer does it).

    Args:
        value_range: the (min, max) of the images, (0, 255) by default.
        brightness_factor: `RandomBrightness`'s factor, or None to skip it.
        contrast_factor: `RandomContrast`'s factor, or None.
        saturation_factor: `RandomSaturation`'s factor, or None.
        hue_factor: `RandomHue`'s factor, or None.
        seed: seeds the layer's own generator (and its parts').
        data_format: 'channels_last' (default) or 'channels_first'.

    Example:
        >>> jitter = RandomColorJitter(brightness_factor=0.2, hue_factor=0.1, seed=1)
        >>> jitter(torch.rand(2, 8, 8, 3) * 255).shape
        torch.Size([2, 8, 8, 3])
    """

    def __init__(self, value_range: Sequence[float] = (0, 255), brightness_factor: Any = None,
                 contrast_factor: Any = None, saturation_factor: Any = None,
                 hue_factor: Any = None, seed: int | None = None,
                 data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.value_range = check_value_range("RandomColorJitter", value_range, sort=False)
        self.brightness_factor = brightness_factor
        self.contrast_factor = contrast_factor
        self.saturation_factor = saturation_factor
        self.hue_factor = hue_factor
        common = {"value_range": value_range, "seed": seed}
        made = [(brightness_factor, RandomBrightness), (contrast_factor, RandomContrast),
                (saturation_factor, RandomSaturation), (hue_factor, RandomHue)]
        # NCHW parts: this layer converts once and calls each part's `augment`.
        self._parts = [cls(factor, data_format="channels_first", **common)
                       for factor, cls in made if factor is not None]

    def transform_nchw(self, images: torch.Tensor, transformation: Any) -> torch.Tensor:
        for part in self._parts:
            images = part.augment(images)
        return images

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "value_range": self.value_range,
                "brightness_factor": self.brightness_factor,
                "contrast_factor": self.contrast_factor,
                "saturation_factor": self.saturation_factor, "hue_factor": self.hue_factor}
