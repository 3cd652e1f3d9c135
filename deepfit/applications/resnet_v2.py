"""ResNet50V2, ResNet101V2 and ResNet152V2 (He et al., 2016: identity mappings,
pre-activation units) with Keras's layer names and parameter counts, so Keras's published
ImageNet weights load into them. Inputs are scaled to [-1, 1] (`preprocess_input`, 'tf'
mode).

Example:
    >>> from deepfit.applications import resnet_v2
    >>> base = resnet_v2.ResNet50V2(include_top=False, weights=None, input_shape=(64, 64, 3))
"""

from __future__ import annotations

from deepfit.applications.imagenet_utils import decode_predictions
from deepfit.applications.imagenet_utils import tf_preprocess_input as preprocess_input
from deepfit.applications.resnet import variant

__all__ = ["ResNet50V2", "ResNet101V2", "ResNet152V2", "decode_predictions",
           "preprocess_input"]

_TF = "Inputs: `preprocess_input` ('tf' mode: scaled to [-1, 1])."
ResNet50V2 = variant(50, True, _TF)
ResNet101V2 = variant(101, True, _TF)
ResNet152V2 = variant(152, True, _TF)
