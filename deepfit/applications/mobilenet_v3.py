"""MobileNetV3Small and MobileNetV3Large (Howard et al., 2019) with Keras's layer names and
parameter counts, so Keras's published ImageNet weights load into them.

As in Keras the preprocessing is part of the model (`include_preprocessing=True`: a
`Rescaling` to [-1, 1] first), so `preprocess_input` returns its input unchanged.

Example:
    >>> from deepfit.applications import mobilenet_v3
    >>> base = mobilenet_v3.MobileNetV3Small(input_shape=(96, 96, 3), include_top=False,
    ...                                      weights=None)
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from deepfit.applications import imagenet_utils
from deepfit.applications.imagenet_utils import decode_predictions, make_divisible
from deepfit.applications.imagenet_utils import (
    passthrough_preprocess_input as preprocess_input,
)

__all__ = ["MobileNetV3", "MobileNetV3Large", "MobileNetV3Small", "decode_predictions",
           "preprocess_input"]

_WEIGHTS_PATH = imagenet_utils.WEIGHTS_ORIGIN + "mobilenet_v3/"
# md5 of Keras's published files: (with the top, without)
WEIGHTS_HASHES = {
    "large_224_0.75_float": ("765b44a33ad4005b3ac83185abf1d0eb",
                             "40af19a13ebea4e2ee0c676887f69a2e"),
    "large_224_1.0_float": ("59e551e166be033d707958cf9e29a6a7",
                            "07fb09a5933dd0c8eaafa16978110389"),
    "large_minimalistic_224_1.0_float": ("675e7b876c45c57e9e63e6d90a36599c",
                                         "ec5221f64a2f6d1ef965a614bdae7973"),
    "small_224_0.75_float": ("cb65d4e5be93758266aa0a7f2c6708b7",
                             "ebdb5cc8e0b497cd13a7c275d475c819"),
    "small_224_1.0_float": ("8768d4c2e7dee89b9d02b2d03d65d862",
                            "d3e8ec802a04aa4fc771ee12a9a9b836"),
    "small_minimalistic_224_1.0_float": ("99cd97fb2fcdad2bf028eb838de69e37",
                                         "cde8136e733e811080d9fcd8a252f7e4"),
}
# (expansion, filters, kernel, stride, squeeze-excite, activation) of each block; kernel "k"
# is 5 (3 when minimalistic), activation "a" is hard swish (ReLU when minimalistic).
_SMALL = ((1, 16, 3, 2, True, "relu"), (72 / 16, 24, 3, 2, False, "relu"),
          (88 / 24, 24, 3, 1, False, "relu"), (4, 40, "k", 2, True, "a"),
          (6, 40, "k", 1, True, "a"), (6, 40, "k", 1, True, "a"), (3, 48, "k", 1, True, "a"),
          (3, 48, "k", 1, True, "a"), (6, 96, "k", 2, True, "a"), (6, 96, "k", 1, True, "a"),
          (6, 96, "k", 1, True, "a"))
_LARGE = ((1, 16, 3, 1, False, "relu"), (4, 24, 3, 2, False, "relu"),
          (3, 24, 3, 1, False, "relu"), (3, 40, "k", 2, True, "relu"),
          (3, 40, "k", 1, True, "relu"), (3, 40, "k", 1, True, "relu"),
          (6, 80, 3, 2, False, "a"), (2.5, 80, 3, 1, False, "a"), (2.3, 80, 3, 1, False, "a"),
          (2.3, 80, 3, 1, False, "a"), (6, 112, 3, 1, True, "a"), (6, 112, 3, 1, True, "a"),
          (6, 160, "k", 2, True, "a"), (6, 160, "k", 1, True, "a"),
          (6, 160, "k", 1, True, "a"))


def _relu(x: Any) -> Any:
    from deepfit import layers

    return layers.ReLU()(x)


def _hard_swish(x: Any) -> Any:
    from deepfit import layers

    return layers.Activation("hard_swish")(x)


def _bn(name: str) -> Any:
    from deepfit import layers

    return layers.BatchNormalization(axis=-1, epsilon=1e-3, momentum=0.999, name=name)


def _se_block(inputs: Any, filters: int, prefix: str) -> Any:
    """Squeeze and excite: pooled, a 1x1 reduction to a quarter, ReLU, a 1x1 expansion, a
    hard sigmoid (`relu6(x + 3) / 6` as graph ops, as Keras writes it), times the input."""
    from deepfit import layers

    x = layers.GlobalAveragePooling2D(keepdims=True, name=f"{prefix}squeeze_excite_avg_pool")(
        inputs)
    x = layers.Conv2D(make_divisible(filters * 0.25), 1, padding="same",
                      name=f"{prefix}squeeze_excite_conv")(x)
    x = layers.ReLU(name=f"{prefix}squeeze_excite_relu")(x)
    x = layers.Conv2D(filters, 1, padding="same", name=f"{prefix}squeeze_excite_conv_1")(x)
    x = layers.ReLU(6.0)(x + 3.0) * (1.0 / 6.0)
    return layers.Multiply(name=f"{prefix}squeeze_excite_mul")([inputs, x])


def _inverted_res_block(x: Any, expansion: float, filters: int, kernel_size: int, stride: int,
                        se: bool, activation: Callable[[Any], Any], block_id: int) -> Any:
    from deepfit import layers

    shortcut, in_filters = x, x.shape[-1]
    prefix = f"expanded_conv_{block_id}_" if block_id else "expanded_conv_"
    if block_id:
        x = layers.Conv2D(make_divisible(in_filters * expansion), 1, padding="same",
                          use_bias=False, name=f"{prefix}expand")(x)
        x = activation(_bn(f"{prefix}expand_bn")(x))
    if stride == 2:
        x = layers.ZeroPadding2D(imagenet_utils.correct_pad(tuple(x.shape[1:3]), kernel_size),
                                 name=f"{prefix}depthwise_pad")(x)
    x = layers.DepthwiseConv2D(kernel_size, strides=stride,
                               padding="same" if stride == 1 else "valid", use_bias=False,
                               name=f"{prefix}depthwise")(x)
    x = activation(_bn(f"{prefix}depthwise_bn")(x))
    if se:
        x = _se_block(x, make_divisible(in_filters * expansion), prefix)
    x = layers.Conv2D(filters, 1, padding="same", use_bias=False, name=f"{prefix}project")(x)
    x = _bn(f"{prefix}project_bn")(x)
    if stride == 1 and in_filters == filters:
        x = layers.Add(name=f"{prefix}add")([shortcut, x])
    return x


def _input(input_shape: Any, input_tensor: Any, alpha: float, minimalistic: bool,
           weights: Any) -> Any:
    """Keras's MobileNetV3 input rules: any size from 32x32 (None: (None, None, 3))."""
    import deepfit

    if input_shape is None and input_tensor is not None:
        input_shape = (input_tensor.shape[2], input_tensor.shape[1], 3)  # as Keras: cols first
    if input_shape is None:
        input_shape = (None, None, 3)
    if input_tensor is not None and input_tensor.shape[2] != input_shape[1]:
        raise ValueError(f"input_shape[1] must equal input_tensor.shape[2].  Received "
                         f"input_shape={input_shape}, input_tensor.shape={input_tensor.shape}")
    rows, cols = input_shape[0], input_shape[1]
    if rows and cols and (rows < 32 or cols < 32):
        raise ValueError(f"Input size must be at least 32x32; Received "
                         f"`input_shape={input_shape}`")
    if weights == "imagenet":
        if (not minimalistic and alpha not in (0.75, 1.0)) or (minimalistic and alpha != 1.0):
            raise ValueError("If imagenet weights are being loaded, alpha can be one of `0.75`, "
                             "`1.0` for non minimalistic or `1.0` for minimalistic only.")
        if rows != cols or rows != 224:
            warnings.warn("`input_shape` is undefined or non-square, or `rows` is not 224. "
                          "Weights for input shape (224, 224) will be loaded as the default.",
                          stacklevel=4)
    return input_tensor if input_tensor is not None else deepfit.Input(tuple(input_shape))


