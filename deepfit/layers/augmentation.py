"""Random image augmentation layers with Keras 3's semantics: RandomFlip, RandomRotation,
RandomZoom, RandomTranslation, RandomContrast, RandomBrightness, RandomCrop.

They transform images only while training — inside `fit`, or when called with `training=True`
or with no flag at all (Keras's default, so `data_augmentation(images)` shows augmented
images) — and are the identity in `evaluate` and `predict`. Each sample of a batch gets its own
random transform, drawn on the input's device with no Python loop over images: the geometric
layers build one affine matrix per sample and resample the whole batch with
`torch.nn.functional.grid_sample`, with Keras's fill modes ('reflect', 'wrap', 'constant',
'nearest') done by remapping the sampling coordinates.

Randomness: a layer given `seed` draws from its own `torch.Generator` (one per device, seeded
with `seed`), so it repeats the same transforms run after run; without a seed it draws from
torch's global generator, which `deepfit.utils.set_random_seed` seeds.

Example:
    >>> import deepfit
    >>> data_augmentation = deepfit.Sequential([
    ...     RandomFlip("horizontal"),
    ...     RandomRotation(0.1),
    ...     RandomZoom(0.1),
    ... ])
    >>> data_augmentation(torch.rand(8, 32, 32, 3) * 255).shape
    torch.Size([8, 32, 32, 3])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F

from deepfit.layers.preprocessing import (
    ImageLayer,
    check_number,
    check_positive_int,
    resize_images,
)

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
AFFINE_INTERPOLATIONS = ("bilinear", "nearest")
FLIP_MODES = ("horizontal", "vertical", "horizontal_and_vertical")


# --------------------------------------------------------------------------- argument checks
def factor_range(layer: str, name: str, factor: Any, low: float, high: float,
                 symmetric_low: float | None = None, open_low: bool = False) -> tuple[float, float]:
    """Keras's factor rule: a pair is sorted; a number `f` means `(max(-f, symmetric_low), f)`.

    Every value must lie in [low, high] (or (low, high] with `open_low`).
    """
    bracket = "(" if open_low else "["
    message = (f"{layer}: {name} must be a number or a pair of numbers in "
               f"{bracket}{low}, {high}], received {factor!r}")

    def check(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(message)
        below = value <= low if open_low else value < low
        if below or value > high:
            raise ValueError(message)
        return float(value)

    if isinstance(factor, (list, tuple)):
        if len(factor) != 2:
            raise ValueError(message)
        lower, upper = sorted(check(v) for v in factor)
        return lower, upper
    value = abs(check(factor))
    floor = -value if symmetric_low is None else max(-value, symmetric_low)
    return floor, value


def _check_choice(layer: str, name: str, value: Any, choices: Sequence[str]) -> str:
    if value not in choices:
        raise ValueError(f"{layer}: {name} must be one of {list(choices)}, received {value!r}")
    return value


def _check_seed(layer: str, seed: Any) -> int | None:
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise ValueError(f"{layer}: seed must be a non-negative int or None, received {seed!r}")
    return seed


# --------------------------------------------------------------------------- base class
class RandomImageLayer(ImageLayer):
    """Base of the augmentation layers: the training switch and the random source.

    Subclasses implement `augment(images)` on NCHW float batches.

    Args:
        seed: seeds the layer's own generator; None draws from torch's global generator.
        data_format: 'channels_last' (default) or 'channels_first'.
    """

    def __init__(self, seed: int | None = None, data_format: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.seed = _check_seed(type(self).__name__, seed)
        self._generators: dict[torch.device, torch.Generator] = {}

    def _generator(self, device: torch.device) -> torch.Generator | None:
        if self.seed is None:
            return None
        if device not in self._generators:
            self._generators[device] = torch.Generator(device=device).manual_seed(self.seed)
        return self._generators[device]

    def uniform(self, count: int, low: float, high: float, device: torch.device) -> torch.Tensor:
        """`count` float32 samples from U[low, high) on `device` (no host sync)."""
        sample = torch.rand(count, generator=self._generator(device), device=device)
        return sample * (high - low) + low

    def call(self, inputs: torch.Tensor, training: bool | None = None) -> torch.Tensor:
        batch, unbatched = self._as_batch(inputs)
        if training is not None and not training:
            return self.inference(batch, unbatched, inputs)
        return self._from_nchw(self.augment(self._to_nchw(batch)), unbatched)

    def inference(self, batch: torch.Tensor, unbatched: bool, inputs: torch.Tensor
                  ) -> torch.Tensor:
        """The output outside training: the input itself."""
        return inputs

    def augment(self, images: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "seed": self.seed}


# --------------------------------------------------------------------------- affine resampling
def affine_transform(images: torch.Tensor, matrices: torch.Tensor, interpolation: str = "bilinear",
                     fill_mode: str = "reflect", fill_value: float = 0.0) -> torch.Tensor:
    """Resample each image of an NCHW batch through its own 2×3 affine matrix, as Keras does.

    Output pixel `(x, y)` of image `i` takes the input's value at
    `matrices[i] @ (x, y, 1)` (pixel units, x = column), interpolated, with points outside the
    image filled per `fill_mode`: 'reflect' (d c b a | a b c d | d c b a), 'wrap'
    (a b c d | a b c d), 'nearest' (a a a a | a b c d) or 'constant' (`fill_value`).

    Args:
        images: a float tensor `(batch, channels, height, width)`.
        matrices: a `(batch, 2, 3)` tensor on the same device.
        interpolation: 'bilinear' or 'nearest'.
        fill_mode: 'reflect', 'wrap', 'nearest' or 'constant'.
        fill_value: the value for 'constant'.

    Returns:
        The transformed batch, the same shape as `images`.

    Example:
        >>> shift = torch.tensor([[[1.0, 0.0, -1.0], [0.0, 1.0, 0.0]]])  # content moves right
        >>> row = torch.tensor([[[[1.0, 2.0, 3.0]]]])
        >>> affine_transform(row, shift, "nearest", fill_mode="constant")
        tensor([[[[0., 1., 2.]]]])
    """
    if images.dtype in (torch.float16, torch.bfloat16):
        # Half-precision grids are off by a fraction of a pixel on large images.
        return affine_transform(images.float(), matrices, interpolation, fill_mode,
                                fill_value).to(images.dtype)
    batch, channels, height, width = images.shape
    source = images
    if fill_mode == "wrap":
        # One wrapped extra row and column, so interpolating past the last pixel blends it
        # with the first one, as Keras's wrap does.
        source = F.pad(images, (0, 1, 0, 1), mode="circular")
    elif fill_mode == "constant" and fill_value != 0:
        # Zeros padding weights outside neighbours by 0; shifting by fill_value makes it fill.
        source = images - fill_value
    size_y, size_x = source.shape[-2:]
    grid = F.affine_grid(_normalized(matrices, height, width, size_y, size_x).to(images.dtype),
                         [batch, channels, height, width], align_corners=False)
    if fill_mode == "wrap":
        # Wrap pixel coordinates into [0, size): x -> x mod size, in normalized units.
        offset_x, offset_y = 1 - 1 / size_x, 1 - 1 / size_y
        grid = torch.stack((
            torch.remainder(grid[..., 0] + offset_x, 2 * width / size_x) - offset_x,
            torch.remainder(grid[..., 1] + offset_y, 2 * height / size_y) - offset_y,
        ), dim=-1)
    padding = {"reflect": "reflection", "nearest": "border", "constant": "zeros",
               "wrap": "border"}[fill_mode]
    out = F.grid_sample(source, grid, mode=interpolation, padding_mode=padding,
                        align_corners=False)
    if fill_mode == "constant" and fill_value != 0:
        out = out + fill_value
    return out


def _normalized(matrices: torch.Tensor, height: int, width: int, size_y: int, size_x: int
                ) -> torch.Tensor:
    """Pixel-unit output-to-input matrices → `affine_grid`'s normalized ones (align_corners
    False: pixel i of n sits at (2i + 1) / n - 1), for a source of size (size_y, size_x)."""
    rows = []
    for row, size in ((matrices[:, 0], size_x), (matrices[:, 1], size_y)):
        a, b, c = row.unbind(dim=1)
        shift = (a * (width - 1) + b * (height - 1) + 2 * c + 1) / size - 1
        rows.append(torch.stack((a * (width / size), b * (height / size), shift), dim=1))
    return torch.stack(rows, dim=1)


def rotation_matrices(angles: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Keras's rotation about the image center by `angles` radians (positive: counterclockwise
    on screen), as (batch, 2, 3) output-to-input matrices."""
    cx, cy = (width - 1) / 2, (height - 1) / 2
    cos, sin = torch.cos(angles), torch.sin(angles)
    return torch.stack((
        torch.stack((cos, -sin, cx - cx * cos + cy * sin), dim=-1),
        torch.stack((sin, cos, cy - cx * sin - cy * cos), dim=-1),
    ), dim=1)


