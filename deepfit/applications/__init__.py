"""`keras.applications`: ImageNet architectures with Keras's layer names and parameter counts;
`weights="imagenet"` loads Keras's published `.h5` files (from the Keras cache or a download).

Each model also has a module with its `preprocess_input` and `decode_predictions`
(`deepfit.applications.mobilenet_v2.preprocess_input`), as in Keras.

Example:
    >>> from deepfit.applications import MobileNetV2, mobilenet_v2
    >>> base = MobileNetV2(input_shape=(96, 96, 3), include_top=False, weights=None)
"""

from deepfit.applications import (
    convnext,
    densenet,
    efficientnet,
    efficientnet_v2,
    imagenet_utils,
    inception_resnet_v2,
    inception_v3,
    mobilenet,
    mobilenet_v2,
    mobilenet_v3,
    nasnet,
    resnet,
    resnet50,
    resnet_v2,
    vgg16,
    vgg19,
    xception,
)
from deepfit.applications.convnext import (
    ConvNeXtBase,
    ConvNeXtLarge,
    ConvNeXtSmall,
    ConvNeXtTiny,
    ConvNeXtXLarge,
)
from deepfit.applications.densenet import DenseNet121, DenseNet169, DenseNet201
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
from deepfit.applications.efficientnet_v2 import (
    EfficientNetV2B0,
    EfficientNetV2B1,
    EfficientNetV2B2,
    EfficientNetV2B3,
    EfficientNetV2L,
    EfficientNetV2M,
    EfficientNetV2S,
)
from deepfit.applications.inception_resnet_v2 import InceptionResNetV2
from deepfit.applications.inception_v3 import InceptionV3
from deepfit.applications.mobilenet import MobileNet
from deepfit.applications.mobilenet_v2 import MobileNetV2
from deepfit.applications.mobilenet_v3 import MobileNetV3Large, MobileNetV3Small
from deepfit.applications.nasnet import NASNetLarge, NASNetMobile
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
__all__ += ["InceptionV3", "inception_v3"]
__all__ += ["DenseNet121", "DenseNet169", "DenseNet201", "densenet"]
__all__ += ["MobileNet", "mobilenet"]
__all__ += ["MobileNetV3Large", "MobileNetV3Small", "mobilenet_v3"]
__all__ += ["EfficientNetV2B0", "EfficientNetV2B1", "EfficientNetV2B2", "EfficientNetV2B3",
            "EfficientNetV2L", "EfficientNetV2M", "EfficientNetV2S", "efficientnet_v2"]
__all__ += ["ConvNeXtBase", "ConvNeXtLarge", "ConvNeXtSmall", "ConvNeXtTiny", "ConvNeXtXLarge",
            "convnext"]
__all__ += ["InceptionResNetV2", "inception_resnet_v2"]
__all__ += ["NASNetLarge", "NASNetMobile", "nasnet"]