def MobileNetV3(  # noqa: N802 - Keras's name
    blocks: Any,
    last_point_ch: int,
    input_shape: tuple[Any, ...] | None = None,
    alpha: float = 1.0,
    model_type: str = "large",
    minimalistic: bool = False,
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    classes: int = 1000,
    pooling: str | None = None,
    dropout_rate: float = 0.2,
    classifier_activation: Any = "softmax",
    include_preprocessing: bool = True,
    name: str | None = None,
) -> Any:
    """Keras's `mobilenet_v3.MobileNetV3` builder, the blocks given as a table of
    (expansion, filters, kernel, stride, squeeze-excite, activation) rows (see `_SMALL`).

    Args:
        blocks: the block table.
        last_point_ch: the width of the top's 1x1 convolution (`conv_2`).
        model_type: 'small' or 'large' (which ImageNet file loads).
        The rest: as in `MobileNetV3Small`.

    Returns:
        A Functional model.
    """
    import deepfit
    from deepfit import layers

    imagenet_utils.check_weights_argument(weights, include_top, classes)
    img_input = _input(input_shape, input_tensor, alpha, minimalistic, weights)
    if include_top:
        imagenet_utils.validate_activation(classifier_activation, weights)
    variant = f"{model_type}{'_minimalistic' if minimalistic else ''}_224_{alpha}_float"
    fname = f"weights_mobilenet_v3_{variant}{'.h5' if include_top else '_no_top_v2.h5'}"
    path = imagenet_utils.weights_path(
        weights, (fname, WEIGHTS_HASHES.get(variant, (None, None))[0 if include_top else 1]),
        _WEIGHTS_PATH)
    kernel, activation = (3, _relu) if minimalistic else (5, _hard_swish)
    x = img_input
    if include_preprocessing:
        x = layers.Rescaling(scale=1.0 / 127.5, offset=-1.0)(x)
    x = layers.Conv2D(16, 3, strides=(2, 2), padding="same", use_bias=False, name="conv")(x)
    x = activation(_bn("conv_bn")(x))
    for block_id, (expansion, filters, size, stride, se, act) in enumerate(blocks):
        x = _inverted_res_block(
            x, expansion, make_divisible(filters * alpha), kernel if size == "k" else size,
            stride, se and not minimalistic, _relu if act == "relu" else activation, block_id)
    last_conv_ch = make_divisible(x.shape[-1] * 6)
    if alpha > 1.0:
        last_point_ch = make_divisible(last_point_ch * alpha)
    x = layers.Conv2D(last_conv_ch, 1, padding="same", use_bias=False, name="conv_1")(x)
    x = activation(_bn("conv_1_bn")(x))
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Conv2D(last_point_ch, 1, padding="same", use_bias=True, name="conv_2")(x)
        x = activation(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate)(x)
        x = layers.Conv2D(classes, 1, padding="same", name="logits")(x)
        x = layers.Flatten()(x)
        x = layers.Activation(classifier_activation, name="predictions")(x)
    else:
        x = imagenet_utils.pooled(x, pooling, "avg_pool", "max_pool")
    return imagenet_utils.loaded(deepfit.Model(img_input, x, name=name), path)


