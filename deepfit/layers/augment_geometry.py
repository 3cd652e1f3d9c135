"""Geometric and region augmentation layers with Keras 3's semantics: RandomShear,
RandomPerspective, RandomElasticTransform, RandomGaussianBlur and RandomErasing.

They resample with `deepfit.ops.image` (Keras's interpolation and fill rules), draw per image
while training and are the identity otherwise.

Example:
    >>> import deepfit
    >>> augment = deepfit.Sequential([RandomShear(0.2), RandomErasing(0.5)])
    >>> augment(torch.rand(4, 16, 16, 3) * 255).shape
    torch.Size([4, 16, 16, 3])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from deepfit.layers.augment_base import TransformLayer, check_factor, check_value_range
from deepfit.layers.augment_mixing import box_masks, random_boxes
from deepfit.ops.image_filters import gaussian_blur
from deepfit.ops.image_sampling import FILL_MODES
from deepfit.ops.image_warps import affine_transform, elastic_transform, perspective_transform

__all__ = ["RandomElasticTransform", "RandomErasing", "RandomGaussianBlur",
           "RandomPerspective", "RandomShear"]

_INTERPOLATIONS = ("nearest", "bilinear")


def _check_choice(layer: str, name: str, value: Any, choices: Sequence[str]) -> str:
    if value not in choices:
        raise NotImplementedError(f"{layer}: unknown `{name}` {value!r}. Expected one of "
                                  f"{list(choices)}.")
    return value


def _where_each(apply: torch.Tensor, changed: torch.Tensor, images: torch.Tensor
                ) -> torch.Tensor:
    return torch.where(apply.reshape(-1, 1, 1, 1).to(images.device), changed, images)


class RandomShear(TransformLayer):
    """Shears each image by random amounts along x and y while training: output pixel
    (x, y) reads the input at (x + sx y, sy x + y) (about the top-left corner, as Keras), both
    signs flipped together at random.

    Args:
        x_factor: a number `f` in [0, 1] (sx from [-f, f]) or a pair of numbers in [0, 1].
        y_factor: the same for sy.
        interpolation: 'bilinear' (default) or 'nearest'.
        fill_mode: 'reflect' (default), 'wrap', 'constant' or 'nearest'.
        fill_value: the value outside the image for 'constant'.
        data_format: 'channels_last' (default) or 'channels_first'.
        seed: seeds the layer's own generator.

    Example:
        >>> RandomShear(x_factor=0.3, seed=1)(torch.rand(2, 8, 8, 3)).shape
        torch.Size([2, 8, 8, 3])
    """

    keeps_geometry = False

    def __init__(self, x_factor: Any = 0.0, y_factor: Any = 0.0, interpolation: str = "bilinear",
                 fill_mode: str = "reflect", fill_value: float = 0.0,
                 data_format: str | None = None, seed: int | None = None,
                 **kwargs: Any) -> None:
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.x_factor = self._factor(x_factor, "x_factor")
        self.y_factor = self._factor(y_factor, "y_factor")
        # The config keeps the arguments as given: Keras stores a number f as (-f, f), which
        # Keras itself then refuses to load.
        self._arguments = {"x_factor": x_factor, "y_factor": y_factor}
        self.fill_mode = _check_choice("RandomShear", "fill_mode", fill_mode,
                                       ("reflect", "wrap", "constant", "nearest"))
        self.interpolation = _check_choice("RandomShear", "interpolation", interpolation,
                                           _INTERPOLATIONS)
        self.fill_value = fill_value

    @staticmethod
    def _factor(factor: Any, name: str) -> tuple[float, float]:
        message = (f"RandomShear: the `{name}` argument should be a number (or a list of two "
                   f"numbers) in the range [0, 1.0]. Received: {name}={factor!r}")
        # Keras wants every value in [0, 1] but stores a number f as (-f, f), which its own
        # from_config then rejects; deepfit takes a pair's lower end down to -1.
        pair = isinstance(factor, (tuple, list))
        values = list(factor) if pair else [factor]
        if len(values) not in (1, 2) or any(
                isinstance(v, bool) or not isinstance(v, (int, float))
                or not (-1 if pair else 0) <= v <= 1 for v in values):
            raise ValueError(message)
        if not isinstance(factor, (tuple, list)):
            return -abs(factor), abs(factor)
        lower, upper = sorted(factor)
        return lower, upper

    def get_random_transformation(self, images: torch.Tensor, training: bool = True,
                                  seed: Any = None) -> dict[str, Any]:
        count, device = self.batch_size(images), images.device
        sign = torch.where(self.uniform(count, 0, 1, device) > 0.5, -1.0, 1.0)
        shear_y = self.uniform(count, *self.y_factor, device)
        shear_x = self.uniform(count, *self.x_factor, device)
        return {"shear_factor": torch.stack((shear_x, shear_y), dim=1) * sign[:, None],
                "input_shape": tuple(images.shape)}

    def transform_nchw(self, images: torch.Tensor, transformation: Any) -> torch.Tensor:
        shear = torch.as_tensor(transformation["shear_factor"], device=images.device).float()
        ones, zeros = torch.ones_like(shear[:, 0]), torch.zeros_like(shear[:, 0])
        matrix = torch.stack((ones, shear[:, 0], zeros, shear[:, 1], ones, zeros, zeros, zeros),
                             dim=1)
        return affine_transform(images, matrix, self.interpolation, self.fill_mode,
                                self.fill_value, data_format="channels_first")

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), **self._arguments,
                "fill_mode": self.fill_mode, "interpolation": self.interpolation,
                "fill_value": self.fill_value}


class _ProbabilityLayer(TransformLayer):
    """Layers applied to each image with a probability drawn from `factor`."""

    def __init__(self, factor: Any, seed: int | None, data_format: str | None,
                 **kwargs: Any) -> None:
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = check_factor(type(self).__name__, factor, (0, 1))

    def draw_apply(self, count: int, device: torch.device) -> torch.Tensor:
        probability = self.uniform(count, *self.factor, device)
        return self.uniform(count, 0, 1, device) < probability


class RandomPerspective(_ProbabilityLayer):
    """Warps each image by a random perspective while training (with a probability drawn
    from `factor`): each corner moves by up to `scale / 2` of its own coordinates.

    Args:
        factor: a number `f` in [0, 1] (probability drawn from [0, f]) or a pair; 1.0.
        scale: the distortion's size, in [0, 1]; 1.0 by default.
        interpolation: 'bilinear' (default) or 'nearest'.
        fill_value: the value outside the warped image.
        seed: seeds the layer's own generator.
        data_format: 'channels_last' (default) or 'channels_first'.

    Example:
        >>> RandomPerspective(scale=0.3, seed=1)(torch.rand(2, 8, 8, 3)).shape
        torch.Size([2, 8, 8, 3])
    """

    keeps_geometry = False

    def __init__(self, factor: Any = 1.0, scale: float = 1.0, interpolation: str = "bilinear",
                 fill_value: float = 0.0, seed: int | None = None,
                 data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(factor, seed, data_format, **kwargs)
        if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not (
                0.0 <= scale <= 1.0):
            raise ValueError(f"RandomPerspective: the `scale` argument should be a number in "
                             f"the range [0,1]. Received: scale={scale!r}")
        self.scale = scale
        self.interpolation = _check_choice("RandomPerspective", "interpolation", interpolation,
                                           _INTERPOLATIONS)
        self.fill_value = fill_value

    def get_random_transformation(self, images: torch.Tensor, training: bool = True,
                                  seed: Any = None) -> dict[str, Any]:
        count, device = self.batch_size(images), images.device
        height, width = self._spatial_size(images)
        apply = self.draw_apply(count, device)
        shifts = self.uniform(count * 8, -0.5 * self.scale, 0.5 * self.scale, device)
        start = torch.tensor([[0.0, 0.0], [width - 1, 0.0], [0.0, height - 1],
                              [width - 1, height - 1]], device=device).expand(count, 4, 2)
        return {"apply_perspective": apply, "start_points": start,
                "end_points": start + start * shifts.reshape(count, 4, 2),
                "input_shape": tuple(images.shape)}

    def transform_nchw(self, images: torch.Tensor, transformation: Any) -> torch.Tensor:
        warped = perspective_transform(images, transformation["start_points"],
                                       transformation["end_points"], self.interpolation,
                                       self.fill_value, data_format="channels_first")
        return _where_each(transformation["apply_perspective"], warped, images)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor, "scale": self.scale,
                "interpolation": self.interpolation, "fill_value": self.fill_value}


class RandomElasticTransform(_ProbabilityLayer):
    """Elastically distorts each image while training (with a probability drawn from
    `factor`), by `ops.image.elastic_transform` with alpha = `0.1 s max(h, w)` and sigma =
    `0.05 s min(h, w)`, `s` drawn from `scale` per batch; clipped to `value_range`.

    Without a seed the displacement noise comes from torch's global generator, as in Keras's
    torch backend; with one, from the layer's own generator.

    Args:
        factor: a number `f` in [0, 1] (probability drawn from [0, f]) or a pair; 1.0.
        scale: a number `s` in [0, 1] (drawn from [0, s]) or a pair; 1.0.
        interpolation: 'bilinear' (default) or 'nearest'.
        fill_mode: 'reflect' (default), 'constant', 'nearest', 'wrap' or 'mirror'.
        fill_value: the value outside the image for 'constant'.
        value_range: the (min, max) of the images, (0, 255) by default.
        seed: seeds the layer's own generator.
        data_format: 'channels_last' (default) or 'channels_first'.

    Example:
        >>> RandomElasticTransform(seed=1)(torch.rand(2, 16, 16, 3) * 255).shape
        torch.Size([2, 16, 16, 3])
    """

    keeps_geometry = False

    def __init__(self, factor: Any = 1.0, scale: Any = 1.0, interpolation: str = "bilinear",
                 fill_mode: str = "reflect", fill_value: float = 0.0,
                 value_range: Sequence[float] = (0, 255), seed: int | None = None,
                 data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(factor, seed, data_format, **kwargs)
        self.scale = check_factor("RandomElasticTransform", scale, (0, 1), name="scale")
        self.interpolation = _check_choice("RandomElasticTransform", "interpolation",
                                           interpolation, _INTERPOLATIONS)
        self.fill_mode = _check_choice("RandomElasticTransform", "fill_mode", fill_mode,
                                       FILL_MODES)
        self.fill_value = fill_value
        self.value_range = check_value_range("RandomElasticTransform", value_range, sort=False)

    def get_random_transformation(self, images: torch.Tensor, training: bool = True,
                                  seed: Any = None) -> dict[str, Any] | None:
        if self.scale[1] == 0 or self.factor[1] == 0:
            return None
        count, device = self.batch_size(images), images.device
        apply = self.draw_apply(count, device)
        return {"apply_transform": apply,
                "distortion_factor": self.uniform(1, *self.scale, device)[0],
                "seed": self._generator(device)}

    def transform_nchw(self, images: torch.Tensor, transformation: Any) -> torch.Tensor:
        if transformation is None:
            return images
        height, width = images.shape[-2:]
        distortion = float(transformation["distortion_factor"])
        alpha = max(height, width) * 0.1 * distortion
        sigma = min(height, width) * 0.05 * distortion
        seed = transformation.get("seed")
        warped = elastic_transform(images, alpha, sigma, self.interpolation, self.fill_mode,
                                   self.fill_value, seed=seed if isinstance(
                                       seed, torch.Generator) else None,
                                   data_format="channels_first")
        images = _where_each(transformation["apply_transform"], warped, images)
        return images.clamp(*sorted(self.value_range))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor, "scale": self.scale,
                "interpolation": self.interpolation, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "value_range": self.value_range}


class RandomGaussianBlur(_ProbabilityLayer):
    """Blurs each image with a Gaussian kernel while training (with a probability drawn from
    `factor`); one (sigma_x, sigma_y) pair, drawn from `sigma`, per batch; clipped to
    `value_range`.

    Args:
        factor: a number `f` in [0, 1] (probability drawn from [0, f]) or a pair; 1.0.
        kernel_size: an odd int, or a pair of odd ints; 3 by default.
        sigma: a number `s` in [0, 1] (drawn from [0, s]) or a pair; 1.0.
        value_range: the (min, max) of the images, (0, 255) by default.
        data_format: 'channels_last' (default) or 'channels_first'.
        seed: seeds the layer's own generator.

    Example:
        >>> RandomGaussianBlur(kernel_size=5, seed=1)(torch.rand(2, 8, 8, 3) * 255).shape
        torch.Size([2, 8, 8, 3])
    """

    def __init__(self, factor: Any = 1.0, kernel_size: Any = 3, sigma: Any = 1.0,
                 value_range: Sequence[float] = (0, 255), data_format: str | None = None,
                 seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(factor, seed, data_format, **kwargs)
        self.kernel_size = self._kernel_size(kernel_size)
        self.sigma = check_factor("RandomGaussianBlur", sigma, (0, 1), name="sigma")
        self.value_range = check_value_range("RandomGaussianBlur", value_range, sort=False)

    @staticmethod
    def _kernel_size(size: Any) -> tuple[int, int]:
        message = f"RandomGaussianBlur: kernel_size must be an odd number. Received: {size!r}"
        values = list(size) if isinstance(size, (tuple, list)) else [size, size]
        if len(values) != 2 or any(isinstance(v, bool) or not isinstance(v, (int, float))
                                   or v % 2 == 0 for v in values):
            raise ValueError(message)
        return values[0], values[1]

    def get_random_transformation(self, images: torch.Tensor, training: bool = True,
                                  seed: Any = None) -> dict[str, torch.Tensor]:
        count, device = self.batch_size(images), images.device
        apply = self.draw_apply(count, device)
        return {"should_apply_blur": apply,
                "blur_factor": self.uniform(2, *self.sigma, device) + 1e-6}

    def transform_nchw(self, images: torch.Tensor, transformation: Any) -> torch.Tensor:
        sigma = [float(s) for s in transformation["blur_factor"]]
        blurred = gaussian_blur(images, self.kernel_size, sigma, data_format="channels_first")
        images = _where_each(transformation["should_apply_blur"], blurred, images)
        return images.clamp(*sorted(self.value_range))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor, "kernel_size": self.kernel_size,
                "sigma": self.sigma, "value_range": self.value_range}


class RandomErasing(_ProbabilityLayer):
    """Erases a random box of each image while training (with a probability drawn from
    `factor`): its sides are `sqrt(u)` of the image's, `u` drawn from `scale` per side; the box
    gets `fill_value` (a number or one per channel) or, by default, Gaussian noise times
    `value_range[1]`, clipped to `value_range`.

    Args:
        factor: a number `f` in [0, 1] (probability drawn from [0, f]) or a pair; 1.0.
        scale: a number or pair in [0, 1]: the box's area fraction range; (0.02, 0.33).
        fill_value: None (noise), a number or a list of three numbers.
        value_range: the (min, max) of the images, (0, 255) by default.
        seed: seeds the layer's own generator.
        data_format: 'channels_last' (default) or 'channels_first'.

    Example:
        >>> RandomErasing(fill_value=0.0, seed=1)(torch.rand(2, 8, 8, 3) * 255).shape
        torch.Size([2, 8, 8, 3])
    """

    def __init__(self, factor: Any = 1.0, scale: Any = (0.02, 0.33), fill_value: Any = None,
                 value_range: Sequence[float] = (0, 255), seed: int | None = None,
                 data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(factor, seed, data_format, **kwargs)
        self.scale = check_factor("RandomErasing", scale, (0, 1), name="scale")
        if fill_value is not None and not (
                isinstance(fill_value, (int, float)) and not isinstance(fill_value, bool)) and not (
                isinstance(fill_value, (tuple, list)) and len(fill_value) == 3):
            raise ValueError(f"RandomErasing: the `fill_value` argument should be a number (or "
                             f"a list of three numbers). Received: fill_value={fill_value!r}")
        self.fill_value = fill_value
        self.value_range = check_value_range("RandomErasing", value_range, sort=False)

    def get_random_transformation(self, images: torch.Tensor, training: bool = True,
                                  seed: Any = None) -> dict[str, torch.Tensor]:
        count, device = self.batch_size(images), images.device
        height, width = self._spatial_size(images)
        sides = torch.sqrt(self.uniform(count * 2, *self.scale, device)).reshape(count, 2)
        boxes = random_boxes(self, count, height, width, (sides[:, 0], sides[:, 1]), device)
        masks = box_masks(self, images, boxes)
        apply = self.draw_apply(count, device)
        return {"apply_erasing": apply, "batch_masks": masks,
                "fill_value": self._fill(images)}

    def _fill(self, images: torch.Tensor) -> torch.Tensor:
        low, high = self.value_range
        if self.fill_value is None:
            fill = self.normal(images.shape, images.device) * high
        elif isinstance(self.fill_value, (tuple, list)):
            channels = torch.tensor(self.fill_value, dtype=torch.float32, device=images.device)
            shape = (1, 1, 1, 3) if self.data_format == "channels_last" else (1, 3, 1, 1)
            fill = channels.reshape(shape).expand(images.shape)
        else:
            fill = torch.full(images.shape, float(self.fill_value), device=images.device)
        return fill.clamp(low, high)

    def transform_nchw(self, images: torch.Tensor, transformation: Any) -> torch.Tensor:
        masks = self._to_nchw(torch.as_tensor(transformation["batch_masks"]).bool())
        fill = self._to_nchw(torch.as_tensor(transformation["fill_value"])).to(images.dtype)
        erased = torch.where(masks.to(images.device), fill.to(images.device), images)
        return _where_each(transformation["apply_erasing"], erased, images)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor, "scale": self.scale,
                "fill_value": self.fill_value, "value_range": self.value_range}
