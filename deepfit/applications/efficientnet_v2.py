"""EfficientNetV2 B0-B3, S, M and L (Tan & Le, 2021) with Keras's layer names and parameter
counts, so Keras's published ImageNet weights (`efficientnetv2-b0.h5`, ...) load into them.

As in Keras the preprocessing is part of the model (`include_preprocessing=True`): the B
models rescale 0..255 pixels to [0, 1] and normalize them with the ImageNet statistics, S, M
and L rescale them to [-1, 1]; `preprocess_input` returns its input unchanged.

Example:
    >>> from deepfit.applications import efficientnet_v2
    >>> base = efficientnet_v2.EfficientNetV2B0(include_top=False, weights=None,
    ...                                         input_shape=(64, 64, 3), pooling="avg")
"""

from __future__ import annotations

import math
from typing import Any

from deepfit.applications import imagenet_utils
from deepfit.applications.imagenet_utils import decode_predictions
from deepfit.applications.imagenet_utils import (
    passthrough_preprocess_input as preprocess_input,
)

__all__ = ["EfficientNetV2", "EfficientNetV2B0", "EfficientNetV2B1", "EfficientNetV2B2",
           "EfficientNetV2B3", "EfficientNetV2L", "EfficientNetV2M", "EfficientNetV2S",
           "decode_predictions", "preprocess_input"]

_WEIGHTS_PATH = imagenet_utils.WEIGHTS_ORIGIN + "efficientnet_v2/"
# md5 of Keras's published files: (with the top, without)
WEIGHTS_HASHES = {
    "b0": ("21ecbf6da12460d5c40bb2f29ceb2188", "893217f2bb855e2983157299931e43ff"),
    "b1": ("069f0534ff22adf035c89e2d9547a9dc", "0e80663031ca32d657f9caa404b6ec37"),
    "b2": ("424e49f28180edbde1e94797771950a7", "1dfe2e7a5d45b6632553a8961ea609eb"),
    "b3": ("1f1fc43bd98a6e4fd8fdfd551e02c7a0", "f6abf7b5849ac99a89b50dd3fd532856"),
    "-s": ("e1d88a8495beba45748fedd0cecbe016", "af0682fb74e8c54910f2d4393339c070"),
    "-m": ("a3bf6aa3276309f4fc6a34aa114c95cd", "1b8dc055df72dde80d614482840fe342"),
    "-l": ("27e6d408b53c7ebc868fefa357689935", "b0b66b5c863aef5b46e8608fe1711615"),
}
_KEYS = ("kernel_size", "num_repeat", "input_filters", "output_filters", "expand_ratio",
         "se_ratio", "strides", "conv_type")
# Each stage: kernel, repeats, filters in, filters out, expansion, squeeze-excite ratio,
# stride, and 1 for the fused block (one full convolution) or 0 for the depthwise one.
_B = ((3, 1, 32, 16, 1, 0, 1, 1), (3, 2, 16, 32, 4, 0, 2, 1), (3, 2, 32, 48, 4, 0, 2, 1),
      (3, 3, 48, 96, 4, 0.25, 2, 0), (3, 5, 96, 112, 6, 0.25, 1, 0),
      (3, 8, 112, 192, 6, 0.25, 2, 0))
