"""`Xception` (Chollet, 2017) with Keras's layer names, layer order and parameter counts
(22,910,480 with the top, 20,861,480 without), so Keras's published ImageNet weights load into
it. Inputs are scaled to [-1, 1] (`preprocess_input`, 'tf' mode); the default size is 299x299
and the smallest 71x71.

Example:
    >>> from deepfit.applications import xception
    >>> base = xception.Xception(include_top=False, weights=None, input_shape=(96, 96, 3))
"""

from __future__ import annotations

from typing import Any

from deepfit.applications import imagenet_utils
from deepfit.applications.imagenet_utils import decode_predictions
from deepfit.applications.imagenet_utils import tf_preprocess_input as preprocess_input

__all__ = ["Xception", "decode_predictions", "preprocess_input"]

_WEIGHTS_PATH = imagenet_utils.WEIGHTS_ORIGIN + "xception/"
_WEIGHTS = {
    True: ("xception_weights_tf_dim_ordering_tf_kernels.h5",
           "0a58e3b7378bc2990ea3b43d5981f1f6"),
    False: ("xception_weights_tf_dim_ordering_tf_kernels_notop.h5",
            "b0042744bf5b25fce3cb969f33bebb97"),
}
# (block, filters of its two separable convolutions): the entry flow's blocks 2-4 and the exit
# flow's block 13 halve the feature map, with a strided 1x1 projection as their shortcut.
_DOWNSAMPLING = ((2, (128, 128)), (3, (256, 256)), (4, (728, 728)), (13, (728, 1024)))
_MIDDLE_BLOCKS = range(5, 13)


def _separable_stack(x: Any, prefix: str, filters: tuple[int, ...], first_relu: bool) -> Any:
    """ReLU, 3x3 SeparableConv2D, BatchNormalization for each of `filters`, named
    `{prefix}_sepconv{i}_act`, `{prefix}_sepconv{i}`, `{prefix}_sepconv{i}_bn`."""
    from deepfit import layers

    for i, width in enumerate(filters, start=1):
        if i > 1 or first_relu:
            x = layers.Activation("relu", name=f"{prefix}_sepconv{i}_act")(x)
        x = layers.SeparableConv2D(width, (3, 3), padding="same", use_bias=False,
                                   name=f"{prefix}_sepconv{i}")(x)
        x = layers.BatchNormalization(name=f"{prefix}_sepconv{i}_bn")(x)
    return x


def _downsampling_block(x: Any, block: int, filters: tuple[int, int]) -> Any:
    """Two separable convolutions and a stride-2 max pooling, added to the input's strided 1x1
    projection (left with Keras's automatic names, as Keras leaves it)."""
    from deepfit import layers

    shortcut = layers.Conv2D(filters[-1], (1, 1), strides=(2, 2), padding="same",
                             use_bias=False)(x)
    shortcut = layers.BatchNormalization()(shortcut)
    x = _separable_stack(x, f"block{block}", filters, first_relu=block != 2)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name=f"block{block}_pool")(x)
    return layers.Add()([x, shortcut])


def _conv_bn_relu(x: Any, layer: Any, name: str) -> Any:
    from deepfit import layers

    x = layer(x)
    x = layers.BatchNormalization(name=f"{name}_bn")(x)
    return layers.Activation("relu", name=f"{name}_act")(x)


def _features(img_input: Any) -> Any:
    """The convolutional base: entry flow, eight middle blocks, exit flow."""
    from deepfit import layers

    x = _conv_bn_relu(img_input, layers.Conv2D(32, (3, 3), strides=(2, 2), use_bias=False,
                                               name="block1_conv1"), "block1_conv1")
    x = _conv_bn_relu(x, layers.Conv2D(64, (3, 3), use_bias=False, name="block1_conv2"),
                      "block1_conv2")
    for block, filters in _DOWNSAMPLING[:-1]:
        x = _downsampling_block(x, block, filters)
    for block in _MIDDLE_BLOCKS:
        x = layers.Add()([_separable_stack(x, f"block{block}", (728,) * 3, True), x])
    x = _downsampling_block(x, *_DOWNSAMPLING[-1])
    for i, width in enumerate((1536, 2048), start=1):
        x = _conv_bn_relu(x, layers.SeparableConv2D(width, (3, 3), padding="same",
                                                    use_bias=False,
                                                    name=f"block14_sepconv{i}"),
                          f"block14_sepconv{i}")
    return x


def Xception(  # noqa: N802 - Keras's name
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: tuple[Any, ...] | None = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "xception",
) -> Any:
    import deepfit
    from deepfit import layers

    imagenet_utils.check_weights_argument(weights, include_top, classes)
    if include_top:
        imagenet_utils.validate_activation(classifier_activation, weights)
    _, img_input = imagenet_utils.image_input(input_tensor, input_shape, 299, 71, include_top,
                                              weights)
    x = _features(img_input)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = imagenet_utils.pooled(x, pooling)
    return imagenet_utils.apply_weights(deepfit.Model(img_input, x, name=name), weights,
                                        _WEIGHTS[include_top], _WEIGHTS_PATH)


Xception.__doc__ = imagenet_utils.CLASSIC_DOC.format(
    name="Xception", top="global average pooling, then `classes` units", size=299, min_size=71)
