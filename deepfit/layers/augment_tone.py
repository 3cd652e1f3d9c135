"""Tone augmentation layers with Keras 3's semantics: RandomSharpness, RandomPosterization,
RandomInvert, Solarization, AutoContrast and Equalization.

The random ones draw per image while training and are the identity otherwise; AutoContrast has
no randomness and, as in Keras, applies in inference too.

Example:
    >>> import deepfit
    >>> augment = deepfit.Sequential([RandomSharpness(0.5), Solarization(0.2, 0.5)])
    >>> augment(torch.rand(4, 16, 16, 3) * 255).shape
    torch.Size([4, 16, 16, 3])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F

from deepfit.layers.augment_base import (
    TransformLayer,
    check_value_range,
    rescale_range,
)
from deepfit.layers.augment_color import _FactorLayer
from deepfit.layers.preprocessing import check_positive_int

__all__ = ["AutoContrast", "Equalization", "RandomInvert", "RandomPosterization",
           "RandomSharpness", "Solarization"]


class RandomSharpness(_FactorLayer):
    """Sharpens or blurs each image by a random amount while training: the image moves away
    from (or toward) a 3×3 smoothed copy by `2 u`, `u` drawn from `factor`, clipped to
    `value_range` (0.5 keeps the image, 0 blurs, 1 sharpens).

    Args:
        factor: a number `f` in [0, 1] (draws from [0, f]) or a pair `(lower, upper)`.
        value_range: the (min, max) of the images, (0, 255) by default.
        data_format: 'channels_last' (default) or 'channels_first'.
        seed: seeds the layer's own generator.

    Example:
        >>> RandomSharpness((0.5, 0.5))(torch.rand(2, 8, 8, 3) * 255).shape
        torch.Size([2, 8, 8, 3])
    """

    bounds = (0.0, 1.0)

    def get_random_transformation(self, images: torch.Tensor, training: bool = True,
                                  seed: Any = None) -> dict[str, torch.Tensor]:
        return {"factor": self.uniform_factor(images)}

    def transform_nchw(self, images: torch.Tensor, transformation: Any) -> torch.Tensor:
        sharpness = (transformation["factor"] * 2).to(images.dtype).reshape(-1, 1, 1, 1)
        channels = images.shape[1]
        kernel = torch.full((3, 3), 1.0 / 13.0, dtype=images.dtype, device=images.device)
        kernel[1, 1] = 5.0 / 13.0
        smoothed = F.conv2d(images, kernel.expand(channels, 1, 3, 3), padding=1,
                            groups=channels)
        return (images + (1.0 - sharpness) * (smoothed - images)).clamp(*self.value_range)


class RandomPosterization(_FactorLayer):
    """Keeps only the `b` most significant bits of each 8-bit channel value while training,
    `b` drawn per image from [1, factor) (or `factor` itself when the range is one value).

    Args:
        factor: a number `f` in [1, 8] or a pair `(lower, upper)`.
        value_range: the (min, max) of the images, (0, 255) by default.
        data_format: 'channels_last' (default) or 'channels_first'.
        seed: seeds the layer's own generator.

    Example:
        >>> RandomPosterization((2, 2))(torch.full((1, 2, 2, 3), 200.0))[0, 0, 0]
        tensor([128., 128., 128.])
    """

    bounds = (1, 8)

    def get_random_transformation(self, images: torch.Tensor, training: bool = True,
                                  seed: Any = None) -> dict[str, torch.Tensor]:
        count, device = self.batch_size(images), images.device
        low, high = self.factor
        if low != high:
            bits = self.randint(count, low, high, device)
        else:
            bits = torch.full((count,), int(low), device=device)
        return {"shift_factor": (8 - bits).to(torch.uint8)}

    def transform_nchw(self, images: torch.Tensor, transformation: Any) -> torch.Tensor:
        shift = transformation["shift_factor"].to(torch.int32).reshape(-1, 1, 1, 1)
        values = rescale_range(images, self.value_range, (0, 255))
        # Keras casts to uint8 (dropping the fraction) before shifting.
        values = values.to(torch.uint8).to(torch.int32)
        values = ((values >> shift) << shift).to(images.dtype)
        return rescale_range(values, (0, 255), self.value_range)


class RandomInvert(_FactorLayer):
    """Inverts each image (`value_range[1] - x`) with a random probability while training:
    the probability is drawn from `factor`, then compared with a uniform draw.

    Args:
        factor: a number `f` in [0, 1] (probability drawn from [0, f]) or a pair; 1.0 by
            default (inverts about half the images).
        value_range: the (min, max) of the images, (0, 255) by default.
        seed: seeds the layer's own generator.
        data_format: 'channels_last' (default) or 'channels_first'.

    Example:
        >>> RandomInvert(seed=1)(torch.rand(2, 8, 8, 3) * 255).shape
        torch.Size([2, 8, 8, 3])
    """

    bounds = (0.0, 1.0)
    sort_value_range = False

    def __init__(self, factor: Any = 1.0, value_range: Sequence[float] = (0, 255),
                 seed: int | None = None, data_format: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(factor, value_range, data_format=data_format, seed=seed, **kwargs)

    def get_random_transformation(self, images: torch.Tensor, training: bool = True,
                                  seed: Any = None) -> dict[str, torch.Tensor]:
        probability = self.uniform_factor(images)
        threshold = self.uniform(self.batch_size(images), 0, 1, images.device)
        return {"apply_inversion": threshold < probability}

    def transform_nchw(self, images: torch.Tensor, transformation: Any) -> torch.Tensor:
        apply = transformation["apply_inversion"].reshape(-1, 1, 1, 1)
        return torch.where(apply, self.value_range[1] - images, images)


class Solarization(TransformLayer):
    """Solarizes each image while training: on the 0–255 scale, adds a random amount
    (clipped to 255), then inverts every value at or above a random threshold.

    As in Keras, the amounts are drawn from [lower, upper × 255] of each factor, so the
    defaults (thresholds 0) invert every pixel.

    Args:
        addition_factor: a number `f` in [0, 1] (range (0, f)) or a pair; default 0.
        threshold_factor: the same for the threshold; default 0.
        value_range: the (min, max) of the images, (0, 255) by default.
        seed: seeds the layer's own generator.
        data_format: 'channels_last' (default) or 'channels_first'.

    Example:
        >>> Solarization(threshold_factor=(0.5, 0.5))(torch.tensor([[[[10.0, 200.0, 128.0]]]]))
        tensor([[[[ 10.,  55., 127.]]]])
    """

    def __init__(self, addition_factor: Any = 0.0, threshold_factor: Any = 0.0,
                 value_range: Sequence[float] = (0, 255), seed: int | None = None,
                 **kwargs: Any) -> None:
        super().__init__(seed=seed, **kwargs)
        self.addition_factor = self._factor(addition_factor, "addition_factor")
        self.threshold_factor = self._factor(threshold_factor, "threshold_factor")
        self.value_range = check_value_range("Solarization", value_range)

    @staticmethod
    def _factor(factor: Any, name: str) -> tuple[float, float]:
        message = (f"Solarization: the `addition_factor` and `threshold_factor` arguments "
                   f"should be a number (or a list of two numbers) in the range [0, 1]. "
                   f"Received: {name}={factor!r}")
        values = factor if isinstance(factor, (tuple, list)) else [factor]
        if len(values) not in (1, 2) or any(
                isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1
                for v in values):
            raise ValueError(message)
        if not isinstance(factor, (tuple, list)):
            return 0, factor
        lower, upper = sorted(factor)
        return lower, upper

    def get_random_transformation(self, images: torch.Tensor, training: bool = True,
                                  seed: Any = None) -> dict[str, torch.Tensor]:
        count, device = self.batch_size(images), images.device
        shape = (count, 1, 1, 1)
        additions = self.uniform(count, self.addition_factor[0], self.addition_factor[1] * 255,
                                 device)
        thresholds = self.uniform(count, self.threshold_factor[0],
                                  self.threshold_factor[1] * 255, device)
        return {"additions": additions.reshape(shape), "thresholds": thresholds.reshape(shape)}

    def transform_nchw(self, images: torch.Tensor, transformation: Any) -> torch.Tensor:
        values = rescale_range(images, self.value_range, (0, 255))
        additions = transformation["additions"].to(images.dtype).reshape(-1, 1, 1, 1)
        thresholds = transformation["thresholds"].to(images.dtype).reshape(-1, 1, 1, 1)
        values = (values + additions).clamp(0, 255)
        values = torch.where(values < thresholds, values, 255 - values)
        return rescale_range(values, (0, 255), self.value_range)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "value_range": self.value_range,
                "addition_factor": self.addition_factor,
                "threshold_factor": self.threshold_factor}


class AutoContrast(TransformLayer):
    """Stretches each image's channels to the full `value_range` (min to low end, max to
    high end) — in training and inference alike, as Keras does. Constant channels are kept.

    Args:
        value_range: the (min, max) of the images, (0, 255) by default.
        data_format: 'channels_last' (default) or 'channels_first'.

    Example:
        >>> AutoContrast()(torch.tensor([[[[50.0], [100.0]]]]))[..., 0]
        tensor([[[  0., 255.]]])
    """

    applies_in_inference = True

    def __init__(self, value_range: Sequence[float] = (0, 255), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.value_range = check_value_range("AutoContrast", value_range)
        # Keras reduces axes 1 and 2 of the input as laid out: height and width for
        # channels_last, channels and height for channels_first (NCHW dims below).
        self.reduce_axes = (2, 3) if self.data_format == "channels_last" else (1, 2)

    def transform_nchw(self, images: torch.Tensor, transformation: Any) -> torch.Tensor:
        values = rescale_range(images, self.value_range, (0, 255))
        low = values.amin(dim=self.reduce_axes, keepdim=True)
        high = values.amax(dim=self.reduce_axes, keepdim=True)
        scale = 255.0 / (high - low)
        stretched = (values * scale - low * scale).clamp(0.0, 255.0)
        stretched = rescale_range(stretched, (0, 255), self.value_range)
        return torch.where(torch.isnan(stretched), images, stretched)

    def get_config(self) -> dict[str, Any]:
        config = {**super().get_config(), "value_range": self.value_range}
        config.pop("seed", None)
        return config


class Equalization(TransformLayer):
    """Histogram-equalizes each channel while training. As in Keras, a channel's histogram
    (`bins` bins over the 0–255 scale) is taken over the whole batch; channels with a single
    occupied bin are kept.

    Args:
        value_range: the (min, max) of the images, (0, 255) by default.
        bins: the number of histogram bins, 256 by default.
        data_format: 'channels_last' (default) or 'channels_first'.

    Example:
        >>> Equalization()(torch.tensor([[[[0.0], [10.0]], [[20.0], [30.0]]]]))[..., 0]
        tensor([[[  0.,  85.],
                 [170., 255.]]])
    """

    def __init__(self, value_range: Sequence[float] = (0, 255), bins: int = 256,
                 data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.bins = check_positive_int("Equalization", "bins", bins)
        self.value_range = check_value_range("Equalization", value_range)

    def transform_nchw(self, images: torch.Tensor, transformation: Any) -> torch.Tensor:
        values = rescale_range(images, self.value_range, (0, 255))
        channels = [self._equalize(values[:, c]) for c in range(values.shape[1])]
        return rescale_range(torch.stack(channels, dim=1), (0, 255), self.value_range)

    def _equalize(self, channel: torch.Tensor) -> torch.Tensor:
        last = self.bins - 1
        bins = (channel.float() * last / 255).to(torch.int32).clamp(0, last)
        histogram = torch.bincount(bins.flatten().long(), minlength=self.bins)
        if int(torch.count_nonzero(histogram)) <= 1:
            return channel
        cdf = torch.cumsum(histogram, dim=0)
        cdf_min = cdf[torch.nonzero(cdf)[0, 0]]
        denominator = cdf[-1] - cdf_min
        denominator = torch.where(denominator == 0, torch.ones_like(denominator), denominator)
        table = torch.round((cdf - cdf_min) * 255 / denominator).clamp(0, 255)
        index = (channel / 255.0 * last).clamp(0, last).to(torch.int64)
        return table[index].to(channel.dtype)

    def get_config(self) -> dict[str, Any]:
        config = {**super().get_config(), "bins": self.bins, "value_range": self.value_range}
        config.pop("seed", None)
        return config