_STAGES = {
    "b": _B,
    "-s": ((3, 2, 24, 24, 1, 0, 1, 1), (3, 4, 24, 48, 4, 0, 2, 1), (3, 4, 48, 64, 4, 0, 2, 1),
           (3, 6, 64, 128, 4, 0.25, 2, 0), (3, 9, 128, 160, 6, 0.25, 1, 0),
           (3, 15, 160, 256, 6, 0.25, 2, 0)),
    "-m": ((3, 3, 24, 24, 1, 0, 1, 1), (3, 5, 24, 48, 4, 0, 2, 1), (3, 5, 48, 80, 4, 0, 2, 1),
           (3, 7, 80, 160, 4, 0.25, 2, 0), (3, 14, 160, 176, 6, 0.25, 1, 0),
           (3, 18, 176, 304, 6, 0.25, 2, 0), (3, 5, 304, 512, 6, 0.25, 1, 0)),
    "-l": ((3, 4, 32, 32, 1, 0, 1, 1), (3, 7, 32, 64, 4, 0, 2, 1), (3, 7, 64, 96, 4, 0, 2, 1),
           (3, 10, 96, 192, 4, 0.25, 2, 0), (3, 19, 192, 224, 6, 0.25, 1, 0),
           (3, 25, 224, 384, 6, 0.25, 2, 0), (3, 7, 384, 640, 6, 0.25, 1, 0)),
}
DEFAULT_BLOCKS_ARGS = {f"efficientnetv2{'-' if label.startswith('b') else ''}{label}": [
    dict(zip(_KEYS, row)) for row in _STAGES[label[0] if label[0] == "b" else label]]
    for label in ("b0", "b1", "b2", "b3", "-s", "-m", "-l")}
_CONV_INIT = {"class_name": "VarianceScaling",
              "config": {"scale": 2.0, "mode": "fan_out", "distribution": "truncated_normal"}}
_DENSE_INIT = {"class_name": "VarianceScaling",
               "config": {"scale": 1.0 / 3.0, "mode": "fan_out", "distribution": "uniform"}}


