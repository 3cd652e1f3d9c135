"""`InceptionV3` (Szegedy et al., 2016) with Keras's layer names, layer order and parameter
counts (23,851,784 with the top, 21,802,784 without), so Keras's published ImageNet weights
load into it. Inputs are scaled to [-1, 1] (`preprocess_input`, 'tf' mode); the default size
is 299x299 and the smallest 75x75.

Example:
    >>> from deepfit.applications import inception_v3
    >>> base = inception_v3.InceptionV3(include_top=False, weights=None,
    ...                                 input_shape=(75, 75, 3))
"""

from __future__ import annotations

from typing import Any

from deepfit.applications import imagenet_utils
from deepfit.applications.imagenet_utils import decode_predictions
from deepfit.applications.imagenet_utils import tf_preprocess_input as preprocess_input

__all__ = ["InceptionV3", "decode_predictions", "preprocess_input"]

_WEIGHTS_PATH = imagenet_utils.WEIGHTS_ORIGIN + "inception_v3/"
_WEIGHTS = {
    True: ("inception_v3_weights_tf_dim_ordering_tf_kernels.h5",
           "9a0d58056eeedaa3f26cb7ebd46da564"),
    False: ("inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
            "bcbd6486424b2319ff4ef7d526e38f63"),
}
# A branch is a chain of steps: (filters, rows, cols[, stride]) a convolution (stride 2:
# 'valid' padding), "avg" a 3x3 stride-1 'same' average pooling, "max" a 3x3 stride-2 max
# pooling. A block is its branches, concatenated.


def _block_a(pool_filters: int) -> list:
    return [[(64, 1, 1)], [(48, 1, 1), (64, 5, 5)], [(64, 1, 1), (96, 3, 3), (96, 3, 3)],
            ["avg", (pool_filters, 1, 1)]]


def _block_c(width: int) -> list:
    return [[(192, 1, 1)], [(width, 1, 1), (width, 1, 7), (192, 7, 1)],
            [(width, 1, 1), (width, 7, 1), (width, 1, 7), (width, 7, 1), (192, 1, 7)],
            ["avg", (192, 1, 1)]]


_REDUCTION_A = [[(384, 3, 3, 2)], [(64, 1, 1), (96, 3, 3), (96, 3, 3, 2)], ["max"]]
_REDUCTION_B = [[(192, 1, 1), (320, 3, 3, 2)],
                [(192, 1, 1), (192, 1, 7), (192, 7, 1), (192, 3, 3, 2)], ["max"]]
# mixed0..mixed8; mixed9 and mixed10 (with split branches) are `_expanded_block`
_MIXED = [_block_a(32), _block_a(64), _block_a(64), _REDUCTION_A, _block_c(128),
          _block_c(160), _block_c(160), _block_c(192), _REDUCTION_B]


def conv2d_bn(x: Any, filters: int, rows: int, cols: int, padding: str = "same",
              strides: int = 1, name: str | None = None) -> Any:
    """Convolution without bias, BatchNormalization without scale, ReLU (Keras's
    `conv2d_bn`; with `name`, the layers are `{name}_conv`, `{name}_bn` and `name`)."""
    from deepfit import layers

    x = layers.Conv2D(filters, (rows, cols), strides=strides, padding=padding, use_bias=False,
                      name=name and f"{name}_conv")(x)
    x = layers.BatchNormalization(axis=3, scale=False, name=name and f"{name}_bn")(x)
    return layers.Activation("relu", name=name)(x)


def _chain(x: Any, steps: list) -> Any:
    from deepfit import layers

    for step in steps:
        if step == "avg":
            x = layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same")(x)
        elif step == "max":
            x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
        else:
            filters, rows, cols, *stride = step
            x = conv2d_bn(x, filters, rows, cols, strides=stride[0] if stride else 1,
                          padding="valid" if stride else "same")
    return x


def _expanded_block(x: Any, index: int) -> Any:
    """mixed9/mixed10: the 3x3 branches end in parallel 1x3 and 3x1 convolutions."""
    from deepfit import layers

    branch1x1 = conv2d_bn(x, 320, 1, 1)
    branch3x3 = conv2d_bn(x, 384, 1, 1)
    branch3x3 = layers.concatenate([conv2d_bn(branch3x3, 384, 1, 3),
                                    conv2d_bn(branch3x3, 384, 3, 1)], axis=3,
                                   name=f"mixed9_{index}")
    double = _chain(x, [(448, 1, 1), (384, 3, 3)])
    double = layers.concatenate([conv2d_bn(double, 384, 1, 3), conv2d_bn(double, 384, 3, 1)],
                                axis=3)
    pool = _chain(x, ["avg", (192, 1, 1)])
    return layers.concatenate([branch1x1, branch3x3, double, pool], axis=3,
                              name=f"mixed{9 + index}")


def _features(img_input: Any) -> Any:
    from deepfit import layers

    x = conv2d_bn(img_input, 32, 3, 3, strides=2, padding="valid")
    x = conv2d_bn(x, 32, 3, 3, padding="valid")
    x = conv2d_bn(x, 64, 3, 3)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = conv2d_bn(x, 80, 1, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, 3, padding="valid")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    for index, branches in enumerate(_MIXED):
        x = layers.concatenate([_chain(x, steps) for steps in branches], axis=3,
                               name=f"mixed{index}")
    for index in range(2):
        x = _expanded_block(x, index)
    return x


def InceptionV3(  # noqa: N802 - Keras's name
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: tuple[Any, ...] | None = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "inception_v3",
) -> Any:
    return imagenet_utils.classic_model(
        _features, include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes,
        classifier_activation=classifier_activation, name=name, default_size=299, min_size=75,
        weights_file=_WEIGHTS[include_top], origin_folder=_WEIGHTS_PATH)

InceptionV3.__doc__ = imagenet_utils.CLASSIC_DOC.format(
    name="InceptionV3", top="global average pooling, then `classes` units", size=299,
    min_size=75)
