"""What VGG16 and VGG19 (Simonyan & Zisserman, 2014) share: five blocks of 3x3 convolutions
each ending in 2x2 max pooling, then two 4096-unit layers and the classifier; the two differ
only in how many convolutions the last three blocks hold.
"""

from __future__ import annotations

from typing import Any

from deepfit.applications import imagenet_utils
from deepfit.applications.imagenet_utils import caffe_preprocess_input as preprocess_input
from deepfit.applications.imagenet_utils import decode_predictions

__all__ = ["build_vgg", "decode_predictions", "preprocess_input"]
WEIGHTS_PATH = imagenet_utils.WEIGHTS_ORIGIN
_FILTERS = (64, 128, 256, 512, 512)


def build_vgg(convs_per_block: tuple[int, ...], include_top: bool, weights: Any,
              input_tensor: Any, input_shape: Any, pooling: str | None, classes: int,
              classifier_activation: Any, name: str,
              weights_files: dict[bool, tuple[str, str]]) -> Any:
    """A VGG network with Keras's layer names (`block{b}_conv{i}`, `block{b}_pool`, `fc1`,
    `fc2`, `predictions`); `weights_files[include_top]` is (file name, md5) of Keras's
    published ImageNet weights under `WEIGHTS_PATH/<name>/`."""
    import deepfit
    from deepfit import layers

    imagenet_utils.check_weights_argument(weights, include_top, classes)
    if include_top:
        imagenet_utils.validate_activation(classifier_activation, weights)
    _, img_input = imagenet_utils.image_input(input_tensor, input_shape, 224, 32, include_top,
                                              weights)
    x = img_input
    for block, (filters, convs) in enumerate(zip(_FILTERS, convs_per_block), start=1):
        for conv in range(1, convs + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same",
                              name=f"block{block}_conv{conv}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = imagenet_utils.pooled(x, pooling)
    return imagenet_utils.apply_weights(deepfit.Model(img_input, x, name=name), weights,
                                        weights_files[include_top], f"{WEIGHTS_PATH}{name}/")


def documented(builder: Any) -> Any:
    """`builder` with the docstring all VGG constructors share."""
    builder.__doc__ = imagenet_utils.CLASSIC_DOC.format(
        name=builder.__name__, top="two 4096-unit layers, then `classes` units", size=224,
        min_size=32)
    return builder
