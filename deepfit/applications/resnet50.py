"""`ResNet50` (He et al., 2015) with Keras's layer names and parameter counts (25,636,712 with
the top, 23,587,712 without), so Keras's published ImageNet weights load into it: Keras's
`keras.applications.resnet50`, the same model as `resnet.ResNet50`.

Example:
    >>> from deepfit.applications import resnet50
    >>> base = resnet50.ResNet50(include_top=False, weights=None, input_shape=(64, 64, 3))
"""

from __future__ import annotations

from deepfit.applications.imagenet_utils import caffe_preprocess_input as preprocess_input
from deepfit.applications.imagenet_utils import decode_predictions
from deepfit.applications.resnet import ResNet50

__all__ = ["ResNet50", "decode_predictions", "preprocess_input"]
