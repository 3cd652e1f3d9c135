"""EfficientNet B0 to B7 (Tan & Le, 2019) with Keras's layer names and parameter counts
(EfficientNetB0: 5,330,571 with the top, 4,049,571 without), so Keras's published ImageNet
weights (`efficientnetb0.h5`, `efficientnetb0_notop.h5`, ...) load into them.

As in Keras the preprocessing is part of the model: inputs are 0..255 pixels, rescaled to
[0, 1] and normalized with the ImageNet statistics by the first layers, so
`preprocess_input` returns its input unchanged.

Example:
    >>> from deepfit.applications import efficientnet
    >>> base = efficientnet.EfficientNetB0(include_top=False, weights=None,
    ...                                    input_shape=(64, 64, 3), pooling="avg")
"""

from __future__ import annotations

import math
from typing import Any

from deepfit.applications import imagenet_utils
from deepfit.applications.imagenet_utils import decode_predictions
from deepfit.applications.imagenet_utils import (
    passthrough_preprocess_input as preprocess_input,
)

__all__ = ["EfficientNet", "EfficientNetB0", "EfficientNetB1", "EfficientNetB2",
           "EfficientNetB3", "EfficientNetB4", "EfficientNetB5", "EfficientNetB6",
           "EfficientNetB7", "decode_predictions", "preprocess_input"]

_WEIGHTS_PATH = "https://storage.googleapis.com/keras-applications/"
# md5 of Keras's published files: (with the top, without)
_WEIGHTS_HASHES = {
    "b0": ("902e53a9f72be733fc0bcb005b3ebbac", "50bc09e76180e00e4465e1a485ddc09d"),
    "b1": ("1d254153d4ab51201f1646940f018540", "74c4e6b3e1f6a1eea24c589628592432"),
    "b2": ("b15cce36ff4dcbd00b6dd88e7857a6ad", "111f8e2ac8aa800a7a99e3239f7bfb39"),
    "b3": ("ffd1fdc53d0ce67064dc6a9c7960ede0", "af6d107764bb5b1abb91932881670226"),
    "b4": ("18c95ad55216b8f92d7e70b3a046e2fc", "ebc24e6d6c33eaebbd558eafbeedf1ba"),
    "b5": ("ace28f2a6363774853a83a0b21b9421a", "38879255a25d3c92d5e44e04ae6cec6f"),
    "b6": ("165f6e37dce68623721b423839de8be5", "9ecce42647a20130c1f39a5d4cb75743"),
    "b7": ("8c03f828fec3ef71311cd463b6759d99", "cbcfe4450ddf6f3ad90b1b398090fe4a"),
}
_BLOCK_KEYS = ("kernel_size", "repeats", "filters_in", "filters_out", "expand_ratio", "strides")
# The seven stages of B0; the other sizes scale their filters and repeats.
DEFAULT_BLOCKS_ARGS = [
    dict(zip(_BLOCK_KEYS, row), id_skip=True, se_ratio=0.25)
    for row in ((3, 1, 32, 16, 1, 1), (3, 2, 16, 24, 6, 2), (5, 2, 24, 40, 6, 2),
                (3, 3, 40, 80, 6, 2), (5, 3, 80, 112, 6, 1), (5, 4, 112, 192, 6, 2),
                (3, 1, 192, 320, 6, 1))
]
_CONV_INIT = {"class_name": "VarianceScaling",
              "config": {"scale": 2.0, "mode": "fan_out", "distribution": "truncated_normal"}}
_DENSE_INIT = {"class_name": "VarianceScaling",
               "config": {"scale": 1.0 / 3.0, "mode": "fan_out", "distribution": "uniform"}}
_IMAGENET_STDDEV_RGB = (0.229, 0.224, 0.225)


