"""Augmentation policies with Keras 3's semantics: RandAugment and AugMix (random chains of the
augmentation layers) and Pipeline (layers applied in order, as one layer, e.g. inside
`dataset.map`).

Example:
    >>> import deepfit
    >>> augment = Pipeline([RandAugment(num_ops=2, seed=1), deepfit.layers.RandomFlip()])
    >>> augment(torch.rand(4, 16, 16, 3) * 255).shape
    torch.Size([4, 16, 16, 3])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from deepfit.layers.augment_base import TransformLayer, check_factor, check_value_range
from deepfit.layers.augment_color import RandomColorDegeneration
from deepfit.layers.augment_geometry import RandomShear
from deepfit.layers.augment_tone import (
    AutoContrast,
    Equalization,
    RandomPosterization,
    RandomSharpness,
    Solarization,
)
from deepfit.layers.augmentation import (
    RandomBrightness,
    RandomContrast,
    RandomRotation,
    RandomTranslation,
)
from deepfit.layers.layer import Layer

__all__ = ["AugMix", "Pipeline", "RandAugment"]

GEOMETRIC = ("random_shear", "random_translation", "random_rotation")
PIXEL = ("random_brightness", "random_color_degeneration", "random_contrast", "random_sharpness")
TONE = ("random_posterization", "solarization", "auto_contrast", "equalization")


def _augmenters(factor: tuple[float, float], value_range: Any, interpolation: str,
                seed: int | None, data_format: str) -> dict[str, Any]:
    """Keras's policy layers for `factor`, built channels-first (the policies call them on
    NCHW batches), by Keras's attribute names; `data_format` is the policy's own."""
    geometry = {"interpolation": interpolation, "seed": seed, "data_format": "channels_first"}
    colour = {"value_range": value_range, "seed": seed, "data_format": "channels_first"}
    auto_contrast = AutoContrast(value_range=value_range, data_format="channels_first")
    # Keras's AutoContrast reduces over the policy's own layout (see AutoContrast).
    auto_contrast.reduce_axes = (2, 3) if data_format == "channels_last" else (1, 2)
    return {
        "random_shear": RandomShear(x_factor=factor, y_factor=factor, **geometry),
        "random_translation": RandomTranslation(height_factor=factor, width_factor=factor,
                                                **geometry),
        "random_rotation": RandomRotation(factor=factor, **geometry),
        "random_brightness": RandomBrightness(factor=factor, **colour),
        "random_color_degeneration": RandomColorDegeneration(factor=factor, **colour),
        "random_contrast": RandomContrast(factor=factor, **colour),
        "random_sharpness": RandomSharpness(factor=factor, **colour),
        "random_posterization": RandomPosterization(factor=max(1, int(8 * factor[1])),
                                                    **colour),
        "solarization": Solarization(addition_factor=factor, threshold_factor=factor,
                                     **colour),
        "auto_contrast": auto_contrast,
        "equalization": Equalization(value_range=value_range, data_format="channels_first"),
    }


def _check_count(layer: str, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{layer}: {name} must be a non-negative int, received {value!r}")
    return value


class RandAugment(TransformLayer):
    """RandAugment while training: `num_ops` operations, each picked at random (one per
    batch) from shear, translation, rotation, brightness, colour degeneration, contrast,
    sharpness, posterization, solarization, auto-contrast and equalization, applied in turn
    with strengths drawn from `factor` per image.

    Args:
        value_range: the (min, max) of the images, (0, 255) by default.
        num_ops: how many operations to apply, 2 by default.
        factor: a number `f` in [0, 1] (strengths from [0, f]) or a pair; 0.5 by default.
        interpolation: 'bilinear' (default) or 'nearest', for the geometric operations.
        seed: seeds the layer's own generator (and its operations').
        data_format: 'channels_last' (default) or 'channels_first'.

    Example:
        >>> RandAugment(seed=1)(torch.rand(2, 16, 16, 3) * 255).shape
        torch.Size([2, 16, 16, 3])
    """

    keeps_geometry = False

    OPERATIONS = ("random_shear", "random_translation", "random_rotation",
                  "random_brightness", "random_color_degeneration", "random_contrast",
                  "random_sharpness", "random_posterization", "solarization",
                  "auto_contrast", "equalization")

    def __init__(self, value_range: Sequence[float] = (0, 255), num_ops: int = 2,
                 factor: Any = 0.5, interpolation: str = "bilinear", seed: int | None = None,
                 data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.value_range = check_value_range("RandAugment", value_range, sort=False)
        self.num_ops = _check_count("RandAugment", "num_ops", num_ops)
        self.factor = check_factor("RandAugment", factor, (0, 1))
        self.interpolation = interpolation
        self._operations = _augmenters(self.factor, value_range, interpolation, seed,
                                       self.data_format)

    def get_random_transformation(self, images: torch.Tensor, training: bool = True,
                                  seed: Any = None) -> dict[str, Any]:
        picks = self.randint(self.num_ops, 0, len(self.OPERATIONS), torch.device("cpu"))
        return {"layer_idxes": picks}

    def transform_nchw(self, images: torch.Tensor, transformation: Any) -> torch.Tensor:
        for index in transformation["layer_idxes"].tolist():
            images = self._operations[self.OPERATIONS[index]].augment(images)
        return images

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "value_range": self.value_range,
                "num_ops": self.num_ops, "factor": self.factor,
                "interpolation": self.interpolation}


class AugMix(TransformLayer):
    """AugMix while training: `num_chains` chains of up to `chain_depth` random operations
    (each step may also do nothing), mixed with Dirichlet(alpha) weights, then blended with
    the original image by a Beta(alpha, alpha) weight (one per batch) and clipped to
    `value_range`.

    Args:
        value_range: the (min, max) of the images, (0, 255) by default.
        num_chains: the number of chains, 3 by default.
        chain_depth: the operations per chain, 3 by default.
        factor: a number `f` in [0, 1] (strengths from [0, f]) or a pair; 0.3 by default.
        alpha: the Dirichlet and Beta parameter, 1.0 by default.
        all_ops: also use brightness, colour degeneration, contrast and sharpness (True).
        interpolation: 'bilinear' (default) or 'nearest'.
        seed: seeds the layer's own generator (and its operations').
        data_format: 'channels_last' (default) or 'channels_first'.

    Example:
        >>> AugMix(seed=1)(torch.rand(2, 16, 16, 3) * 255).shape
        torch.Size([2, 16, 16, 3])
    """

    keeps_geometry = False

    def __init__(self, value_range: Sequence[float] = (0, 255), num_chains: int = 3,
                 chain_depth: int = 3, factor: Any = 0.3, alpha: float = 1.0,
                 all_ops: bool = True, interpolation: str = "bilinear",
                 seed: int | None = None, data_format: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.value_range = check_value_range("AugMix", value_range, sort=False)
        self.num_chains = _check_count("AugMix", "num_chains", num_chains)
        self.chain_depth = _check_count("AugMix", "chain_depth", chain_depth)
        self.factor = check_factor("AugMix", factor, (0, 1))
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or alpha <= 0:
            raise ValueError(f"AugMix: alpha must be a positive number, received {alpha!r}")
        self.alpha = alpha
        self.all_ops = bool(all_ops)
        self.interpolation = interpolation
        self._operations = _augmenters(self.factor, value_range, interpolation, seed,
                                       self.data_format)
        self._names = GEOMETRIC + TONE + (PIXEL if self.all_ops else ())

    def get_random_transformation(self, images: torch.Tensor, training: bool = True,
                                  seed: Any = None) -> dict[str, Any]:
        cpu = torch.device("cpu")
        gammas = self.gamma(self.num_chains, self.alpha, cpu)
        # A pick equal to len(names) is Keras's "no operation at this step".
        picks = self.randint(self.num_chains * self.chain_depth, 0, len(self._names) + 1, cpu)
        chains = [[self._names[i] for i in row if i < len(self._names)]
                  for row in picks.reshape(self.num_chains, self.chain_depth).tolist()]
        return {"chain_mixing_weights": gammas / gammas.sum(),
                "weight_sample": self.beta(1, self.alpha, self.alpha, cpu)[0],
                "chain_transforms": chains}

    def transform_nchw(self, images: torch.Tensor, transformation: Any) -> torch.Tensor:
        weights = transformation["chain_mixing_weights"].to(images.device, images.dtype)
        mixed = torch.zeros_like(images)
        for index, chain in enumerate(transformation["chain_transforms"]):
            chained = images
            for name in chain:
                chained = self._operations[name].augment(chained)
            mixed = mixed + chained * weights[index]
        blend = float(transformation["weight_sample"])
        out = blend * images + (1 - blend) * mixed
        return out.clamp(*sorted(self.value_range))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "value_range": self.value_range,
                "num_chains": self.num_chains, "chain_depth": self.chain_depth,
                "factor": self.factor, "alpha": self.alpha, "all_ops": self.all_ops,
                "interpolation": self.interpolation}


class Pipeline(Layer):
    """Layers applied in sequence as one layer (Keras's `layers.Pipeline`): unlike a
    Sequential model it is not a model, passes dicts and any structure through, and is meant
    for preprocessing, e.g. `dataset.map(pipeline)`.

    Args:
        layers: the layers, applied first to last.
        name: the layer's name.

    Example:
        >>> from deepfit.layers import RandomFlip, RandomGrayscale
        >>> Pipeline([RandomFlip(), RandomGrayscale(1.0)])(torch.rand(2, 8, 8, 3)).shape
        torch.Size([2, 8, 8, 3])
    """

    def __init__(self, layers: Sequence[Layer], name: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        if not isinstance(layers, (list, tuple)) or not all(
                isinstance(layer, Layer) for layer in layers):
            raise ValueError(f"Pipeline: layers must be a list of layers, received {layers!r}")
        self.pipeline_layers = list(layers)

    @property
    def layers(self) -> list[Layer]:
        return list(self.pipeline_layers)

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        for layer in self.pipeline_layers:
            inputs = layer(inputs) if training is None else layer(inputs, training=training)
        return inputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        for layer in self.pipeline_layers:
            input_shape = layer.compute_output_shape(input_shape)
        return input_shape

    def get_config(self) -> dict[str, Any]:
        from deepfit.layers import serialize

        return {"layers": [serialize(layer) for layer in self.pipeline_layers],
                "name": self.name}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Pipeline:
        from deepfit.layers import deserialize

        layers = config.get("layers")
        if not isinstance(layers, (list, tuple)):
            raise ValueError(f"`Pipeline` config must contain a `layers` key mapping to a list "
                             f"of serialized layers. Received config with layers={layers!r}.")
        return cls([deserialize(item) for item in layers], name=config.get("name"))