def _round_filters(filters: float, width: float, min_depth: int, divisor: int) -> int:
    filters *= width
    return int(max(min_depth or divisor, int(filters + divisor / 2) // divisor * divisor))


def _conv_bn_act(x: Any, filters: int, kernel: int, strides: int, momentum: float,
                 activation: Any, name: str, act: bool = True) -> Any:
    """Convolution without bias (`{name}_conv`), BatchNormalization (`{name}_bn`) and, with
    `act`, the activation (`{name}_activation`)."""
    from deepfit import layers

    x = layers.Conv2D(filters, kernel, strides=strides, padding="same", use_bias=False,
                      kernel_initializer=_CONV_INIT, name=f"{name}_conv")(x)
    x = layers.BatchNormalization(axis=3, momentum=momentum, name=f"{name}_bn")(x)
    return layers.Activation(activation, name=f"{name}_activation")(x) if act else x


def _squeeze_excite(x: Any, filters: int, squeezed: int, activation: Any, name: str) -> Any:
    from deepfit import layers

    se = layers.GlobalAveragePooling2D(name=f"{name}se_squeeze")(x)
    se = layers.Reshape((1, 1, filters), name=f"{name}se_reshape")(se)
    se = layers.Conv2D(squeezed, 1, padding="same", activation=activation,
                       kernel_initializer=_CONV_INIT, name=f"{name}se_reduce")(se)
    se = layers.Conv2D(filters, 1, padding="same", activation="sigmoid",
                       kernel_initializer=_CONV_INIT, name=f"{name}se_expand")(se)
    return layers.multiply([x, se], name=f"{name}se_excite")


def _block(inputs: Any, fused: bool, input_filters: int, output_filters: int,
           expand_ratio: int, kernel_size: int, strides: int, se_ratio: float,
           momentum: float, activation: Any, drop_rate: float, name: str) -> Any:
    """MBConv (1x1 expansion, depthwise convolution) or fused MBConv (one full convolution
    expanding and striding), squeeze-excite, the 1x1 projection (the fused block without
    expansion projects with its full convolution, then activates), and the residual with
    drop-connect where the shapes allow."""
    from deepfit import layers

    filters = input_filters * expand_ratio
    x = inputs
    if expand_ratio != 1:
        x = _conv_bn_act(x, filters, kernel_size if fused else 1, strides if fused else 1,
                         momentum, activation, f"{name}expand")
    if not fused:
        x = layers.DepthwiseConv2D(kernel_size, strides=strides, padding="same",
                                   use_bias=False, depthwise_initializer=_CONV_INIT,
                                   name=f"{name}dwconv2")(x)
        x = layers.BatchNormalization(axis=3, momentum=momentum, name=f"{name}bn")(x)
        x = layers.Activation(activation, name=f"{name}activation")(x)
    if 0 < se_ratio <= 1:
        x = _squeeze_excite(x, filters, max(1, int(input_filters * se_ratio)), activation,
                            name)
    plain_fused = fused and expand_ratio == 1
    x = _conv_bn_act(x, output_filters, kernel_size if plain_fused else 1,
                     strides if plain_fused else 1, momentum, activation, f"{name}project",
                     act=plain_fused)
    if strides == 1 and input_filters == output_filters:
        if drop_rate:
            x = layers.Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=f"{name}drop")(x)
        x = layers.add([x, inputs], name=f"{name}add")
    return x


def _preprocessing(x: Any, b_model: bool) -> Any:
    from deepfit import layers

    if b_model and x.shape[-1] == 3:
        x = layers.Rescaling(scale=1.0 / 255)(x)
        return layers.Normalization(mean=[0.485, 0.456, 0.406],
                                    variance=[0.229**2, 0.224**2, 0.225**2], axis=3)(x)
    return layers.Rescaling(scale=1.0 / 128.0, offset=-1)(x)


def EfficientNetV2(  # noqa: N802 - Keras's name
    width_coefficient: float,
    depth_coefficient: float,
    default_size: int,
    dropout_rate: float = 0.2,
    drop_connect_rate: float = 0.2,
    depth_divisor: int = 8,
    min_depth: int = 8,
    bn_momentum: float = 0.9,
    activation: Any = "swish",
    blocks_args: Any = "default",
    name: str = "efficientnetv2",
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: tuple[Any, ...] | None = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    include_preprocessing: bool = True,
    weights_name: str | None = None,
) -> Any:
    """The EfficientNetV2 family's builder (Keras's `efficientnet_v2.EfficientNetV2`).

    Args:
        width_coefficient, depth_coefficient: scale every stage's filters and repeats.
        default_size: the input side with the top (and ImageNet weights).
        dropout_rate: the dropout before the classifier.
        drop_connect_rate: the largest per-sample dropout rate of the residual branches.
        depth_divisor, min_depth: the unit and the least of the filter counts.
        bn_momentum: the BatchNormalization momentum.
        activation: the activation of every block (swish).
        blocks_args: 'default' (the table of `weights_name`'s variant) or a list of dicts
            with Keras's keys (kernel_size, num_repeat, input_filters, output_filters,
            expand_ratio, se_ratio, strides, conv_type).
        name: the model's name.
        include_preprocessing: start with Keras's rescaling (and, for the B models, the
            ImageNet normalization) of 0..255 pixels.
        weights_name: 'b0'..'b3', '-s', '-m' or '-l': the variant (its stage table, its
            preprocessing, its ImageNet file).
        The rest: as in `EfficientNetV2B0`.

    Returns:
        A Functional model.
    """
    import deepfit
    from deepfit import layers

    label = weights_name if weights_name in WEIGHTS_HASHES else "b0"
    stages = DEFAULT_BLOCKS_ARGS[_model_name(label)] if blocks_args == "default" else blocks_args
    imagenet_utils.check_weights_argument(weights, include_top, classes)
    if weights == "imagenet" and weights_name not in WEIGHTS_HASHES:
        raise ValueError(f"weights_name: expected one of {sorted(WEIGHTS_HASHES)} with "
                         f"weights='imagenet', received {weights_name!r}")
    for stage in stages:
        if stage["num_repeat"] <= 0:
            raise ValueError(f"The number of repeats in `EfficientNetV2` must be > 0. "
                             f"Received: num_repeat={stage['num_repeat']}")
    if include_top:
        imagenet_utils.validate_activation(classifier_activation, weights)
    _, img_input = imagenet_utils.image_input(input_tensor, input_shape, default_size, 32,
                                              include_top, weights)
    # Keras names the file after the model; the published files are named after the variant
    fname = _model_name(label) + (".h5" if include_top else "_notop.h5")
    path = imagenet_utils.weights_path(
        weights, (fname, WEIGHTS_HASHES[label][0 if include_top else 1]), _WEIGHTS_PATH)

    def round_filters(filters: float) -> int:
        return _round_filters(filters, width_coefficient, min_depth, depth_divisor)

    x = _preprocessing(img_input, label.startswith("b")) if include_preprocessing else img_input
    x = _conv_bn_act(x, round_filters(stages[0]["input_filters"]), 3, 2, bn_momentum,
                     activation, "stem")
    repeats = [int(math.ceil(depth_coefficient * stage["num_repeat"])) for stage in stages]
    total, done = float(sum(stage["num_repeat"] for stage in stages)), 0
    for i, (stage, count) in enumerate(zip(stages, repeats)):
        filters_in = round_filters(stage["input_filters"])
        filters_out = round_filters(stage["output_filters"])
        for j in range(count):
            x = _block(x, stage["conv_type"] == 1, filters_in if j == 0 else filters_out,
                       filters_out, stage["expand_ratio"], stage["kernel_size"],
                       stage["strides"] if j == 0 else 1, stage["se_ratio"], bn_momentum,
                       activation, drop_connect_rate * done / total,
                       f"block{i + 1}{chr(j + 97)}_")
            done += 1
    x = _conv_bn_act(x, round_filters(1280), 1, 1, bn_momentum, activation, "top")
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate, name="top_dropout")(x)
        x = layers.Dense(classes, activation=classifier_activation,
                         kernel_initializer=_DENSE_INIT, bias_initializer="zeros",
                         name="predictions")(x)
    else:
        x = imagenet_utils.pooled(x, pooling, "avg_pool", "max_pool")
    return imagenet_utils.loaded(deepfit.Model(img_input, x, name=name), path)