def EfficientNet(  # noqa: N802 - Keras's name
    width_coefficient: float,
    depth_coefficient: float,
    default_size: int,
    dropout_rate: float = 0.2,
    drop_connect_rate: float = 0.2,
    depth_divisor: int = 8,
    activation: Any = "swish",
    blocks_args: Any = "default",
    name: str = "efficientnet",
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: tuple[Any, ...] | None = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    weights_name: str | None = None,
) -> Any:
    """The EfficientNet family's builder (Keras's `efficientnet.EfficientNet`).

    Args:
        width_coefficient: multiplies every stage's filters (rounded to `depth_divisor`).
        depth_coefficient: multiplies every stage's repeats (rounded up).
        default_size: the input side with the top (and ImageNet weights).
        dropout_rate: the dropout before the classifier (`top_dropout`; none when 0).
        drop_connect_rate: the largest rate of the per-sample dropout on the residual
            branches, reached linearly over the blocks.
        depth_divisor: the unit of the filter counts.
        activation: the activation of every block (swish).
        blocks_args: 'default' (B0's stages) or a list of dicts with Keras's keys
            (kernel_size, repeats, filters_in, filters_out, expand_ratio, id_skip, strides,
            se_ratio).
        name: the model's name.
        include_top, weights, input_tensor, input_shape, pooling, classes,
        classifier_activation: as in `EfficientNetB0`.
        weights_name: 'b0'..'b7', which published ImageNet file `weights="imagenet"` loads.

    Returns:
        A Functional model.

    Example:
        >>> model = EfficientNet(1.0, 1.0, 224, weights=None, include_top=False,
        ...                      input_shape=(32, 32, 3))
    """
    import deepfit

    stages = _checked_stages(blocks_args, weights, weights_name)
    imagenet_utils.check_weights_argument(weights, include_top, classes)
    if include_top:
        imagenet_utils.validate_activation(classifier_activation, weights)
    _, img_input = imagenet_utils.image_input(input_tensor, input_shape, default_size, 32,
                                              include_top, weights)
    weights_path = _weights_path(weights, weights_name, include_top)

    def round_filters(filters: int) -> int:
        return imagenet_utils.make_divisible(filters * width_coefficient, depth_divisor)

    x = _stem(img_input, round_filters(32), activation, weights == "imagenet")
    repeats = [int(math.ceil(depth_coefficient * stage["repeats"])) for stage in stages]
    total, done = float(sum(repeats)), 0
    for i, (stage, count) in enumerate(zip(stages, repeats)):
        args = {key: value for key, value in stage.items() if key != "repeats"}
        args["filters_in"] = round_filters(args["filters_in"])
        args["filters_out"] = round_filters(args["filters_out"])
        for j in range(count):
            if j > 0:  # only the stage's first block changes the stride and the width
                args["strides"], args["filters_in"] = 1, args["filters_out"]
            x = _block(x, activation, drop_connect_rate * done / total,
                       f"block{i + 1}{chr(j + 97)}_", **args)
            done += 1
    x = _head(x, round_filters(1280), activation, include_top, dropout_rate, pooling, classes,
              classifier_activation)
    model = deepfit.Model(img_input, x, name=name)
    if weights_path is not None:
        model.load_weights(weights_path)
    return model


def _weights_path(weights: Any, weights_name: str | None, include_top: bool) -> Any:
    """The file `weights` names; for 'imagenet', Keras's published file from a cache or a
    download, found before any layer is built so that a missing file fails at once."""
    if weights != "imagenet":
        return weights
    # Keras names the file after the model's `name`; the published files are named after the
    # variant, whatever the model is called.
    fname = f"efficientnet{weights_name}" + (".h5" if include_top else "_notop.h5")
    return imagenet_utils.cached_or_download(
        fname, _WEIGHTS_PATH + fname, _WEIGHTS_HASHES[weights_name][0 if include_top else 1],
        "models")


