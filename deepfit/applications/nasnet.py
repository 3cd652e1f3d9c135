"""NASNetMobile and NASNetLarge (Zoph et al., 2018: NASNet-A cells) with Keras's layer names,
layer order and parameter counts, so Keras's published ImageNet weights load into them.
Inputs are scaled to [-1, 1] (`preprocess_input`, 'tf' mode).

Example:
    >>> from deepfit.applications import nasnet
    >>> base = nasnet.NASNetMobile(include_top=False, weights=None, input_shape=(64, 64, 3))
"""

from __future__ import annotations

from typing import Any

from deepfit.applications import imagenet_utils
from deepfit.applications.imagenet_utils import decode_predictions
from deepfit.applications.imagenet_utils import tf_preprocess_input as preprocess_input

__all__ = ["NASNet", "NASNetLarge", "NASNetMobile", "decode_predictions", "preprocess_input"]

_WEIGHTS_PATH = imagenet_utils.WEIGHTS_ORIGIN + "nasnet/"
# by default size: {include_top: (cached file name, published file name, md5)}
_WEIGHTS = {
    224: {True: ("nasnet_mobile.h5", "NASNet-mobile.h5", "020fb642bf7360b370c678b08e0adf61"),
          False: ("nasnet_mobile_no_top.h5", "NASNet-mobile-no-top.h5",
                  "1ed92395b5b598bdda52abe5c0dbfd63")},
    331: {True: ("nasnet_large.h5", "NASNet-large.h5", "11577c9a518f0070763c2b964a382f17"),
          False: ("nasnet_large_no_top.h5", "NASNet-large-no-top.h5",
                  "d81d89dc07e6e56530c4e77faddd61b5")},
}


def _bn(name: str | None) -> Any:
    from deepfit import layers

    return layers.BatchNormalization(axis=-1, momentum=0.9997, epsilon=1e-3, name=name)


def _conv1x1(filters: int, name: str) -> Any:
    from deepfit import layers

    return layers.Conv2D(filters, (1, 1), padding="same", use_bias=False,
                         kernel_initializer="he_normal", name=name)


def _separable_conv_block(x: Any, filters: int, kernel_size: int = 3, strides: int = 1,
                          block_id: str = "") -> Any:
    """Twice ReLU, separable convolution, BatchNormalization; the first one strided (after
    Keras's `correct_pad`) when `strides` is 2."""
    from deepfit import layers

    for i in (1, 2):
        x = layers.Activation("relu")(x)
        stride = strides if i == 1 else 1
        if stride == 2:
            x = layers.ZeroPadding2D(imagenet_utils.correct_pad(tuple(x.shape[1:3]),
                                                                kernel_size),
                                     name=f"separable_conv_1_pad_{block_id}")(x)
        x = layers.SeparableConv2D(filters, kernel_size, strides=stride,
                                   padding="valid" if stride == 2 else "same", use_bias=False,
                                   name=f"separable_conv_{i}_{block_id}")(x)
        x = _bn(f"separable_conv_{i}_bn_{block_id}")(x)
    return x


