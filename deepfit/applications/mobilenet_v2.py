"""`MobileNetV2` (Sandler et al., 2018) with Keras's layer names, shapes and parameter counts,
so Keras's published ImageNet weights load into it by position.

Example:
    >>> base = MobileNetV2(input_shape=(160, 160, 3), include_top=False, weights=None)
    >>> base.trainable = False
"""

from __future__ import annotations

from typing import Any

from deepfit.applications import imagenet_utils
from deepfit.applications.imagenet_utils import decode_predictions, make_divisible
from deepfit.applications.imagenet_utils import tf_preprocess_input as preprocess_input

__all__ = ["MobileNetV2", "decode_predictions", "preprocess_input"]

_WEIGHTS_PATH = imagenet_utils.WEIGHTS_ORIGIN + "mobilenet_v2/"
_SIZES = (96, 128, 160, 192, 224)
_ALPHAS = (0.35, 0.50, 0.75, 1.0, 1.3, 1.4)
# (filters, stride, expansion) of blocks 1..16; block 0 is (16, 1, 1).
_BLOCKS = [(24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6), (64, 2, 6), (64, 1, 6),
           (64, 1, 6), (64, 1, 6), (96, 1, 6), (96, 1, 6), (96, 1, 6), (160, 2, 6), (160, 1, 6),
           (160, 1, 6), (320, 1, 6)]


def _relu6(name: str) -> Any:
    from deepfit import layers

    if hasattr(layers, "ReLU"):
        return layers.ReLU(6.0, name=name)
    return layers.Activation("relu6", name=name)


def _bn(name: str) -> Any:
    from deepfit import layers

    return layers.BatchNormalization(epsilon=1e-3, momentum=0.999, name=name)


def _inverted_res_block(inputs: Any, expansion: int, stride: int, alpha: float, filters: int,
                        block_id: int) -> Any:
    from deepfit import layers

    in_channels = inputs.shape[-1]
    pointwise_filters = make_divisible(int(filters * alpha), 8)
    x = inputs
    prefix = f"block_{block_id}_"
    if block_id:
        x = layers.Conv2D(expansion * in_channels, 1, padding="same", use_bias=False,
                          name=prefix + "expand")(x)
        x = _bn(prefix + "expand_BN")(x)
        x = _relu6(prefix + "expand_relu")(x)
    else:
        prefix = "expanded_conv_"
    if stride == 2:
        x = layers.ZeroPadding2D(imagenet_utils.correct_pad(tuple(x.shape[1:3]), 3),
                                 name=prefix + "pad")(x)
    x = layers.DepthwiseConv2D(3, strides=stride, use_bias=False,
                               padding="same" if stride == 1 else "valid",
                               name=prefix + "depthwise")(x)
    x = _bn(prefix + "depthwise_BN")(x)
    x = _relu6(prefix + "depthwise_relu")(x)
    x = layers.Conv2D(pointwise_filters, 1, padding="same", use_bias=False,
                      name=prefix + "project")(x)
    x = _bn(prefix + "project_BN")(x)
    if in_channels == pointwise_filters and stride == 1:
        return layers.Add(name=prefix + "add")([inputs, x])
    return x


def MobileNetV2(  # noqa: N802 - Keras's name
    input_shape: tuple[Any, ...] | None = None,
    alpha: float = 1.0,
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str | None = None,
) -> Any:
    """Keras's `keras.applications.MobileNetV2`.

    Args:
        input_shape: (rows, cols, 3); default (224, 224, 3). With ImageNet weights the side
            must be one of 96, 128, 160, 192, 224 (other sizes load the 224 weights).
        alpha: width multiplier (0.35, 0.5, 0.75, 1.0, 1.3 or 1.4 for ImageNet weights).
        include_top: end with global average pooling and the `classes`-way Dense layer.
        weights: None (random), 'imagenet' (Keras's published file), or a weights file path.
        input_tensor: a KerasTensor to build on (e.g. `deepfit.Input(...)`).
        pooling: without the top, 'avg' or 'max' global pooling (None: the 4-D feature map).
        classes: the number of classes of the top.
        classifier_activation: the top's activation.
        name: the model's name (default `mobilenetv2_1_00_224`: Keras's with '_' for '.').

    Returns:
        A Functional model.

    Example:
        >>> model = MobileNetV2(weights=None, input_shape=(96, 96, 3), classes=2)
    """
    import deepfit
    from deepfit import layers

    imagenet_utils.check_weights_argument(weights, include_top, classes)
    shape = _input_shape(input_shape, input_tensor, alpha, include_top, weights)
    img_input = input_tensor if input_tensor is not None else deepfit.Input(shape)
    rows = shape[0] if shape[0] in _SIZES else 224
    x = layers.Conv2D(make_divisible(32 * alpha, 8), 3, strides=(2, 2), padding="same",
                      use_bias=False, name="Conv1")(img_input)
    x = _bn("bn_Conv1")(x)
    x = _relu6("Conv1_relu")(x)
    x = _inverted_res_block(x, filters=16, alpha=alpha, stride=1, expansion=1, block_id=0)
    for block_id, (filters, stride, expansion) in enumerate(_BLOCKS, start=1):
        x = _inverted_res_block(x, filters=filters, alpha=alpha, stride=stride,
                                expansion=expansion, block_id=block_id)
    last = make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    x = layers.Conv2D(last, 1, use_bias=False, name="Conv_1")(x)
    x = _bn("Conv_1_bn")(x)
    x = _relu6("out_relu")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D()(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = imagenet_utils.pooled(x, pooling)
    # Keras's name is mobilenetv2_1.00_224; deepfit layer names cannot hold '.' (they name torch
    # submodules when the model is nested), so the dot becomes '_'.
    default = f"mobilenetv2_{alpha:0.2f}_{rows}".replace(".", "_")
    top = "" if include_top else "_no_top"
    fname = f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{rows}{top}.h5"
    return imagenet_utils.apply_weights(deepfit.Model(img_input, x, name=name or default),
                                        weights, (fname, None), _WEIGHTS_PATH)


def _input_shape(input_shape: Any, input_tensor: Any, alpha: float, include_top: bool,
                 weights: Any) -> tuple[Any, ...]:
    if input_tensor is not None and input_shape is None:
        input_shape = tuple(input_tensor.shape[1:])
    shape = imagenet_utils.input_shape_for(input_shape, 224, 32, include_top, weights)
    if weights == "imagenet" and alpha not in _ALPHAS:
        raise ValueError(f"If imagenet weights are being loaded, alpha must be one of "
                         f"{_ALPHAS}; Received alpha={alpha}")
    return shape