def _checked_stages(blocks_args: Any, weights: Any, weights_name: str | None) -> list[dict]:
    stages = DEFAULT_BLOCKS_ARGS if isinstance(blocks_args, str) and blocks_args == "default" \
        else blocks_args
    for stage in stages:
        if stage["repeats"] <= 0:
            raise ValueError(f"The number of repeats in `EfficientNet` must be > 0. "
                             f"Received: repeats={stage['repeats']}")
    if weights == "imagenet" and weights_name not in _WEIGHTS_HASHES:
        raise ValueError(f"weights_name: expected one of {sorted(_WEIGHTS_HASHES)} with "
                         f"weights='imagenet', received {weights_name!r}")
    return stages


def _stem(img_input: Any, filters: int, activation: Any, imagenet: bool) -> Any:
    """Keras's in-model preprocessing, then the strided 3x3 convolution."""
    from deepfit import layers

    x = layers.Rescaling(1.0 / 255.0)(img_input)
    x = layers.Normalization(axis=3)(x)
    if imagenet:
        # The published weights store the ImageNet std squared as the Normalization's variance
        # while the original network divided by the variance itself, so Keras divides once
        # more by sqrt(std) (tensorflow/tensorflow#49930).
        x = layers.Rescaling([1.0 / math.sqrt(std) for std in _IMAGENET_STDDEV_RGB])(x)
    x = layers.ZeroPadding2D(imagenet_utils.correct_pad(tuple(x.shape[1:3]), 3),
                             name="stem_conv_pad")(x)
    x = layers.Conv2D(filters, 3, strides=2, padding="valid", use_bias=False,
                      kernel_initializer=_CONV_INIT, name="stem_conv")(x)
    x = layers.BatchNormalization(axis=3, name="stem_bn")(x)
    return layers.Activation(activation, name="stem_activation")(x)


def _block(inputs: Any, activation: Any, drop_rate: float, name: str, filters_in: int,
           filters_out: int, kernel_size: int, strides: int, expand_ratio: int,
           se_ratio: float, id_skip: bool) -> Any:
    """The mobile inverted bottleneck: 1x1 expansion, depthwise convolution, squeeze and
    excitation, 1x1 projection, and the residual (with drop-connect) where shapes allow."""
    from deepfit import layers

    filters = filters_in * expand_ratio
    x = inputs
    if expand_ratio != 1:
        x = layers.Conv2D(filters, 1, padding="same", use_bias=False,
                          kernel_initializer=_CONV_INIT, name=f"{name}expand_conv")(x)
        x = layers.BatchNormalization(axis=3, name=f"{name}expand_bn")(x)
        x = layers.Activation(activation, name=f"{name}expand_activation")(x)
    if strides == 2:
        x = layers.ZeroPadding2D(imagenet_utils.correct_pad(tuple(x.shape[1:3]), kernel_size),
                                 name=f"{name}dwconv_pad")(x)
    x = layers.DepthwiseConv2D(kernel_size, strides=strides,
                               padding="valid" if strides == 2 else "same", use_bias=False,
                               depthwise_initializer=_CONV_INIT, name=f"{name}dwconv")(x)
    x = layers.BatchNormalization(axis=3, name=f"{name}bn")(x)
    x = layers.Activation(activation, name=f"{name}activation")(x)
    if 0 < se_ratio <= 1:
        x = _squeeze_excite(x, filters, max(1, int(filters_in * se_ratio)), activation, name)
    x = layers.Conv2D(filters_out, 1, padding="same", use_bias=False,
                      kernel_initializer=_CONV_INIT, name=f"{name}project_conv")(x)
    x = layers.BatchNormalization(axis=3, name=f"{name}project_bn")(x)
    if not (id_skip and strides == 1 and filters_in == filters_out):
        return x
    if drop_rate > 0:  # drop-connect: whole samples of the residual branch
        x = layers.Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=f"{name}drop")(x)
    return layers.add([x, inputs], name=f"{name}add")