def scale_shift_matrices(scale_x: torch.Tensor, scale_y: torch.Tensor, shift_x: torch.Tensor,
                         shift_y: torch.Tensor) -> torch.Tensor:
    """(batch, 2, 3) matrices mapping output (x, y) to input (sx * x + tx, sy * y + ty)."""
    zeros = torch.zeros_like(scale_x)
    return torch.stack((
        torch.stack((scale_x, zeros, shift_x), dim=-1),
        torch.stack((zeros, scale_y, shift_y), dim=-1),
    ), dim=1)


class _AffineLayer(RandomImageLayer):
    """Shared arguments and resampling of RandomRotation, RandomZoom and RandomTranslation."""

    def __init__(self, fill_mode: str, interpolation: str, seed: int | None, fill_value: float,
                 data_format: str | None, **kwargs: Any) -> None:
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        name = type(self).__name__
        self.fill_mode = _check_choice(name, "fill_mode", fill_mode, FILL_MODES)
        self.interpolation = _check_choice(name, "interpolation", interpolation,
                                           AFFINE_INTERPOLATIONS)
        self.fill_value = check_number(name, "fill_value", fill_value)

    def matrices(self, batch: int, height: int, width: int, device: torch.device
                 ) -> torch.Tensor | None:
        """One output-to-input matrix per sample, or None when the layer is the identity."""
        raise NotImplementedError

    def augment(self, images: torch.Tensor) -> torch.Tensor:
        batch, _, height, width = images.shape
        matrices = self.matrices(batch, height, width, images.device)
        if matrices is None:
            return images
        return affine_transform(images, matrices, self.interpolation, self.fill_mode,
                                self.fill_value)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "fill_mode": self.fill_mode,
                "interpolation": self.interpolation, "fill_value": self.fill_value}


