"""`keras.applications`: ImageNet architectures with Keras's layer names and parameter counts;
`weights="imagenet"` loads Keras's published `.h5` files (from the Keras cache or a download).

Each model also has a module with its `preprocess_input` and `decode_predictions`
(`deepfit.applications.mobilenet_v2.preprocess_input`), as in Keras.

Example:
    >>> from deepfit.applications import MobileNetV2, mobilenet_v2
    >>> base = MobileNetV2(input_shape=(96, 96, 3), include_top=False, weights=None)
"""

from deepfit.applications import (
    efficientnet,
    imagenet_utils,
    mobilenet_v2,
    resnet,
    resnet50,
    resnet_v2,
    vgg16,
    vgg19,
    xception,
)
from deepfit.applications.efficientnet import (
    EfficientNetB0,
    EfficientNetB1,
    EfficientNetB2,
    EfficientNetB3,
    EfficientNetB4,
    EfficientNetB5,
    EfficientNetB6,
    EfficientNetB7,
)
from deepfit.applications.mobilenet_v2 import MobileNetV2
from deepfit.applications.resnet import ResNet50, ResNet101, ResNet152
from deepfit.applications.resnet_v2 import ResNet50V2, ResNet101V2, ResNet152V2
from deepfit.applications.vgg16 import VGG16
from deepfit.applications.vgg19 import VGG19
from deepfit.applications.xception import Xception

__all__ = ["MobileNetV2", "ResNet50", "VGG16", "VGG19", "imagenet_utils", "mobilenet_v2",
           "resnet50", "vgg16", "vgg19", "Xception", "xception"]
__all__ += ["EfficientNetB0", "EfficientNetB1", "EfficientNetB2", "EfficientNetB3",
            "EfficientNetB4", "EfficientNetB5", "EfficientNetB6", "EfficientNetB7", "efficientnet"]
__all__ += ["ResNet101", "ResNet152", "ResNet50V2", "ResNet101V2", "ResNet152V2", "resnet",
            "resnet_v2"]