def _squeeze_excite(x: Any, filters: int, squeezed: int, activation: Any, name: str) -> Any:
    """Channel weights from the globally pooled features, multiplied into `x`."""
    from deepfit import layers

    se = layers.GlobalAveragePooling2D(name=f"{name}se_squeeze")(x)
    se = layers.Reshape((1, 1, filters), name=f"{name}se_reshape")(se)
    se = layers.Conv2D(squeezed, 1, padding="same", activation=activation,
                       kernel_initializer=_CONV_INIT, name=f"{name}se_reduce")(se)
    se = layers.Conv2D(filters, 1, padding="same", activation="sigmoid",
                       kernel_initializer=_CONV_INIT, name=f"{name}se_expand")(se)
    return layers.multiply([x, se], name=f"{name}se_excite")


def _head(x: Any, filters: int, activation: Any, include_top: bool, dropout_rate: float,
          pooling: str | None, classes: int, classifier_activation: Any) -> Any:
    """The 1x1 convolution to `filters`, then the classifier or the chosen pooling."""
    from deepfit import layers

    x = layers.Conv2D(filters, 1, padding="same", use_bias=False,
                      kernel_initializer=_CONV_INIT, name="top_conv")(x)
    x = layers.BatchNormalization(axis=3, name="top_bn")(x)
    x = layers.Activation(activation, name="top_activation")(x)
    if not include_top:
        return imagenet_utils.pooled(x, pooling, "avg_pool", "max_pool")
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    if dropout_rate > 0:
        x = layers.Dropout(dropout_rate, name="top_dropout")(x)
    return layers.Dense(classes, activation=classifier_activation,
                        kernel_initializer=_DENSE_INIT, name="predictions")(x)


def _variant(label: str, width: float, depth: float, size: int, dropout: float,
             params: str) -> Any:
    """The public constructor of one EfficientNet size (Keras's signature and defaults)."""

    def build(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
              input_shape: tuple[Any, ...] | None = None, pooling: str | None = None,
              classes: int = 1000, classifier_activation: Any = "softmax",
              name: str = f"efficientnet{label}") -> Any:
        return EfficientNet(width, depth, size, dropout, name=name, include_top=include_top,
                            weights=weights, input_tensor=input_tensor,
                            input_shape=input_shape, pooling=pooling, classes=classes,
                            classifier_activation=classifier_activation, weights_name=label)

    build.__name__ = build.__qualname__ = f"EfficientNet{label.upper()}"
    title, rest = imagenet_utils.CLASSIC_DOC.format(
        name=build.__name__, size=size, min_size=32,
        top=f"global average pooling, dropout {dropout}, then `classes` units").split("\n", 1)
    build.__doc__ = (f"{title[:-1]} ({params}).\n\n    The model rescales and normalizes its "
                     f"0..255 input itself (`preprocess_input` passes it through).\n{rest}")
    return build


# (width, depth, default size, top dropout): Keras's coefficients for each size.
EfficientNetB0 = _variant("b0", 1.0, 1.0, 224, 0.2, "5,330,571 parameters with the top")
EfficientNetB1 = _variant("b1", 1.0, 1.1, 240, 0.2, "7,856,239 parameters with the top")
EfficientNetB2 = _variant("b2", 1.1, 1.2, 260, 0.3, "9,177,569 parameters with the top")
EfficientNetB3 = _variant("b3", 1.2, 1.4, 300, 0.3, "12,320,535 parameters with the top")
EfficientNetB4 = _variant("b4", 1.4, 1.8, 380, 0.4, "19,466,823 parameters with the top")
EfficientNetB5 = _variant("b5", 1.6, 2.2, 456, 0.4, "30,562,527 parameters with the top")
EfficientNetB6 = _variant("b6", 1.8, 2.6, 528, 0.5, "43,265,143 parameters with the top")
EfficientNetB7 = _variant("b7", 2.0, 3.1, 600, 0.5, "66,658,687 parameters with the top")