def _adjust_block(p: Any, ip: Any, filters: int, block_id: str) -> Any:
    """The previous cell's output `p` made to match `ip`: halved (two offset 1x1 strided
    paths, concatenated) when its map is larger, projected when its channels differ."""
    from deepfit import layers

    if p is None:
        return ip
    if p.shape[-2] != ip.shape[-2]:
        p = layers.Activation("relu", name=f"adjust_relu_1_{block_id}")(p)
        p1 = layers.AveragePooling2D((1, 1), strides=(2, 2), padding="valid",
                                     name=f"adjust_avg_pool_1_{block_id}")(p)
        p1 = _conv1x1(filters // 2, f"adjust_conv_1_{block_id}")(p1)
        p2 = layers.ZeroPadding2D(((0, 1), (0, 1)))(p)
        p2 = layers.Cropping2D(((1, 0), (1, 0)))(p2)
        p2 = layers.AveragePooling2D((1, 1), strides=(2, 2), padding="valid",
                                     name=f"adjust_avg_pool_2_{block_id}")(p2)
        p2 = _conv1x1(filters // 2, f"adjust_conv_2_{block_id}")(p2)
        p = layers.concatenate([p1, p2], axis=-1)
        return _bn(f"adjust_bn_{block_id}")(p)
    if p.shape[-1] != filters:
        p = layers.Activation("relu")(p)
        p = _conv1x1(filters, f"adjust_conv_projection_{block_id}")(p)
        return _bn(f"adjust_bn_{block_id}")(p)
    return p


def _cell_input(ip: Any, p: Any, filters: int, kind: str, block_id: str) -> tuple[Any, Any]:
    """(the adjusted previous output, the 1x1-projected current input `h`)."""
    from deepfit import layers

    p = _adjust_block(p, ip, filters, block_id)
    h = layers.Activation("relu")(ip)
    h = _conv1x1(filters, f"{kind}_conv_1_{block_id}")(h)
    return p, _bn(f"{kind}_bn_1_{block_id}")(h)


def _avg3(x: Any, name: str, strides: int = 1) -> Any:
    from deepfit import layers

    return layers.AveragePooling2D((3, 3), strides=strides,
                                   padding="same" if strides == 1 else "valid", name=name)(x)


def _normal_a_cell(ip: Any, p: Any, filters: int, block_id: str) -> tuple[Any, Any]:
    from deepfit import layers

    p, h = _cell_input(ip, p, filters, "normal", block_id)
    b = block_id
    x1 = layers.add([_separable_conv_block(h, filters, 5, block_id=f"normal_left1_{b}"),
                     _separable_conv_block(p, filters, block_id=f"normal_right1_{b}")],
                    name=f"normal_add_1_{b}")
    x2 = layers.add([_separable_conv_block(p, filters, 5, block_id=f"normal_left2_{b}"),
                     _separable_conv_block(p, filters, 3, block_id=f"normal_right2_{b}")],
                    name=f"normal_add_2_{b}")
    x3 = layers.add([_avg3(h, f"normal_left3_{b}"), p], name=f"normal_add_3_{b}")
    x4 = layers.add([_avg3(p, f"normal_left4_{b}"), _avg3(p, f"normal_right4_{b}")],
                    name=f"normal_add_4_{b}")
    x5 = layers.add([_separable_conv_block(h, filters, block_id=f"normal_left5_{b}"), h],
                    name=f"normal_add_5_{b}")
    x = layers.concatenate([p, x1, x2, x3, x4, x5], axis=-1, name=f"normal_concat_{b}")
    return x, ip


def _reduction_a_cell(ip: Any, p: Any, filters: int, block_id: str) -> tuple[Any, Any]:
    from deepfit import layers

    p, h = _cell_input(ip, p, filters, "reduction", block_id)
    b = block_id
    h3 = layers.ZeroPadding2D(imagenet_utils.correct_pad(tuple(h.shape[1:3]), 3),
                              name=f"reduction_pad_1_{b}")(h)

    def max3(name: str) -> Any:
        return layers.MaxPooling2D((3, 3), strides=(2, 2), padding="valid", name=name)(h3)

    x1 = layers.add(
        [_separable_conv_block(h, filters, 5, 2, block_id=f"reduction_left1_{b}"),
         _separable_conv_block(p, filters, 7, 2, block_id=f"reduction_right1_{b}")],
        name=f"reduction_add_1_{b}")
    x2 = layers.add(
        [max3(f"reduction_left2_{b}"),
         _separable_conv_block(p, filters, 7, 2, block_id=f"reduction_right2_{b}")],
        name=f"reduction_add_2_{b}")
    x3 = layers.add(
        [_avg3(h3, f"reduction_left3_{b}", strides=2),
         _separable_conv_block(p, filters, 5, 2, block_id=f"reduction_right3_{b}")],
        name=f"reduction_add3_{b}")
    x4 = layers.add([x2, _avg3(x1, f"reduction_left4_{b}")])
    x5 = layers.add([_separable_conv_block(x1, filters, 3, block_id=f"reduction_left4_{b}"),
                     max3(f"reduction_right5_{b}")], name=f"reduction_add4_{b}")
    x = layers.concatenate([x2, x3, x4, x5], axis=-1, name=f"reduction_concat_{b}")
    return x, ip


def NASNet(  # noqa: N802 - Keras's name
    input_shape: tuple[Any, ...] | None = None,
    penultimate_filters: int = 4032,
    num_blocks: int = 6,
    stem_block_filters: int = 96,
    skip_reduction: bool = True,
    filter_multiplier: int = 2,
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    default_size: int | None = None,
    classifier_activation: Any = "softmax",
    name: str = "NASNet",
) -> Any:
    """Keras's `nasnet.NASNet` builder (NASNet-A).

    Args:
        input_shape: (rows, cols, 3), at least 32x32.
        penultimate_filters: the channels before the top (a multiple of
            24 * filter_multiplier ** 2).
        num_blocks: the normal cells between reductions.
        stem_block_filters: the stem convolution's filters.
        skip_reduction: feed each reduction's input (not its output) to the next cell.
        filter_multiplier: the channel factor at each reduction.
        default_size: 224 (NASNetMobile's ImageNet file) or 331 (NASNetLarge's).
        The rest: as in `NASNetMobile`.

    Returns:
        A Functional model.
    """
    import deepfit
    from deepfit import layers

    imagenet_utils.check_weights_argument(weights, include_top, classes)
    if isinstance(input_shape, tuple) and None in input_shape and weights == "imagenet":
        raise ValueError("When specifying the input shape of a NASNet and loading `ImageNet` "
                         "weights, the input_shape argument must be static (no None "
                         f"entries). Got: `input_shape={input_shape}`.")
    default_size = default_size or 331
    if weights == "imagenet" and default_size not in _WEIGHTS:
        raise ValueError("ImageNet weights can only be loaded with NASNetLarge or "
                         "NASNetMobile")
    if penultimate_filters % (24 * (filter_multiplier**2)) != 0:
        raise ValueError("For NASNet-A models, the `penultimate_filters` must be a multiple of "
                         f"24 * (`filter_multiplier` ** 2). Current value: "
                         f"{penultimate_filters}")
    if include_top:
        imagenet_utils.validate_activation(classifier_activation, weights)
    _, img_input = imagenet_utils.image_input(input_tensor, input_shape, default_size, 32,
                                              include_top, weights)
    path = weights
    if weights == "imagenet":
        fname, published, md5 = _WEIGHTS[default_size][include_top]
        path = imagenet_utils.cached_or_download(fname, _WEIGHTS_PATH + published, md5,
                                                 "models")
    filters = penultimate_filters // 24
    x = layers.Conv2D(stem_block_filters, (3, 3), strides=(2, 2), padding="valid",
                      use_bias=False, name="stem_conv1", kernel_initializer="he_normal")(
        img_input)
    x = _bn("stem_bn1")(x)
    x, p = _reduction_a_cell(x, None, filters // (filter_multiplier**2), "stem_1")
    x, p = _reduction_a_cell(x, p, filters // filter_multiplier, "stem_2")
    for stage in range(3):
        width = filters * filter_multiplier**stage
        if stage:
            x, p0 = _reduction_a_cell(x, p, width, f"reduce_{stage * num_blocks}")
            p = p if skip_reduction else p0
        for i in range(num_blocks):
            x, p = _normal_a_cell(x, p, width, _cell_id(stage, num_blocks, i))
    x = layers.Activation("relu")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D()(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = imagenet_utils.pooled(x, pooling)
    return imagenet_utils.loaded(deepfit.Model(img_input, x, name=name), path)


def _cell_id(stage: int, num_blocks: int, i: int) -> str:
    """Keras's normal cell ids: 0..n-1, then n+1..2n, then 2n+1..3n."""
    return str(i if stage == 0 else stage * num_blocks + i + 1)


def NASNetMobile(  # noqa: N802 - Keras's name
    input_shape: tuple[Any, ...] | None = None,
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "nasnet_mobile",
) -> Any:
    if not include_top and input_shape is None:
        input_shape = (224, 224, 3)
    return NASNet(input_shape, penultimate_filters=1056, num_blocks=4, stem_block_filters=32,
                  skip_reduction=False, filter_multiplier=2, include_top=include_top,
                  weights=weights, input_tensor=input_tensor, pooling=pooling,
                  classes=classes, default_size=224,
                  classifier_activation=classifier_activation, name=name)


def NASNetLarge(  # noqa: N802 - Keras's name
    input_shape: tuple[Any, ...] | None = None,
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "nasnet_large",
) -> Any:
    return NASNet(input_shape, penultimate_filters=4032, num_blocks=6, stem_block_filters=96,
                  skip_reduction=True, filter_multiplier=2, include_top=include_top,
                  weights=weights, input_tensor=input_tensor, pooling=pooling,
                  classes=classes, default_size=331,
                  classifier_activation=classifier_activation, name=name)


NASNetMobile.__doc__ = imagenet_utils.CLASSIC_DOC.format(
    name="NASNetMobile", top="global average pooling, then `classes` units", size=224,
    min_size=32)
NASNetLarge.__doc__ = imagenet_utils.CLASSIC_DOC.format(
    name="NASNetLarge", top="global average pooling, then `classes` units", size=331,
    min_size=32)
