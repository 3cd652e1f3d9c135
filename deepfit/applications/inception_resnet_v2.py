"""`InceptionResNetV2` (Szegedy et al., 2017) with Keras's layer names, layer order and
parameter counts (55,873,736 with the top), so Keras's published ImageNet weights load into
it. Inputs are scaled to [-1, 1] (`preprocess_input`, 'tf' mode); the default size is
299x299 and the smallest 75x75.

Example:
    >>> from deepfit.applications import inception_resnet_v2
    >>> base = inception_resnet_v2.InceptionResNetV2(include_top=False, weights=None,
    ...                                              input_shape=(75, 75, 3))
"""

from __future__ import annotations

from typing import Any

from deepfit.applications import imagenet_utils
from deepfit.applications.imagenet_utils import decode_predictions
from deepfit.applications.imagenet_utils import tf_preprocess_input as preprocess_input
from deepfit.layers._residual_scaling import CustomScaleLayer

__all__ = ["CustomScaleLayer", "InceptionResNetV2", "decode_predictions", "preprocess_input"]

_WEIGHTS_PATH = imagenet_utils.WEIGHTS_ORIGIN + "inception_resnet_v2/"
_WEIGHTS = {
    True: ("inception_resnet_v2_weights_tf_dim_ordering_tf_kernels.h5",
           "e693bd0210a403b3192acc6073ad2e96"),
    False: ("inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5",
            "d19885ff4a710c122648d3b5c3b684e4"),
}
# Branches as chains of (filters, kernel[, stride]) convolutions (stride 2: 'valid'
# padding); "avg" a 3x3 stride-1 'same' average pooling, "max" a 3x3 stride-2 max pooling.
_STEM_MIXED = [[(96, 1)], [(48, 1), (64, 5)], [(64, 1), (96, 3), (96, 3)], ["avg", (64, 1)]]
_REDUCTION_A = [[(384, 3, 2)], [(256, 1), (256, 3), (384, 3, 2)], ["max"]]
_REDUCTION_B = [[(256, 1), (384, 3, 2)], [(256, 1), (288, 3, 2)],
                [(256, 1), (288, 3), (320, 3, 2)], ["max"]]
# the residual blocks' branches, by type
_RESIDUAL = {
    "block35": [[(32, 1)], [(32, 1), (32, 3)], [(32, 1), (48, 3), (64, 3)]],
    "block17": [[(192, 1)], [(128, 1), (160, (1, 7)), (192, (7, 1))]],
    "block8": [[(192, 1)], [(192, 1), (224, (1, 3)), (256, (3, 1))]],
}


def conv2d_bn(x: Any, filters: int, kernel_size: Any, strides: int = 1,
              padding: str = "same", activation: Any = "relu", use_bias: bool = False,
              name: str | None = None) -> Any:
    """Convolution `name`; without a bias, BatchNormalization without scale (`{name}_bn`);
    then `activation` (`{name}_ac`) unless None (Keras's `conv2d_bn`)."""
    from deepfit import layers

    x = layers.Conv2D(filters, kernel_size, strides=strides, padding=padding,
                      use_bias=use_bias, name=name)(x)
    if not use_bias:
        x = layers.BatchNormalization(axis=3, scale=False, name=name and f"{name}_bn")(x)
    if activation is not None:
        x = layers.Activation(activation, name=name and f"{name}_ac")(x)
    return x


def _chain(x: Any, steps: list) -> Any:
    from deepfit import layers

    for step in steps:
        if step == "avg":
            x = layers.AveragePooling2D(3, strides=1, padding="same")(x)
        elif step == "max":
            x = layers.MaxPooling2D(3, strides=2, padding="valid")(x)
        else:
            filters, kernel, *stride = step
            x = conv2d_bn(x, filters, list(kernel) if isinstance(kernel, tuple) else kernel,
                          strides=stride[0] if stride else 1,
                          padding="valid" if stride else "same")
    return x


def _mixed(x: Any, branches: list, name: str) -> Any:
    from deepfit import layers

    return layers.Concatenate(axis=3, name=name)([_chain(x, steps) for steps in branches])


def inception_resnet_block(x: Any, scale: float, block_type: str, block_idx: int,
                           activation: Any = "relu") -> Any:
    """The block's branches concatenated, a 1x1 convolution back to the input's channels,
    added to the input times `scale`, then `activation`."""
    from deepfit import layers

    if block_type not in _RESIDUAL:
        raise ValueError(f"Unknown Inception-ResNet block type. Expects \"block35\", "
                         f"\"block17\" or \"block8\", but got: {block_type}")
    name = f"{block_type}_{block_idx}"
    mixed = _mixed(x, _RESIDUAL[block_type], f"{name}_mixed")
    up = conv2d_bn(mixed, x.shape[3], 1, activation=None, use_bias=True, name=f"{name}_conv")
    x = CustomScaleLayer(scale)([x, up])
    if activation is not None:
        x = layers.Activation(activation, name=f"{name}_ac")(x)
    return x


def _features(img_input: Any) -> Any:
    x = _chain(img_input, [(32, 3, 2)])
    x = conv2d_bn(x, 32, 3, padding="valid")
    x = _chain(x, [(64, 3), "max"])
    x = conv2d_bn(x, 80, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, padding="valid")
    x = _chain(x, ["max"])
    x = _mixed(x, _STEM_MIXED, "mixed_5b")
    for idx in range(1, 11):
        x = inception_resnet_block(x, 0.17, "block35", idx)
    x = _mixed(x, _REDUCTION_A, "mixed_6a")
    for idx in range(1, 21):
        x = inception_resnet_block(x, 0.1, "block17", idx)
    x = _mixed(x, _REDUCTION_B, "mixed_7a")
    for idx in range(1, 10):
        x = inception_resnet_block(x, 0.2, "block8", idx)
    x = inception_resnet_block(x, 1.0, "block8", 10, activation=None)
    return conv2d_bn(x, 1536, 1, name="conv_7b")


def InceptionResNetV2(  # noqa: N802 - Keras's name
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: tuple[Any, ...] | None = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "inception_resnet_v2",
) -> Any:
    return imagenet_utils.classic_model(
        _features, include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes,
        classifier_activation=classifier_activation, name=name, default_size=299, min_size=75,
        weights_file=_WEIGHTS[include_top], origin_folder=_WEIGHTS_PATH)

InceptionResNetV2.__doc__ = imagenet_utils.CLASSIC_DOC.format(
    name="InceptionResNetV2", top="global average pooling, then `classes` units", size=299,
    min_size=75)
