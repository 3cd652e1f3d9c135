"""ResNet50, ResNet101 and ResNet152 (He et al., 2015) with Keras's layer names, layer order
and parameter counts, so Keras's published ImageNet weights load into them; `ResNet` builds
both the original residual units and the pre-activation ones of `resnet_v2`.

Example:
    >>> from deepfit.applications import resnet
    >>> base = resnet.ResNet101(include_top=False, weights=None, input_shape=(64, 64, 3))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from deepfit.applications import imagenet_utils
from deepfit.applications.imagenet_utils import caffe_preprocess_input as preprocess_input
from deepfit.applications.imagenet_utils import decode_predictions

__all__ = ["ResNet", "ResNet50", "ResNet101", "ResNet152", "decode_predictions",
           "preprocess_input"]

_WEIGHTS_PATH = imagenet_utils.WEIGHTS_ORIGIN + "resnet/"
# md5 of Keras's published files: (with the top, without)
WEIGHTS_HASHES = {
    "resnet50": ("2cb95161c43110f7111970584f804107", "4d473c1dd8becc155b73f8504c6f6626"),
    "resnet101": ("f1aeb4b969a6efcfb50fad2f0c20cfc5", "88cf7a10940856eca736dc7b7e228a21"),
    "resnet152": ("100835be76be38e30d865e96f2aaae62", "ee4c566cf9a93f14d82f913c2dc6dd0c"),
    "resnet50v2": ("3ef43a0b657b3be2300d5770ece849e0", "fac2f116257151a9d068a22e544a4917"),
    "resnet101v2": ("6343647c601c52e1368623803854d971", "c0ed64b8031c3730f411d2eb4eea35b5"),
    "resnet152v2": ("a49b44d1979771252814e80f8ec446f9", "ed17cf2e0169df9d443503ef94b23b33"),
}
# blocks of the stages conv2..conv5 (bottleneck filters 64, 128, 256, 512)
DEPTHS = {50: (3, 4, 6, 3), 101: (3, 4, 23, 3), 152: (3, 8, 36, 3)}
_FILTERS = (64, 128, 256, 512)


def _bn(name: str) -> Any:
    from deepfit import layers

    return layers.BatchNormalization(axis=3, epsilon=1.001e-5, name=name)


def residual_block_v1(x: Any, filters: int, stride: int, projection: bool, name: str) -> Any:
    """1x1 reduce (strided), 3x3, 1x1 expand (4x filters), each with BatchNormalization,
    added to the input (or its strided 1x1 projection), then ReLU."""
    from deepfit import layers

    shortcut = x
    if projection:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(x)
        shortcut = _bn(f"{name}_0_bn")(shortcut)
    for i, (width, size, step) in enumerate(((filters, 1, stride), (filters, 3, 1),
                                             (4 * filters, 1, 1)), start=1):
        x = layers.Conv2D(width, size, strides=step, padding="same" if size == 3 else "valid",
                          name=f"{name}_{i}_conv")(x)
        x = _bn(f"{name}_{i}_bn")(x)
        if i < 3:
            x = layers.Activation("relu", name=f"{name}_{i}_relu")(x)
    x = layers.Add(name=f"{name}_add")([shortcut, x])
    return layers.Activation("relu", name=f"{name}_out")(x)


def residual_block_v2(x: Any, filters: int, stride: int, projection: bool, name: str) -> Any:
    """The pre-activation unit: BatchNormalization and ReLU first, then 1x1, 3x3 (strided),
    1x1 (4x filters); the shortcut is the pre-activated input's 1x1 projection, a stride-1
    max pooling of the input (subsampling), or the input."""
    from deepfit import layers

    preact = _bn(f"{name}_preact_bn")(x)
    preact = layers.Activation("relu", name=f"{name}_preact_relu")(preact)
    if projection:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(preact)
    else:
        shortcut = layers.MaxPooling2D(1, strides=stride)(x) if stride > 1 else x
    x = layers.Conv2D(filters, 1, use_bias=False, name=f"{name}_1_conv")(preact)
    x = _bn(f"{name}_1_bn")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = layers.ZeroPadding2D(((1, 1), (1, 1)), name=f"{name}_2_pad")(x)
    x = layers.Conv2D(filters, 3, strides=stride, use_bias=False, name=f"{name}_2_conv")(x)
    x = _bn(f"{name}_2_bn")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    return layers.Add(name=f"{name}_out")([shortcut, x])


def stacks_v1(depths: tuple[int, ...]) -> Callable[[Any], Any]:
    """The stages conv2..conv5 of original units: each stage's first block projects (and,
    after conv2, halves the map)."""

    def stack(x: Any) -> Any:
        for stage, (filters, blocks) in enumerate(zip(_FILTERS, depths), start=2):
            for block in range(1, blocks + 1):
                stride = 2 if block == 1 and stage > 2 else 1
                x = residual_block_v1(x, filters, stride, block == 1,
                                      f"conv{stage}_block{block}")
        return x

    return stack


def stacks_v2(depths: tuple[int, ...]) -> Callable[[Any], Any]:
    """The stages conv2..conv5 of pre-activation units: the first block projects, the last
    one of conv2..conv4 halves the map."""

    def stack(x: Any) -> Any:
        for stage, (filters, blocks) in enumerate(zip(_FILTERS, depths), start=2):
            for block in range(1, blocks + 1):
                stride = 2 if block == blocks and stage < 5 else 1
                x = residual_block_v2(x, filters, stride, block == 1,
                                      f"conv{stage}_block{block}")
        return x

    return stack


def ResNet(  # noqa: N802 - Keras's name
    stack_fn: Callable[[Any], Any],
    preact: bool,
    use_bias: bool,
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: tuple[Any, ...] | None = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "resnet",
    weights_name: str | None = None,
) -> Any:
    """Keras's `resnet.ResNet` builder: the stem, `stack_fn`'s stages and the top.

    Args:
        stack_fn: builds the residual stages on the stem's output.
        preact: pre-activation units (ResNetV2): no BatchNormalization after the stem, a
            final `post_bn`/`post_relu` instead.
        use_bias: whether the stem's convolution has a bias.
        include_top, weights, input_tensor, input_shape, pooling, classes,
        classifier_activation, name: as in `ResNet50`.
        weights_name: which published ImageNet file `weights="imagenet"` loads
            ('resnet50', 'resnet101v2', ...).

    Returns:
        A Functional model.

    Example:
        >>> model = ResNet(stacks_v1((2, 2, 2, 2)), False, True, weights=None,
        ...                include_top=False, input_shape=(32, 32, 3))
    """
    if weights == "imagenet" and weights_name not in WEIGHTS_HASHES:
        raise ValueError(f"weights_name: expected one of {sorted(WEIGHTS_HASHES)} with "
                         f"weights='imagenet', received {weights_name!r}")

    def features(img_input: Any) -> Any:
        from deepfit import layers

        x = layers.ZeroPadding2D(((3, 3), (3, 3)), name="conv1_pad")(img_input)
        x = layers.Conv2D(64, 7, strides=2, use_bias=use_bias, name="conv1_conv")(x)
        if not preact:
            x = _bn("conv1_bn")(x)
            x = layers.Activation("relu", name="conv1_relu")(x)
        x = layers.ZeroPadding2D(((1, 1), (1, 1)), name="pool1_pad")(x)
        x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
        x = stack_fn(x)
        if preact:
            x = _bn("post_bn")(x)
            x = layers.Activation("relu", name="post_relu")(x)
        return x

    return imagenet_utils.classic_model(
        features, include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes,
        classifier_activation=classifier_activation, name=name, default_size=224, min_size=32,
        weights_file=weights_file(weights_name, include_top), origin_folder=_WEIGHTS_PATH,
        pool_names=("avg_pool", "max_pool"))

def weights_file(weights_name: Any, include_top: bool) -> tuple[str, str | None]:
    """(file name, md5) of Keras's published ImageNet weights of `weights_name`."""
    top = "" if include_top else "_notop"
    hashes = WEIGHTS_HASHES.get(weights_name, (None, None))
    return (f"{weights_name}_weights_tf_dim_ordering_tf_kernels{top}.h5",
            hashes[0 if include_top else 1])


