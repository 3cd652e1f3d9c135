"""`VGG16` with Keras's layer names and parameter counts (138,357,544 with the top,
14,714,688 without), so Keras's published ImageNet weights load into it.

Example:
    >>> from deepfit.applications import vgg16
    >>> base = vgg16.VGG16(include_top=False, weights=None, input_shape=(64, 64, 3))
"""

from __future__ import annotations

from typing import Any

from deepfit.applications import _vgg
from deepfit.applications._vgg import decode_predictions, preprocess_input

__all__ = ["VGG16", "decode_predictions", "preprocess_input"]

_WEIGHTS = {
    True: ("vgg16_weights_tf_dim_ordering_tf_kernels.h5",
           "64373286793e3c8b2b4e3219cbf3544b"),
    False: ("vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
            "6d6bbae143d832006294945121d1f1fc"),
}


@_vgg.documented
def VGG16(  # noqa: N802 - Keras's name
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: tuple[Any, ...] | None = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "vgg16",
) -> Any:
    return _vgg.build_vgg((2, 2, 3, 3, 3), include_top, weights, input_tensor,
                          input_shape, pooling, classes, classifier_activation, name, _WEIGHTS)
