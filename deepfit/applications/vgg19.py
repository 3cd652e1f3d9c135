"""`VGG19` with Keras's layer names and parameter counts (143,667,240 with the top,
20,024,384 without), so Keras's published ImageNet weights load into it.

Example:
    >>> from deepfit.applications import vgg19
    >>> base = vgg19.VGG19(include_top=False, weights=None, input_shape=(64, 64, 3))
"""

from __future__ import annotations

from typing import Any

from deepfit.applications import _vgg
from deepfit.applications._vgg import decode_predictions, preprocess_input

__all__ = ["VGG19", "decode_predictions", "preprocess_input"]

_WEIGHTS = {
    True: ("vgg19_weights_tf_dim_ordering_tf_kernels.h5",
           "cbe5617147190e668d6c5d5026f83318"),
    False: ("vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
            "253f8cb515780f3b799900260a226db6"),
}


@_vgg.documented
def VGG19(  # noqa: N802 - Keras's name
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: tuple[Any, ...] | None = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "vgg19",
) -> Any:
    return _vgg.build_vgg((2, 2, 4, 4, 4), include_top, weights, input_tensor,
                          input_shape, pooling, classes, classifier_activation, name, _WEIGHTS)
