"""`ResNet50` (He et al., 2015) with Keras's layer names and parameter counts (25,636,712 with
the top, 23,587,712 without), so Keras's published ImageNet weights load into it.

Example:
    >>> from deepfit.applications import resnet50
    >>> base = resnet50.ResNet50(include_top=False, weights=None, input_shape=(64, 64, 3))
"""

from __future__ import annotations

from typing import Any

from deepfit.applications import imagenet_utils
from deepfit.applications.imagenet_utils import caffe_preprocess_input as preprocess_input
from deepfit.applications.imagenet_utils import decode_predictions

__all__ = ["ResNet50", "decode_predictions", "preprocess_input"]

_WEIGHTS_PATH = imagenet_utils.WEIGHTS_ORIGIN + "resnet/"
_WEIGHTS = {
    True: ("resnet50_weights_tf_dim_ordering_tf_kernels.h5",
           "2cb95161c43110f7111970584f804107"),
    False: ("resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
            "4d473c1dd8becc155b73f8504c6f6626"),
}
# (bottleneck filters, blocks, first stride) of the stages conv2..conv5
_STAGES = ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2))


def _bn(name: str) -> Any:
    from deepfit import layers

    return layers.BatchNormalization(axis=3, epsilon=1.001e-5, name=name)


def _bottleneck(x: Any, filters: int, stride: int, projection: bool, name: str) -> Any:
    """1x1 reduce, 3x3, 1x1 expand (4x filters), added to the input (or to its 1x1 strided
    projection in each stage's first block)."""
    from deepfit import layers

    shortcut = x
    if projection:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(x)
        shortcut = _bn(f"{name}_0_bn")(shortcut)
    x = layers.Conv2D(filters, 1, strides=stride, name=f"{name}_1_conv")(x)
    x = _bn(f"{name}_1_bn")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = layers.Conv2D(filters, 3, padding="same", name=f"{name}_2_conv")(x)
    x = _bn(f"{name}_2_bn")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    x = _bn(f"{name}_3_bn")(x)
    x = layers.Add(name=f"{name}_add")([shortcut, x])
    return layers.Activation("relu", name=f"{name}_out")(x)


def ResNet50(  # noqa: N802 - Keras's name
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: tuple[Any, ...] | None = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "resnet50",
) -> Any:
    import deepfit
    from deepfit import layers

    imagenet_utils.check_weights_argument(weights, include_top, classes)
    if include_top:
        imagenet_utils.validate_activation(classifier_activation, weights)
    _, img_input = imagenet_utils.image_input(input_tensor, input_shape, 224, 32, include_top,
                                              weights)
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(img_input)
    x = layers.Conv2D(64, 7, strides=2, name="conv1_conv")(x)
    x = _bn("conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    for stage, (filters, blocks, stride) in enumerate(_STAGES, start=2):
        for block in range(1, blocks + 1):
            x = _bottleneck(x, filters, stride if block == 1 else 1, projection=block == 1,
                            name=f"conv{stage}_block{block}")
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = imagenet_utils.pooled(x, pooling, "avg_pool", "max_pool")
    return imagenet_utils.apply_weights(deepfit.Model(img_input, x, name=name), weights,
                                        _WEIGHTS[include_top], _WEIGHTS_PATH)


ResNet50.__doc__ = imagenet_utils.CLASSIC_DOC.format(
    name="ResNet50", top="global average pooling, then `classes` units", size=224, min_size=32)