# --------------------------------------------------------------------------- layers
class RandomFlip(RandomImageLayer):
    """Flips each image left-right and/or up-down with probability 1/2 while training.

    With 'horizontal_and_vertical' the two flips are drawn independently (tf.keras's behavior;
    Keras 3 draws one coin for both, which only ever gives the identity or a half turn).

    Args:
        mode: 'horizontal', 'vertical' or 'horizontal_and_vertical' (default).
        seed: seeds the layer's own generator.
        data_format: 'channels_last' (default) or 'channels_first'.

    Example:
        >>> RandomFlip("horizontal", seed=1)(torch.rand(4, 8, 8, 3), training=True).shape
        torch.Size([4, 8, 8, 3])
    """

    def __init__(self, mode: str = "horizontal_and_vertical", seed: int | None = None,
                 data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.mode = _check_choice("RandomFlip", "mode", mode, FLIP_MODES)

    def augment(self, images: torch.Tensor) -> torch.Tensor:
        batch = images.shape[0]
        if self.mode != "vertical":
            flip = self.uniform(batch, 0, 1, images.device) < 0.5
            images = torch.where(flip[:, None, None, None], images.flip(-1), images)
        if self.mode != "horizontal":
            flip = self.uniform(batch, 0, 1, images.device) < 0.5
            images = torch.where(flip[:, None, None, None], images.flip(-2), images)
        return images

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "mode": self.mode}


class RandomRotation(_AffineLayer):
    """Rotates each image by a random angle while training.

    Args:
        factor: a fraction of a full turn: a number `f` draws from [-f, f], a pair
            `(lower, upper)` from [lower, upper]; `0.25` is up to a quarter turn. Positive
            angles turn the image counterclockwise.
        fill_mode: 'reflect' (default), 'wrap', 'constant' or 'nearest'.
        interpolation: 'bilinear' (default) or 'nearest'.
        seed: seeds the layer's own generator.
        fill_value: the value outside the image for 'constant'.
        data_format: 'channels_last' (default) or 'channels_first'.

    Example:
        >>> RandomRotation((0.25, 0.25))(torch.rand(2, 8, 8, 3)).shape  # a quarter turn
        torch.Size([2, 8, 8, 3])
    """

    def __init__(self, factor: float | Sequence[float], fill_mode: str = "reflect",
                 interpolation: str = "bilinear", seed: int | None = None,
                 fill_value: float = 0.0, data_format: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.factor = factor_range("RandomRotation", "factor", factor, -1.0, 1.0, -1.0)

    def matrices(self, batch: int, height: int, width: int, device: torch.device
                 ) -> torch.Tensor | None:
        lower, upper = self.factor
        if lower == upper == 0:
            return None
        turns = self.uniform(batch, lower, upper, device)
        return rotation_matrices(turns * (2 * math.pi), height, width)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor}


