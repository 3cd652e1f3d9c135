"""ConvNeXt Tiny, Small, Base, Large and XLarge (Liu et al., 2022) with Keras's layer names,
weight names and parameter counts, so Keras's published ImageNet weights
(`convnext_tiny.h5`, ...) load into them.

As in Keras the preprocessing is part of the model (`include_preprocessing=True`: a
`Normalization` with the ImageNet mean and std of 0..255 pixels), so `preprocess_input`
returns its input unchanged. The blocks end in `LayerScale` (a learned per-channel factor)
and, with a `drop_path_rate`, `StochasticDepth`.

Example:
    >>> from deepfit.applications import convnext
    >>> base = convnext.ConvNeXtTiny(include_top=False, weights=None, input_shape=(32, 32, 3))
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from deepfit.applications import imagenet_utils
from deepfit.applications.imagenet_utils import decode_predictions
from deepfit.applications.imagenet_utils import (
    passthrough_preprocess_input as preprocess_input,
)
from deepfit.layers._residual_scaling import LayerScale, StochasticDepth

__all__ = ["ConvNeXt", "ConvNeXtBase", "ConvNeXtLarge", "ConvNeXtSmall", "ConvNeXtTiny",
           "ConvNeXtXLarge", "LayerScale", "StochasticDepth", "decode_predictions",
           "preprocess_input"]

_WEIGHTS_PATH = imagenet_utils.WEIGHTS_ORIGIN + "convnext/"
# sha256 of Keras's published files: (with the top, without)
WEIGHTS_HASHES = {
    "convnext_tiny": ("8ae6e78ce2933352b1ef4008e6dd2f17bc40771563877d156bc6426c7cf503ff",
                      "d547c096cabd03329d7be5562c5e14798aa39ed24b474157cef5e85ab9e49ef1"),
    "convnext_small": ("ce1277d8f1ee5a0ef0e171469089c18f5233860ceaf9b168049cb9263fd7483c",
                       "6fc8009faa2f00c1c1dfce59feea9b0745eb260a7dd11bee65c8e20843da6eab"),
    "convnext_base": ("52cbb006d3dadd03f6e095a8ca1aca47aecdd75acb4bc74bce1f5c695d0086e6",
                      "40a20c5548a5e9202f69735ecc06c990e6b7c9d2de39f0361e27baeb24cb7c45"),
    "convnext_large": ("070c5ed9ed289581e477741d3b34beffa920db8cf590899d6d2c67fba2a198a6",
                       "96f02b6f0753d4f543261bc9d09bed650f24dd6bc02ddde3066135b63d23a1cd"),
    "convnext_xlarge": ("c1f5ccab661354fc3a79a10fa99af82f0fbf10ec65cb894a3ae0815f17a889ee",
                        "de3f8a54174130e0cecdc71583354753d557fcf1f4487331558e2a16ba0cfe05"),
}
MODEL_CONFIGS = {
    "tiny": {"depths": [3, 3, 9, 3], "projection_dims": [96, 192, 384, 768]},
    "small": {"depths": [3, 3, 27, 3], "projection_dims": [96, 192, 384, 768]},
    "base": {"depths": [3, 3, 27, 3], "projection_dims": [128, 256, 512, 1024]},
    "large": {"depths": [3, 3, 27, 3], "projection_dims": [192, 384, 768, 1536]},
    "xlarge": {"depths": [3, 3, 27, 3], "projection_dims": [256, 512, 1024, 2048]},
}


def _block(inputs: Any, dim: int, drop_path_rate: float, layer_scale: float | None,
           name: str) -> Any:
    """7x7 depthwise (grouped) convolution, LayerNormalization, Dense 4x, GELU, Dense back,
    LayerScale, (StochasticDepth), added to the input."""
    from deepfit import layers

    x = layers.Conv2D(dim, kernel_size=7, padding="same", groups=dim,
                      name=f"{name}_depthwise_conv")(inputs)
    x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_layernorm")(x)
    x = layers.Dense(4 * dim, name=f"{name}_pointwise_conv_1")(x)
    x = layers.Activation("gelu", name=f"{name}_gelu")(x)
    x = layers.Dense(dim, name=f"{name}_pointwise_conv_2")(x)
    if layer_scale is not None:
        x = LayerScale(layer_scale, dim, name=f"{name}_layer_scale")(x)
    if drop_path_rate:
        last = StochasticDepth(drop_path_rate, name=f"{name}_stochastic_depth")
    else:
        last = layers.Activation("linear", name=f"{name}_identity")
    return inputs + last(x)


def _downsampling(projection_dims: Sequence[int], name: str) -> list[Any]:
    """The stem (4x4 patches, then LayerNormalization) and the three downsampling blocks
    (LayerNormalization, then a 2x2 stride-2 convolution), each a nested Sequential."""
    import deepfit
    from deepfit import layers

    stem = deepfit.Sequential([
        layers.Conv2D(projection_dims[0], kernel_size=4, strides=4, name=f"{name}_stem_conv"),
        layers.LayerNormalization(epsilon=1e-6, name=f"{name}_stem_layernorm"),
    ], name=f"{name}_stem")
    return [stem] + [deepfit.Sequential([
        layers.LayerNormalization(epsilon=1e-6, name=f"{name}_downsampling_layernorm_{i}"),
        layers.Conv2D(projection_dims[i + 1], kernel_size=2, strides=2,
                      name=f"{name}_downsampling_conv_{i}"),
    ], name=f"{name}_downsampling_block_{i}") for i in range(3)]


def _check_imagenet(weights_name: Any, depths: Sequence[int], projection_dims: Sequence[int],
                    name: str) -> None:
    """Keras's rules for ImageNet weights: the variant's exact configuration and name."""
    if weights_name not in WEIGHTS_HASHES:
        raise ValueError(f"weights_name: expected one of {sorted(WEIGHTS_HASHES)} with "
                         f"weights='imagenet', received {weights_name!r}")
    expected = MODEL_CONFIGS[weights_name.split("convnext_")[-1]]
    if list(depths) != expected["depths"] or list(projection_dims) != expected[
            "projection_dims"]:
        raise ValueError(f"Architecture configuration does not match {weights_name} variant. "
                         f"When using pre-trained weights, the model architecture must match "
                         f"the pre-trained configuration exactly. Expected depths: "
                         f"{expected['depths']}, got: {list(depths)}. Expected "
                         f"projection_dims: {expected['projection_dims']}, got: "
                         f"{list(projection_dims)}.")
    if weights_name not in name:
        raise ValueError(f'Model name "{name}" does not match weights variant '
                         f'"{weights_name}". When using imagenet weights, model name must '
                         f'contain the weights variant (e.g., "{weights_name}").')


def ConvNeXt(  # noqa: N802 - Keras's name
    depths: Sequence[int],
    projection_dims: Sequence[int],
    drop_path_rate: float = 0.0,
    layer_scale_init_value: float | None = 1e-6,
    default_size: int = 224,
    name: str = "convnext",
    include_preprocessing: bool = True,
    include_top: bool = True,
    weights: Any = None,
    input_tensor: Any = None,
    input_shape: tuple[Any, ...] | None = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    weights_name: str | None = None,
) -> Any:
    """Keras's `convnext.ConvNeXt` builder.

    Args:
        depths: the number of blocks of each of the four stages.
        projection_dims: the channels of each stage.
        drop_path_rate: the largest stochastic-depth rate, reached linearly over the blocks
            (0: an identity `Activation` instead).
        layer_scale_init_value: LayerScale's initial factor (None: no LayerScale).
        default_size: the input side with the top.
        name: the model's name (the prefix of every layer's name).
        include_preprocessing: start with the ImageNet `Normalization` of 0..255 pixels.
        weights_name: 'convnext_tiny'..'convnext_xlarge', which published file 'imagenet'
            loads.
        The rest: as in `ConvNeXtTiny`.

    Returns:
        A Functional model.
    """
    import numpy as np

    import deepfit
    from deepfit import layers

    imagenet_utils.check_weights_argument(weights, include_top, classes)
    if weights == "imagenet":
        _check_imagenet(weights_name, depths, projection_dims, name)
    if include_top:
        imagenet_utils.validate_activation(classifier_activation, weights)
    shape, img_input = imagenet_utils.image_input(input_tensor, input_shape, default_size, 32,
                                                  include_top, weights)
    fname = f"{name}{'.h5' if include_top else '_notop.h5'}"
    path = imagenet_utils.weights_path(
        weights, (fname, WEIGHTS_HASHES.get(weights_name, (None, None))[0 if include_top
                                                                         else 1]),
        _WEIGHTS_PATH)
    x = img_input
    if include_preprocessing and shape[-1] == 3:
        x = layers.Normalization(
            mean=[0.485 * 255, 0.456 * 255, 0.406 * 255],
            variance=[(0.229 * 255) ** 2, (0.224 * 255) ** 2, (0.225 * 255) ** 2],
            name=f"{name}_prestem_normalization")(x)
    rates = [float(r) for r in np.linspace(0.0, drop_path_rate, sum(depths))]
    for stage, downsample in enumerate(_downsampling(projection_dims, name)):
        x = downsample(x)
        for j in range(depths[stage]):
            x = _block(x, projection_dims[stage], rates[sum(depths[:stage]) + j],
                       layer_scale_init_value, f"{name}_stage_{stage}_block_{j}")
    if include_top:
        x = layers.GlobalAveragePooling2D(name=f"{name}_head_gap")(x)
        x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_head_layernorm")(x)
        x = layers.Dense(classes, activation=classifier_activation,
                         name=f"{name}_head_dense")(x)
    else:
        x = imagenet_utils.pooled(x, pooling)
        x = layers.LayerNormalization(epsilon=1e-6)(x)
    return imagenet_utils.loaded(deepfit.Model(img_input, x, name=name), path)


def _variant(size: str) -> Any:
    label = f"convnext_{size}"
    config = MODEL_CONFIGS[size]

    def build(include_top: bool = True, include_preprocessing: bool = True,
              weights: Any = "imagenet", input_tensor: Any = None,
              input_shape: tuple[Any, ...] | None = None, pooling: str | None = None,
              classes: int = 1000, classifier_activation: Any = "softmax",
              name: str = label) -> Any:
        return ConvNeXt(config["depths"], config["projection_dims"], 0.0, 1e-6, 224, name,
                        include_preprocessing, include_top, weights, input_tensor,
                        input_shape, pooling, classes, classifier_activation,
                        weights_name=label)

    title = "XLarge" if size == "xlarge" else size.title()
    build.__name__ = build.__qualname__ = f"ConvNeXt{title}"
    title, rest = imagenet_utils.CLASSIC_DOC.format(
        name=build.__name__, size=224, min_size=32,
        top="global average pooling, LayerNormalization, then `classes` units").split("\n", 1)
    build.__doc__ = (f"{title}\n\n    The model normalizes its 0..255 input itself "
                     f"(`include_preprocessing=False` leaves it out); without the top the "
                     f"output is layer-normalized. With ImageNet weights the name must contain "
                     f"'{label}'.\n{rest}")
    return build


ConvNeXtTiny = _variant("tiny")
ConvNeXtSmall = _variant("small")
ConvNeXtBase = _variant("base")
ConvNeXtLarge = _variant("large")
ConvNeXtXLarge = _variant("xlarge")
