"""Preprocessing layers with Keras 3's semantics: Rescaling, Resizing, CenterCrop, Normalization.

Image layers take channels-last batches `(batch, height, width, channels)` (or one image
`(height, width, channels)`), or channels-first with `data_format='channels_first'`. They run on
the input's device; resizing is `torch.nn.functional.interpolate` with the same modes and
half-pixel centers as `keras.ops.image.resize` on the torch backend (see `deepfit.data.images`).

Example:
    >>> import deepfit
    >>> resize_and_rescale = deepfit.Sequential([
    ...     Resizing(180, 180),
    ...     Rescaling(1.0 / 255),
    ... ])
    >>> resize_and_rescale(torch.zeros(2, 64, 48, 3)).shape
    torch.Size([2, 180, 180, 3])
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from deepfit import config
from deepfit.data.images import INTERPOLATIONS, check_interpolation
from deepfit.layers.layer import Layer
from deepfit.ops import numpy_bridge

_DATA_FORMATS = ("channels_last", "channels_first")


# --------------------------------------------------------------------------- argument checks
def check_data_format(layer: str, data_format: str | None) -> str:
    """'channels_last' for None, else the value if it is one of the two formats."""
    if data_format is None:
        return "channels_last"
    if data_format not in _DATA_FORMATS:
        raise ValueError(f"{layer}: data_format must be 'channels_last' or 'channels_first', "
                         f"received {data_format!r}")
    return data_format


def check_positive_int(layer: str, name: str, value: Any) -> int:
    """`value` if it is a positive int, else a ValueError naming the layer and argument."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{layer}: {name} must be a positive int, received {value!r}")
    return int(value)


def check_number(layer: str, name: str, value: Any) -> float:
    """`value` as a float if it is a real number, else a ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{layer}: {name} must be a number, received {value!r}")
    return float(value)


# --------------------------------------------------------------------------- image batches
def stack_image_list(layer_name: str, images: Any) -> Any:
    """A Python list/tuple of same-shape images (arrays or tensors) as one batch tensor; any
    other input unchanged.

    Raises:
        ValueError: for images of different shapes, naming the layer and the shapes.
    """
    if not isinstance(images, (list, tuple)) or not images:
        return images
    if any(type(item).__name__ == "KerasTensor" for item in images):
        return images
    tensors = [item if isinstance(item, torch.Tensor) else numpy_bridge.as_tensor(np.asarray(item))
               for item in images]
    shapes = {tuple(t.shape) for t in tensors}
    if len(shapes) > 1:
        raise ValueError(f"Layer '{layer_name}' received a list of {len(tensors)} images of "
                         f"different shapes {sorted(shapes)}; resize them to one shape first "
                         f"(or call the layer on each image)")
    return torch.stack([t.to(tensors[0].device) for t in tensors])


class _AcceptsImageLists:
    """Image layers take a Python list of images as one batch (Keras converts it to a
    tensor)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if args:
            args = (stack_image_list(self.name, args[0]), *args[1:])
        return super().__call__(*args, **kwargs)