def variant(depth: int, v2: bool, doc_preprocessing: str) -> Callable[..., Any]:
    """The public constructor of one depth (Keras's signature and defaults)."""
    label = f"resnet{depth}{'v2' if v2 else ''}"

    def build(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
              input_shape: tuple[Any, ...] | None = None, pooling: str | None = None,
              classes: int = 1000, classifier_activation: Any = "softmax",
              name: str = label) -> Any:
        stack = (stacks_v2 if v2 else stacks_v1)(DEPTHS[depth])
        return ResNet(stack, v2, True, include_top=include_top, weights=weights,
                      input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                      classes=classes, classifier_activation=classifier_activation,
                      name=name, weights_name=label)

    build.__name__ = build.__qualname__ = f"ResNet{depth}{'V2' if v2 else ''}"
    top = "global average pooling, then `classes` units"
    title, rest = imagenet_utils.CLASSIC_DOC.format(
        name=build.__name__, top=top, size=224, min_size=32).split("\n", 1)
    build.__doc__ = f"{title}\n\n    {doc_preprocessing}\n{rest}"
    return build


_CAFFE = "Inputs: `preprocess_input` ('caffe' mode: BGR, ImageNet mean subtracted)."
ResNet50 = variant(50, False, _CAFFE)
ResNet101 = variant(101, False, _CAFFE)
ResNet152 = variant(152, False, _CAFFE)
