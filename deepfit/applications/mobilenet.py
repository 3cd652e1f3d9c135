"""`MobileNet` (Howard et al., 2017: depthwise separable convolutions) with Keras's layer
names and parameter counts (4,253,864 at alpha 1.0 with the top), so Keras's published
ImageNet weights (`mobilenet_1_0_224_tf.h5`, ...) load into it. Inputs are scaled to [-1, 1]
(`preprocess_input`, 'tf' mode).

Example:
    >>> from deepfit.applications import mobilenet
    >>> base = mobilenet.MobileNet(input_shape=(128, 128, 3), include_top=False, weights=None)
"""

from __future__ import annotations

import warnings
from typing import Any

from deepfit.applications import imagenet_utils
from deepfit.applications.imagenet_utils import decode_predictions
from deepfit.applications.imagenet_utils import tf_preprocess_input as preprocess_input

__all__ = ["MobileNet", "decode_predictions", "preprocess_input"]

_WEIGHTS_PATH = imagenet_utils.WEIGHTS_ORIGIN + "mobilenet/"
_SIZES = (128, 160, 192, 224)
_ALPHA_TEXT = {0.25: "2_5", 0.5: "5_0", 0.75: "7_5", 1.0: "1_0"}
# (pointwise filters, stride) of the depthwise separable blocks 1..13
_BLOCKS = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1),
           (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1))


def _bn_relu6(x: Any, name: str) -> Any:
    from deepfit import layers

    x = layers.BatchNormalization(axis=-1, name=f"{name}_bn")(x)
    return layers.ReLU(6.0, name=f"{name}_relu")(x)


def _separable_block(x: Any, filters: int, depth_multiplier: int, stride: int,
                     block_id: int) -> Any:
    """3x3 depthwise (after a bottom-right zero padding when strided) and 1x1 pointwise
    convolutions, each with BatchNormalization and ReLU6."""
    from deepfit import layers

    if stride == 2:
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{block_id}")(x)
    x = layers.DepthwiseConv2D((3, 3), padding="same" if stride == 1 else "valid",
                               depth_multiplier=depth_multiplier, strides=stride,
                               use_bias=False, name=f"conv_dw_{block_id}")(x)
    x = _bn_relu6(x, f"conv_dw_{block_id}")
    x = layers.Conv2D(filters, (1, 1), padding="same", use_bias=False,
                      name=f"conv_pw_{block_id}")(x)
    return _bn_relu6(x, f"conv_pw_{block_id}")


def _checked(input_shape: Any, alpha: float, depth_multiplier: int, weights: Any) -> int:
    """Keras's ImageNet rules; returns the side whose ImageNet file loads."""
    rows = None if input_shape is None else input_shape[0]
    square = input_shape is not None and input_shape[0] == input_shape[1]
    if weights != "imagenet":
        return rows
    if depth_multiplier != 1:
        raise ValueError(f"If imagenet weights are being loaded, depth multiplier must be 1.  "
                         f"Received depth_multiplier={depth_multiplier}")
    if alpha not in _ALPHA_TEXT:
        raise ValueError("If imagenet weights are being loaded, alpha can be one of`0.25`, "
                         f"`0.50`, `0.75` or `1.0` only.  Received alpha={alpha}")
    if not (square and rows in _SIZES):
        warnings.warn("`input_shape` is undefined or non-square, or `rows` is not in "
                      "[128, 160, 192, 224]. Weights for input shape (224, 224) will be "
                      "loaded as the default.", stacklevel=3)
        return 224
    return rows


def MobileNet(  # noqa: N802 - Keras's name
    input_shape: tuple[Any, ...] | None = None,
    alpha: float = 1.0,
    depth_multiplier: int = 1,
    dropout: float = 1e-3,
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str | None = None,
) -> Any:
    """Keras's `keras.applications.MobileNet`.

    Args:
        input_shape: (rows, cols, 3), at least 32x32; default (224, 224, 3). ImageNet files
            exist for square 128, 160, 192 and 224 inputs (other sizes load the 224 file).
        alpha: width multiplier (0.25, 0.5, 0.75 or 1.0 with ImageNet weights).
        depth_multiplier: the depthwise convolutions' multiplier (1 with ImageNet weights).
        dropout: the dropout rate before the classifier.
        include_top: end with global average pooling, dropout, a 1x1 convolution to
            `classes` and the activation.
        weights: None (random), 'imagenet' (Keras's published file), or a weights file path.
        input_tensor: a KerasTensor to build on (e.g. `deepfit.Input(...)`).
        pooling: without the top, 'avg' or 'max' global pooling (None: the 4-D feature map).
        classes: the number of classes of the top.
        classifier_activation: the top's activation (softmax or None with ImageNet weights).
        name: the model's name (default `mobilenet_1_00_224`: Keras's with '_' for '.').

    Returns:
        A Functional model.

    Example:
        >>> model = MobileNet(weights=None, input_shape=(128, 128, 3), alpha=0.25, classes=3)
    """
    import deepfit
    from deepfit import layers

    imagenet_utils.check_weights_argument(weights, include_top, classes)
    default = input_shape[0] if (input_shape is not None and input_shape[0] == input_shape[1]
                                 and input_shape[0] in _SIZES) else 224
    if input_tensor is not None and input_shape is None:
        input_shape = tuple(input_tensor.shape[1:])
    shape = imagenet_utils.input_shape_for(input_shape, default, 32, include_top, weights)
    rows = _checked(shape, alpha, depth_multiplier, weights)
    if include_top:
        imagenet_utils.validate_activation(classifier_activation, weights)
    top = "" if include_top else "_no_top"
    fname = f"mobilenet_{_ALPHA_TEXT.get(alpha, '')}_{rows}_tf{top}.h5"
    path = imagenet_utils.weights_path(weights, (fname, None), _WEIGHTS_PATH)
    img_input = input_tensor if input_tensor is not None else deepfit.Input(shape)
    x = layers.Conv2D(int(32 * alpha), (3, 3), padding="same", use_bias=False, strides=2,
                      name="conv1")(img_input)
    x = _bn_relu6(x, "conv1")
    for block_id, (filters, stride) in enumerate(_BLOCKS, start=1):
        x = _separable_block(x, int(filters * alpha), depth_multiplier, stride, block_id)
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Conv2D(classes, (1, 1), padding="same", name="conv_preds")(x)
        x = layers.Reshape((classes,), name="reshape_2")(x)
        x = layers.Activation(classifier_activation, name="predictions")(x)
    else:
        x = imagenet_utils.pooled(x, pooling)
    # Keras's name is mobilenet_1.00_224; deepfit layer names cannot hold '.'
    name = name or f"mobilenet_{alpha:0.2f}_{rows}".replace(".", "_")
    return imagenet_utils.loaded(deepfit.Model(img_input, x, name=name), path)