class ImageLayer(_AcceptsImageLists, Layer):
    """Base of the image layers: checks the rank and converts to and from NCHW.

    Args:
        data_format: 'channels_last' (default) or 'channels_first'.
    """

    def __init__(self, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = check_data_format(type(self).__name__, data_format)

    def _as_batch(self, inputs: torch.Tensor) -> tuple[torch.Tensor, bool]:
        """A rank-4 batch and whether the input was a single rank-3 image."""
        if inputs.dim() == 4:
            return inputs, False
        if inputs.dim() == 3:
            return inputs.unsqueeze(0), True
        raise ValueError(
            f"Input 0 of layer '{self.name}' is incompatible with the layer: expected ndim=4 "
            f"(a batch of images) or ndim=3 (one image), found ndim={inputs.dim()}. "
            f"Full shape received: {tuple(inputs.shape)}"
        )

    def _spatial_size(self, batch: torch.Tensor) -> tuple[int, int]:
        if self.data_format == "channels_last":
            return batch.shape[1], batch.shape[2]
        return batch.shape[2], batch.shape[3]

    def _to_nchw(self, batch: torch.Tensor) -> torch.Tensor:
        # A permuted view: channels-last memory, which torch's CPU and CUDA kernels handle.
        return batch.permute(0, 3, 1, 2) if self.data_format == "channels_last" else batch

    def _from_nchw(self, batch: torch.Tensor, unbatched: bool) -> torch.Tensor:
        if self.data_format == "channels_last":
            batch = batch.permute(0, 2, 3, 1)
        return batch.squeeze(0) if unbatched else batch

    def _with_spatial(self, input_shape: Sequence[Any], height: int, width: int) -> tuple:
        shape = list(input_shape)
        first = len(shape) - 3 if self.data_format == "channels_last" else len(shape) - 2
        shape[first], shape[first + 1] = height, width
        return tuple(shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "data_format": self.data_format}


def aspect_crop_box(height: int, width: int, target: Sequence[int]) -> tuple[int, int, int, int]:
    """Keras's largest centered window of `target`'s aspect ratio: (top, left, height, width)."""
    target_height, target_width = target
    crop_height = max(min(height, int(float(width * target_height) / target_width)), 1)
    crop_width = max(min(width, int(float(height * target_width) / target_height)), 1)
    top = int(float(height - crop_height) / 2)
    left = int(float(width - crop_width) / 2)
    return top, left, crop_height, crop_width


def _pad_to_aspect(images: torch.Tensor, size: Sequence[int], fill_value: float) -> torch.Tensor:
    height, width = images.shape[-2:]
    target_height, target_width = size
    pad_height = max(height, int(float(width * target_height) / target_width))
    pad_width = max(width, int(float(height * target_width) / target_height))
    top = int(float(pad_height - height) / 2)
    left = int(float(pad_width - width) / 2)
    if top == 0 and left == 0:
        return images
    # Keras pads the same amount on both sides, so an odd difference loses one row or column.
    return F.pad(images, (left, left, top, top), mode="constant", value=fill_value)


def resize_images(
    images: torch.Tensor,
    size: Sequence[int],
    interpolation: str = "bilinear",
    crop_to_aspect_ratio: bool = False,
    pad_to_aspect_ratio: bool = False,
    fill_value: float = 0.0,
    antialias: bool = False,
) -> torch.Tensor:
    """Resize an NCHW float batch like `keras.ops.image.resize` on the torch backend.

    Args:
        images: a float tensor `(batch, channels, height, width)` on any device.
        size: the target (height, width).
        interpolation: 'bilinear', 'nearest', 'bicubic' or 'area'.
        crop_to_aspect_ratio: first take the largest centered window of the target's aspect.
        pad_to_aspect_ratio: first pad with `fill_value`, centered, to the target's aspect.
        fill_value: the padding value.
        antialias: low-pass filter when downsampling (bilinear and bicubic only).

    Returns:
        The resized `(batch, channels, size[0], size[1])` tensor.

    Example:
        >>> resize_images(torch.zeros(1, 3, 8, 8), (4, 4)).shape
        torch.Size([1, 3, 4, 4])
    """
    if crop_to_aspect_ratio:
        top, left, crop_height, crop_width = aspect_crop_box(*images.shape[-2:], size)
        images = images[:, :, top : top + crop_height, left : left + crop_width]
    elif pad_to_aspect_ratio:
        images = _pad_to_aspect(images, size, fill_value)
    if tuple(images.shape[-2:]) == tuple(size):
        return images
    mode = INTERPOLATIONS[interpolation]
    corners = False if interpolation in ("bilinear", "bicubic") else None
    antialias = antialias and interpolation in ("bilinear", "bicubic")
    return F.interpolate(images, size=tuple(size), mode=mode, align_corners=corners,
                         antialias=antialias)


# --------------------------------------------------------------------------- layers
class Rescaling(_AcceptsImageLists, Layer):
    """Multiplies inputs by `scale` and adds `offset` (in training and inference alike).

    Args:
        scale: a number, or per-channel numbers broadcast against the last axis.
        offset: a number, or per-channel numbers.

    Example:
        >>> Rescaling(1.0 / 127.5, offset=-1.0)(torch.tensor([[0.0, 255.0]]))
        tensor([[-1.,  1.]])
    """

    supports_masking = True

    def __init__(self, scale: Any, offset: Any = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scale = self._check_value("scale", scale)
        self.offset = self._check_value("offset", offset)
        self._cache: dict[tuple[str, torch.device], torch.Tensor] = {}

    @staticmethod
    def _check_value(name: str, value: Any) -> float | list:
        if isinstance(value, torch.Tensor):
            value = value.detach().cpu().numpy()
        if isinstance(value, (list, tuple, np.ndarray)):
            array = np.asarray(value)
            if array.dtype.kind not in "iuf" or array.size == 0:
                raise ValueError(f"Rescaling: {name} must be a number or an array of numbers, "
                                 f"received {value!r}")
            return array.astype(np.float64).tolist()
        return check_number("Rescaling", name, value)

    def _factor(self, name: str, device: torch.device) -> float | torch.Tensor:
        value = getattr(self, name)
        if not isinstance(value, list):
            return value
        key = (name, device)
        if key not in self._cache:
            self._cache[key] = torch.tensor(value, dtype=torch.float32, device=device)
        return self._cache[key]

    def call(self, inputs: torch.Tensor) -> torch.Tensor:
        outputs = inputs * self._factor("scale", inputs.device)
        if isinstance(self.offset, list) or self.offset != 0:
            outputs = outputs + self._factor("offset", inputs.device)
        return outputs

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}


class Resizing(ImageLayer):
    """Resizes images to `(height, width)`, as `keras.layers.Resizing`.

    Args:
        height, width: the output size.
        interpolation: 'bilinear' (default), 'nearest', 'bicubic' or 'area'.
        crop_to_aspect_ratio: crop the largest centered window of the target's aspect ratio
            first, so the image is not distorted.
        pad_to_aspect_ratio: pad evenly to the target's aspect ratio first (with `fill_value`).
        fill_mode: only 'constant' (Keras's only mode).
        fill_value: the padding value for `pad_to_aspect_ratio`.
        antialias: low-pass filter when downsampling (bilinear and bicubic).
        data_format: 'channels_last' (default) or 'channels_first'.

    Example:
        >>> Resizing(32, 32)(torch.zeros(4, 64, 48, 3)).shape
        torch.Size([4, 32, 32, 3])
    """

    def __init__(
        self,
        height: int,
        width: int,
        interpolation: str = "bilinear",
        crop_to_aspect_ratio: bool = False,
        pad_to_aspect_ratio: bool = False,
        fill_mode: str = "constant",
        fill_value: float = 0.0,
        antialias: bool = False,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.height = check_positive_int("Resizing", "height", height)
        self.width = check_positive_int("Resizing", "width", width)
        try:
            self.interpolation = check_interpolation(interpolation)
        except ValueError as err:
            raise ValueError(f"Resizing: {err}") from None
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError("Resizing: only one of crop_to_aspect_ratio and "
                             "pad_to_aspect_ratio can be True")
        if fill_mode != "constant":
            raise ValueError(f"Resizing: fill_mode must be 'constant', received {fill_mode!r}")
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = bool(pad_to_aspect_ratio)
        self.fill_mode = fill_mode
        self.fill_value = check_number("Resizing", "fill_value", fill_value)
        self.antialias = bool(antialias)

    def call(self, inputs: torch.Tensor) -> torch.Tensor:
        batch, unbatched = self._as_batch(inputs)
        resized = resize_images(self._to_nchw(batch), (self.height, self.width),
                                self.interpolation, self.crop_to_aspect_ratio,
                                self.pad_to_aspect_ratio, self.fill_value, self.antialias)
        return self._from_nchw(resized, unbatched)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return self._with_spatial(input_shape, self.height, self.width)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "height": self.height,
            "width": self.width,
            "interpolation": self.interpolation,
            "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
            "pad_to_aspect_ratio": self.pad_to_aspect_ratio,
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
            "antialias": self.antialias,
        }


class CenterCrop(ImageLayer):
    """Crops the central `(height, width)` window; a smaller image is first cropped to the
    target's aspect ratio and resized (bilinear), as Keras does.

    Args:
        height, width: the output size.
        data_format: 'channels_last' (default) or 'channels_first'.

    Example:
        >>> CenterCrop(2, 2)(torch.arange(16.0).reshape(1, 4, 4, 1))[0, :, :, 0]
        tensor([[ 5.,  6.],
                [ 9., 10.]])
    """

    def __init__(self, height: int, width: int, data_format: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.height = check_positive_int("CenterCrop", "height", height)
        self.width = check_positive_int("CenterCrop", "width", width)

    def call(self, inputs: torch.Tensor) -> torch.Tensor:
        batch, unbatched = self._as_batch(inputs)
        images = self._to_nchw(batch)
        height, width = images.shape[-2:]
        if height >= self.height and width >= self.width:
            top, left = (height - self.height) // 2, (width - self.width) // 2
            images = images[:, :, top : top + self.height, left : left + self.width]
        else:
            images = resize_images(images, (self.height, self.width), crop_to_aspect_ratio=True)
        return self._from_nchw(images, unbatched)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return self._with_spatial(input_shape, self.height, self.width)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "height": self.height, "width": self.width}


class Normalization(Layer):
    """Shifts and scales inputs to mean 0 and standard deviation 1: `(x - mean) / sqrt(var)`.

    The statistics come from `mean`/`variance`, or from `adapt(data)` (then they are the
    non-trainable weights `mean`, `variance` and `count`, as in Keras).

    Args:
        axis: the axis or axes with separate statistics per index (-1: per feature);
            None for one scalar mean and variance.
        mean, variance: given statistics, broadcast to the kept axes; both or neither.
        invert: apply the inverse, `mean + x * sqrt(var)`.

    Example:
        >>> layer = Normalization(axis=None)
        >>> layer.adapt(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
        >>> layer(torch.tensor([1.0, 2.0, 3.0]))
        tensor([-1.4142, -0.7071,  0.0000])
    """

    supports_masking = True

    def __init__(self, axis: int | Sequence[int] | None = -1, mean: Any = None,
                 variance: Any = None, invert: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = _check_axes(axis)
        if (mean is None) != (variance is None):
            raise ValueError(f"Normalization: mean and variance must be given together, "
                             f"received mean={mean!r} and variance={variance!r}")
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError(f"Normalization: mean and variance must have the same shape, "
                                 f"received shapes {np.shape(mean)} and {np.shape(variance)}")
            if len(np.shape(mean)) > len(self.axis):
                raise ValueError(f"Normalization: the rank of mean must be at most the number of "
                                 f"axes ({len(self.axis)}), received mean of shape "
                                 f"{np.shape(mean)} for axis={self.axis}")
        self.input_mean = mean
        self.input_variance = variance
        self.invert = bool(invert)

    def build(self, input_shape: Sequence[int | None]) -> None:
        ndim = len(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(f"Normalization '{self.name}': axis values must be in "
                             f"[-{ndim}, {ndim}) for inputs of shape {tuple(input_shape)}, "
                             f"received axis={self.axis}")
        keep = tuple(sorted(a % ndim for a in self.axis))
        for a in keep:
            if input_shape[a] is None:
                raise ValueError(f"Normalization '{self.name}': kept axis {a} of input shape "
                                 f"{tuple(input_shape)} must have a known size")
        self._keep = keep
        self._reduce = tuple(d for d in range(ndim) if d not in keep)
        self._broadcast = [input_shape[d] if d in keep else 1 for d in range(ndim)]
        stats_shape = tuple(input_shape[d] for d in keep)
        if self.input_mean is None:
            self.add_weight("mean", stats_shape, "zeros", trainable=False)
            self.add_weight("variance", stats_shape, "ones", trainable=False)
            self.add_weight("count", (), "zeros", trainable=False, dtype=torch.int32)
        else:
            mean, variance = (self._expand(v, ndim) for v in (self.input_mean,
                                                                self.input_variance))
            self.register_buffer("_fixed_mean", mean, persistent=False)
            self.register_buffer("_fixed_variance", variance, persistent=False)
        self._build_input_shape = tuple(input_shape)
        self.built = True

    def _expand(self, value: Any, ndim: int) -> torch.Tensor:
        array = np.asarray(value, dtype=np.float32)
        shape = [1] * ndim
        for i in range(1, array.ndim + 1):
            shape[self._keep[-i]] = array.shape[-i]
        try:
            array = np.broadcast_to(array.reshape(shape), self._broadcast)
        except ValueError as err:
            raise ValueError(f"Normalization '{self.name}': mean/variance of shape "
                             f"{np.shape(value)} cannot broadcast to the kept axes' shape "
                             f"{tuple(self._broadcast)}") from err
        return torch.tensor(np.ascontiguousarray(array), device=config.get_device())

    def _statistics(self, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        if self.input_mean is not None:
            return self._fixed_mean.to(device), self._fixed_variance.to(device)
        shape = self._broadcast if self._keep else ()
        return (self.mean.reshape(shape).to(device), self.variance.reshape(shape).to(device))

    def call(self, inputs: torch.Tensor) -> torch.Tensor:
        # With axis=None the statistics are scalars and fit inputs of any rank (Keras: adapt
        # on a vector, then call on (batch, 1)).
        if self._keep and inputs.dim() != len(self._broadcast):
            raise ValueError(
                f"Input 0 of layer '{self.name}' is incompatible with the layer: expected "
                f"ndim={len(self._broadcast)}, found ndim={inputs.dim()}. Full shape received: "
                f"{tuple(inputs.shape)}")
        mean, variance = self._statistics(inputs.device)
        std = torch.clamp(torch.sqrt(variance), min=config.epsilon())
        if self.invert:
            return mean + inputs * std
        return (inputs - mean) / std

    def adapt(self, data: Any) -> None:
        """Set the mean and variance to those of `data` (Keras's population variance).

        Args:
            data: an array or tensor (one batch), or an iterable of batches — a
                `deepfit.data.Dataset` (of `x` or `(x, y)` batches), a list or a generator.

        Example:
            >>> layer = Normalization()
            >>> layer.adapt(np.array([[0.0, 7.0], [2.0, 9.0]]))
            >>> layer.get_weights()[:2]
            [array([1., 8.], dtype=float32), array([1., 1.], dtype=float32)]
        """
        if self.input_mean is not None:
            raise ValueError(f"Normalization '{self.name}': adapt() cannot be used on a layer "
                             f"created with mean and variance")
        batches = _adapt_batches(data)
        first = next(batches, None)
        if first is None:
            raise ValueError("Normalization.adapt: data is empty (no batches); pass an array or "
                             "a non-empty iterable of arrays")
        if not self.built:
            with torch.no_grad():
                self.build(first.shape)
            self._sync_requires_grad()
        mean, variance = _running_moments(self, _chain(first, batches))
        with torch.no_grad():
            self.mean.copy_(numpy_bridge.as_tensor(mean, dtype=torch.float32))
            self.variance.copy_(numpy_bridge.as_tensor(variance, dtype=torch.float32))

    def _check_batch(self, batch: np.ndarray) -> None:
        if batch.ndim != len(self._broadcast) or any(
                batch.shape[a] != self._broadcast[a] for a in self._keep):
            raise ValueError(f"Normalization '{self.name}': adapt() received a batch of shape "
                             f"{batch.shape}, incompatible with the layer's input shape "
                             f"{self._build_input_shape} on axes {self._keep}")

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "axis": self.axis,
            "invert": self.invert,
            "mean": np.array(self.input_mean).tolist(),
            "variance": np.array(self.input_variance).tolist(),
        }


def _check_axes(axis: Any) -> tuple[int, ...]:
    if axis is None:
        return ()
    values = (axis,) if isinstance(axis, (int, np.integer)) else axis
    try:
        values = tuple(values)
    except TypeError:
        values = (axis,)
    if any(isinstance(a, bool) or not isinstance(a, (int, np.integer)) for a in values):
        raise ValueError(f"Normalization: axis must be an int, a tuple of ints or None, "
                         f"received {axis!r}")
    return tuple(int(a) for a in values)


def _to_array(batch: Any) -> np.ndarray:
    if isinstance(batch, tuple) and batch:  # an (x, y) or (x, y, sample_weight) batch
        batch = batch[0]
    if isinstance(batch, torch.Tensor):
        batch = batch.detach().cpu().numpy()
    array = np.asarray(batch)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"Normalization.adapt: expected numeric arrays or tensors, received "
                        f"an element of type {type(batch).__name__} with dtype {array.dtype}")
    return array


def _adapt_batches(data: Any) -> Iterable[np.ndarray]:
    if isinstance(data, (np.ndarray, torch.Tensor)):
        return iter([_to_array(data)])
    if isinstance(data, (str, bytes, dict)) or not hasattr(data, "__iter__"):
        raise TypeError(f"Normalization.adapt: expected an array, a tensor, a Dataset or an "
                        f"iterable of batches, received {type(data).__name__}")
    return (_to_array(batch) for batch in data)


def _chain(first: np.ndarray, rest: Iterable[np.ndarray]) -> Iterable[np.ndarray]:
    yield first
    yield from rest


def _running_moments(layer: Normalization, batches: Iterable[np.ndarray]) -> tuple:
    """Mean and population variance over batches, merged as Keras merges them (in float64)."""
    total_mean = total_var = None
    total_count = 0
    for batch in batches:
        layer._check_batch(batch)
        batch = batch.astype(np.float64)
        batch_mean = batch.mean(axis=layer._reduce)
        batch_var = batch.var(axis=layer._reduce)
        batch_count = math.prod(batch.shape[d] for d in layer._reduce)
        if total_mean is None:
            total_mean, total_var, total_count = batch_mean, batch_var, batch_count
            continue
        total_count += batch_count
        weight = batch_count / total_count
        new_mean = total_mean * (1 - weight) + batch_mean * weight
        total_var = ((total_var + (total_mean - new_mean) ** 2) * (1 - weight)
                     + (batch_var + (batch_mean - new_mean) ** 2) * weight)
        total_mean = new_mean
    return total_mean, total_var