class RandomZoom(_AffineLayer):
    """Zooms each image in or out by a random amount while training.

    Args:
        height_factor: a number `f` (zoom by a factor in [1 - f, 1 + f] vertically) or a pair
            `(lower, upper)` (a factor in [1 + lower, 1 + upper]); values in (-1, 1].
            Positive values zoom out (the image shrinks), negative values zoom in.
        width_factor: the same horizontally; None keeps the aspect ratio (one factor for both).
        fill_mode, interpolation, seed, fill_value, data_format: as for `RandomRotation`.

    Example:
        >>> RandomZoom(0.2, seed=3)(torch.rand(2, 8, 8, 3), training=True).shape
        torch.Size([2, 8, 8, 3])
    """

    def __init__(self, height_factor: float | Sequence[float],
                 width_factor: float | Sequence[float] | None = None,
                 fill_mode: str = "reflect", interpolation: str = "bilinear",
                 seed: int | None = None, fill_value: float = 0.0,
                 data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor = height_factor
        self._height = factor_range("RandomZoom", "height_factor", height_factor, -1.0, 1.0,
                                    open_low=True)
        self.width_factor = width_factor
        self._width = None if width_factor is None else factor_range(
            "RandomZoom", "width_factor", width_factor, -1.0, 1.0, open_low=True)

    def matrices(self, batch: int, height: int, width: int, device: torch.device
                 ) -> torch.Tensor | None:
        if self._height == (0, 0) and self._width in (None, (0, 0)):
            return None
        zoom_y = 1 + self.uniform(batch, *self._height, device)
        zoom_x = zoom_y if self._width is None else 1 + self.uniform(batch, *self._width, device)
        return scale_shift_matrices(zoom_x, zoom_y, (width - 1) / 2 * (1 - zoom_x),
                                    (height - 1) / 2 * (1 - zoom_y))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor}


class RandomTranslation(_AffineLayer):
    """Shifts each image by a random fraction of its height and width while training.

    Args:
        height_factor: a number `f` (shift by up to `f * height` up or down) or a pair
            `(lower, upper)` of fractions in [-1, 1]; positive shifts move the image down.
        width_factor: the same horizontally; positive shifts move the image right.
        fill_mode, interpolation, seed, fill_value, data_format: as for `RandomRotation`.

    Example:
        >>> RandomTranslation(0.1, 0.1, seed=3)(torch.rand(2, 8, 8, 3)).shape
        torch.Size([2, 8, 8, 3])
    """

    def __init__(self, height_factor: float | Sequence[float],
                 width_factor: float | Sequence[float], fill_mode: str = "reflect",
                 interpolation: str = "bilinear", seed: int | None = None,
                 fill_value: float = 0.0, data_format: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor = height_factor
        self._height = factor_range("RandomTranslation", "height_factor", height_factor,
                                    -1.0, 1.0)
        self.width_factor = width_factor
        self._width = factor_range("RandomTranslation", "width_factor", width_factor, -1.0, 1.0)

    def matrices(self, batch: int, height: int, width: int, device: torch.device
                 ) -> torch.Tensor | None:
        if self._height == (0, 0) and self._width == (0, 0):
            return None
        shift_y = self.uniform(batch, *self._height, device) * height
        shift_x = self.uniform(batch, *self._width, device) * width
        ones = torch.ones_like(shift_x)
        return scale_shift_matrices(ones, ones, -shift_x, -shift_y)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor}


class RandomContrast(RandomImageLayer):
    """Scales each image's contrast by a random factor while training:
    `(x - mean) * c + mean` per channel (mean over the image), clipped to `value_range`.

    Args:
        factor: a number `f` draws `c` from [1 - f, 1 + f]; a pair `(lower, upper)` from
            [1 - lower, 1 + upper]; values in [0, 1]. (Keras documents this rule; its code
            draws from [1, 1 + f] for a number, never lowering the contrast.)
        value_range: the (min, max) the outputs are clipped to, (0, 255) by default.
        seed: seeds the layer's own generator.
        data_format: 'channels_last' (default) or 'channels_first'.

    Example:
        >>> RandomContrast(0.2, seed=1)(torch.rand(2, 8, 8, 3) * 255).shape
        torch.Size([2, 8, 8, 3])
    """

    def __init__(self, factor: float | Sequence[float], value_range: Sequence[float] = (0, 255),
                 seed: int | None = None, data_format: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        lower, upper = factor_range("RandomContrast", "factor", factor, 0.0, 1.0, 0.0)
        self.factor = (upper, upper) if not isinstance(factor, (list, tuple)) else (lower, upper)
        self.value_range = _check_value_range("RandomContrast", value_range)

    def augment(self, images: torch.Tensor) -> torch.Tensor:
        lower, upper = self.factor
        contrast = self.uniform(images.shape[0], 1 - lower, 1 + upper, images.device)
        contrast = contrast[:, None, None, None].to(images.dtype)
        mean = images.mean(dim=(-2, -1), keepdim=True)
        # (x - mean) * c + mean, in one pass over the images.
        return torch.addcmul(mean * (1 - contrast), images, contrast).clamp_(*self.value_range)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range}


