"""DenseNet121, DenseNet169 and DenseNet201 (Huang et al., 2017) with Keras's layer names,
layer order and parameter counts, so Keras's published ImageNet weights load into them.
Inputs: `preprocess_input` ('torch' mode: scaled to [0, 1], then the ImageNet mean and std).

Example:
    >>> from deepfit.applications import densenet
    >>> base = densenet.DenseNet121(include_top=False, weights=None, input_shape=(64, 64, 3))
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from deepfit.applications import imagenet_utils
from deepfit.applications.imagenet_utils import decode_predictions

__all__ = ["DenseNet", "DenseNet121", "DenseNet169", "DenseNet201", "decode_predictions",
           "preprocess_input"]

_WEIGHTS_PATH = imagenet_utils.WEIGHTS_ORIGIN + "densenet/"
# md5 of Keras's published files by blocks per dense block: (label, with the top, without)
_WEIGHTS = {
    (6, 12, 24, 16): ("densenet121", "9d60b8095a5708f2dcce2bca79d332c7",
                      "30ee3e1110167f948a6b9946edeeb738"),
    (6, 12, 32, 32): ("densenet169", "d699b8f76981ab1b30698df4c175e90b",
                      "b8c4d4c20dd625c148057b9ff1c1176b"),
    (6, 12, 48, 32): ("densenet201", "1ceb130c1ea1b78c3bf6114dbdfd8807",
                      "c13680b51ded0fb44dff2d8f86ac8bb1"),
}
_GROWTH_RATE = 32


def _bn_relu(x: Any, name: str) -> Any:
    """BatchNormalization `{name}_bn` and ReLU `{name}_relu` (`bn` and `relu` for '')."""
    from deepfit import layers

    prefix = f"{name}_" if name else ""
    x = layers.BatchNormalization(axis=3, epsilon=1.001e-5, name=f"{prefix}bn")(x)
    return layers.Activation("relu", name=f"{prefix}relu")(x)


def conv_block(x: Any, growth_rate: int, name: str) -> Any:
    """BN-ReLU-1x1 conv (4x growth), BN-ReLU-3x3 conv (growth), concatenated to the input."""
    from deepfit import layers

    y = _bn_relu(x, f"{name}_0")
    y = layers.Conv2D(4 * growth_rate, 1, use_bias=False, name=f"{name}_1_conv")(y)
    y = _bn_relu(y, f"{name}_1")
    y = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False,
                      name=f"{name}_2_conv")(y)
    return layers.Concatenate(axis=3, name=f"{name}_concat")([x, y])


def transition_block(x: Any, reduction: float, name: str) -> Any:
    """BN-ReLU, a 1x1 convolution to `reduction` of the channels, 2x2 average pooling."""
    from deepfit import layers

    x = _bn_relu(x, name)
    x = layers.Conv2D(int(x.shape[3] * reduction), 1, use_bias=False, name=f"{name}_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=f"{name}_pool")(x)


def DenseNet(  # noqa: N802 - Keras's name
    blocks: Sequence[int],
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: tuple[Any, ...] | None = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "densenet",
) -> Any:
    """Keras's `densenet.DenseNet` builder.

    Args:
        blocks: the number of conv blocks of each of the four dense blocks
            ([6, 12, 24, 16] is DenseNet121; ImageNet weights exist for 121, 169 and 201).
        include_top, weights, input_tensor, input_shape, pooling, classes,
        classifier_activation, name: as in `DenseNet121`.

    Returns:
        A Functional model.

    Example:
        >>> model = DenseNet([2, 2, 2, 2], weights=None, input_shape=(32, 32, 3))
    """
    if weights == "imagenet" and tuple(blocks) not in _WEIGHTS:
        raise ValueError(f"blocks: ImageNet weights exist for {sorted(_WEIGHTS)}, received "
                         f"{list(blocks)}")
    label, *hashes = _WEIGHTS.get(tuple(blocks), ("", None, None))
    fname = f"{label}_weights_tf_dim_ordering_tf_kernels{'' if include_top else '_notop'}.h5"

    def features(img_input: Any) -> Any:
        from deepfit import layers

        x = layers.ZeroPadding2D(((3, 3), (3, 3)))(img_input)
        x = layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1_conv")(x)
        x = _bn_relu(x, "conv1")
        x = layers.ZeroPadding2D(((1, 1), (1, 1)))(x)
        x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
        for stage, count in enumerate(blocks, start=2):
            for block in range(1, count + 1):
                x = conv_block(x, _GROWTH_RATE, f"conv{stage}_block{block}")
            if stage < 5:
                x = transition_block(x, 0.5, f"pool{stage}")
        return _bn_relu(x, "")

    return imagenet_utils.classic_model(
        features, include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes,
        classifier_activation=classifier_activation, name=name, default_size=224, min_size=32,
        weights_file=(fname, hashes[0 if include_top else 1]), origin_folder=_WEIGHTS_PATH,
        pool_names=("avg_pool", "max_pool"))

def _variant(blocks: tuple[int, ...]) -> Any:
    label = _WEIGHTS[blocks][0]

    def build(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
              input_shape: tuple[Any, ...] | None = None, pooling: str | None = None,
              classes: int = 1000, classifier_activation: Any = "softmax",
              name: str = label) -> Any:
        return DenseNet(list(blocks), include_top, weights, input_tensor, input_shape, pooling,
                        classes, classifier_activation, name=name)

    build.__name__ = build.__qualname__ = f"DenseNet{label[8:]}"
    build.__doc__ = imagenet_utils.CLASSIC_DOC.format(
        name=build.__name__, top="global average pooling, then `classes` units", size=224,
        min_size=32)
    return build


DenseNet121 = _variant((6, 12, 24, 16))
DenseNet169 = _variant((6, 12, 32, 32))
DenseNet201 = _variant((6, 12, 48, 32))


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """0..255 RGB images scaled to [0, 1], then normalized with the ImageNet mean and std
    ('torch' mode).

    Args:
        x: images, a NumPy array or torch tensor.
        data_format: 'channels_last' (the default) or 'channels_first'.

    Returns:
        The preprocessed images, float32.

    Example:
        >>> preprocess_input(np.full((1, 2, 2, 3), 255.0))[0, 0, 0]  # about [2.25, 2.43, 2.64]
    """
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="torch")