def _variant(label: str, blocks: Any, last_point_ch: int) -> Any:
    def build(input_shape: tuple[Any, ...] | None = None, alpha: float = 1.0,
              minimalistic: bool = False, include_top: bool = True, weights: Any = "imagenet",
              input_tensor: Any = None, classes: int = 1000, pooling: str | None = None,
              dropout_rate: float = 0.2, classifier_activation: Any = "softmax",
              include_preprocessing: bool = True, name: str = f"MobileNetV3{label}") -> Any:
        return MobileNetV3(blocks, last_point_ch, input_shape, alpha, label.lower(),
                           minimalistic, include_top, weights, input_tensor, classes, pooling,
                           dropout_rate, classifier_activation, include_preprocessing,
                           name=name)

    build.__name__ = build.__qualname__ = f"MobileNetV3{label}"
    build.__doc__ = f"""Keras's `keras.applications.MobileNetV3{label}`.

    Args:
        input_shape: (rows, cols, 3), at least 32x32; default (None, None, 3). The ImageNet
            files were trained at 224x224 (other sizes warn and load them).
        alpha: width multiplier (0.75 or 1.0 with ImageNet weights; 1.0 when minimalistic).
        minimalistic: 3x3 kernels, ReLU and no squeeze-excite everywhere.
        include_top: end with pooling, a 1x1 convolution of {last_point_ch}, dropout, a 1x1
            convolution to `classes` (`logits`) and the activation.
        weights: None (random), 'imagenet' (Keras's published file), or a weights file path.
        input_tensor: a KerasTensor to build on (e.g. `deepfit.Input(...)`).
        classes: the number of classes of the top.
        pooling: without the top, 'avg' or 'max' global pooling (None: the 4-D feature map).
        dropout_rate: the dropout before the logits.
        classifier_activation: the top's activation (softmax or None with ImageNet weights).
        include_preprocessing: start with a `Rescaling` of 0..255 pixels to [-1, 1].
        name: the model's name.

    Returns:
        A Functional model.

    Example:
        >>> model = MobileNetV3{label}(weights=None, input_shape=(96, 96, 3), classes=4)
    """
    return build


MobileNetV3Small = _variant("Small", _SMALL, 1024)
MobileNetV3Large = _variant("Large", _LARGE, 1280)