class RandomBrightness(RandomImageLayer):
    """Adds a random brightness offset to each image while training, clipped to `value_range`.

    Args:
        factor: a number `f` draws the offset from [-f, f] times the value range's width; a
            pair `(lower, upper)` from [lower, upper] times it; values in [-1, 1].
        value_range: the (min, max) of the images, (0, 255) by default.
        seed: seeds the layer's own generator.
        data_format: 'channels_last' (default) or 'channels_first'.

    Example:
        >>> RandomBrightness(0.2, seed=1)(torch.rand(2, 8, 8, 3) * 255).shape
        torch.Size([2, 8, 8, 3])
    """

    def __init__(self, factor: float | Sequence[float], value_range: Sequence[float] = (0, 255),
                 seed: int | None = None, data_format: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = factor_range("RandomBrightness", "factor", factor, -1.0, 1.0, -1.0)
        self.value_range = _check_value_range("RandomBrightness", value_range)

    def augment(self, images: torch.Tensor) -> torch.Tensor:
        low, high = self.value_range
        delta = self.uniform(images.shape[0], *self.factor, images.device) * (high - low)
        return (images + delta[:, None, None, None].to(images.dtype)).clamp_(low, high)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range}


class RandomCrop(RandomImageLayer):
    """Crops a random `(height, width)` window from each image while training.

    In inference (and in training when an image is smaller than the target), the largest
    centered window of the target's aspect ratio is resized to `(height, width)`, as Keras
    documents, so training and inference give the same output shape. Each sample gets its own
    window (Keras 3 uses one window for the whole batch).

    Args:
        height, width: the output size.
        seed: seeds the layer's own generator.
        data_format: 'channels_last' (default) or 'channels_first'.

    Example:
        >>> RandomCrop(4, 4, seed=1)(torch.rand(2, 8, 8, 3), training=True).shape
        torch.Size([2, 4, 4, 3])
    """

    def __init__(self, height: int, width: int, seed: int | None = None,
                 data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.height = check_positive_int("RandomCrop", "height", height)
        self.width = check_positive_int("RandomCrop", "width", width)

    def inference(self, batch: torch.Tensor, unbatched: bool, inputs: torch.Tensor
                  ) -> torch.Tensor:
        return self._from_nchw(self._center(self._to_nchw(batch)), unbatched)

    def _center(self, images: torch.Tensor) -> torch.Tensor:
        return resize_images(images, (self.height, self.width), crop_to_aspect_ratio=True)

    def augment(self, images: torch.Tensor) -> torch.Tensor:
        batch, _, height, width = images.shape
        if height < self.height or width < self.width:
            return self._center(images)
        device = images.device
        # floor(U[0, n + 1)) is uniform over the n + 1 possible offsets.
        tops = (self.uniform(batch, 0, height - self.height + 1, device)).long()
        lefts = (self.uniform(batch, 0, width - self.width + 1, device)).long()
        tops = tops.clamp_(max=height - self.height)
        lefts = lefts.clamp_(max=width - self.width)
        rows = tops[:, None] + torch.arange(self.height, device=device)
        cols = lefts[:, None] + torch.arange(self.width, device=device)
        index = torch.arange(batch, device=device)[:, None, None]
        # (batch, height, width, channels) after advanced indexing; back to NCHW.
        return images.permute(0, 2, 3, 1)[index, rows[:, :, None], cols[:, None, :]].permute(
            0, 3, 1, 2)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return self._with_spatial(input_shape, self.height, self.width)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "height": self.height, "width": self.width}


def _check_value_range(layer: str, value_range: Any) -> tuple[float, float]:
    if not isinstance(value_range, (list, tuple)) or len(value_range) != 2:
        raise ValueError(f"{layer}: value_range must be a pair of numbers (min, max), "
                         f"received {value_range!r}")
    low, high = sorted(check_number(layer, "value_range", v) for v in value_range)
    return low, high