def _model_name(label: str) -> str:
    return f"efficientnetv2{'-' if label.startswith('b') else ''}{label}"


def _variant(label: str, width: float, depth: float, size: int) -> Any:
    """The public constructor of one EfficientNetV2 size (Keras's signature and defaults)."""

    def build(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
              input_shape: tuple[Any, ...] | None = None, pooling: str | None = None,
              classes: int = 1000, classifier_activation: Any = "softmax",
              include_preprocessing: bool = True, name: str = _model_name(label)) -> Any:
        return EfficientNetV2(width, depth, size, name=name, include_top=include_top,
                              weights=weights, input_tensor=input_tensor,
                              input_shape=input_shape, pooling=pooling, classes=classes,
                              classifier_activation=classifier_activation,
                              include_preprocessing=include_preprocessing, weights_name=label)

    build.__name__ = build.__qualname__ = f"EfficientNetV2{label.strip('-').upper()}"
    title, rest = imagenet_utils.CLASSIC_DOC.format(
        name=build.__name__, size=size, min_size=32,
        top="global average pooling, dropout 0.2, then `classes` units").split("\n", 1)
    build.__doc__ = (f"{title}\n\n    The model preprocesses its 0..255 input itself "
                     f"(`include_preprocessing=False` leaves it out).\n{rest}")
    return build


EfficientNetV2B0 = _variant("b0", 1.0, 1.0, 224)
EfficientNetV2B1 = _variant("b1", 1.0, 1.1, 240)
EfficientNetV2B2 = _variant("b2", 1.1, 1.2, 260)
EfficientNetV2B3 = _variant("b3", 1.2, 1.4, 300)
EfficientNetV2S = _variant("-s", 1.0, 1.0, 384)
EfficientNetV2M = _variant("-m", 1.0, 1.0, 480)
EfficientNetV2L = _variant("-l", 1.0, 1.0, 480)
