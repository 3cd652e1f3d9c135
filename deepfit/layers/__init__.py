"""deepfit's layers, with Keras's names."""

from __future__ import annotations

from typing import Any

from deepfit.identifiers import resolve
from deepfit.layers.activation_layers import ELU, LeakyReLU, PReLU, ReLU, Softmax
from deepfit.layers.activity_regularization import ActivityRegularization
from deepfit.layers.adaptive_pooling import (
    AdaptiveAveragePooling1D,
    AdaptiveAveragePooling2D,
    AdaptiveAveragePooling3D,
    AdaptiveMaxPooling1D,
    AdaptiveMaxPooling2D,
    AdaptiveMaxPooling3D,
)
from deepfit.layers.attention import (
    AdditiveAttention,
    Attention,
    EinsumDense,
    GroupedQueryAttention,
    MultiHeadAttention,
)
from deepfit.layers.augment_clahe import ContrastLimitedAdaptiveHistogramEqualization
from deepfit.layers.augment_color import (
    RandomColorDegeneration,
    RandomColorJitter,
    RandomGrayscale,
    RandomHue,
    RandomSaturation,
)
from deepfit.layers.augment_geometry import (
    RandomElasticTransform,
    RandomErasing,
    RandomGaussianBlur,
    RandomPerspective,
    RandomShear,
)
from deepfit.layers.augment_mixing import CutMix, MixUp
from deepfit.layers.augment_policies import AugMix, Pipeline, RandAugment
from deepfit.layers.augment_tone import (
    AutoContrast,
    Equalization,
    RandomInvert,
    RandomPosterization,
    RandomSharpness,
    Solarization,
)
from deepfit.layers.augmentation import (
    RandomBrightness,
    RandomContrast,
    RandomCrop,
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
)
from deepfit.layers.categorical import CategoryEncoding, Discretization, Hashing
from deepfit.layers.conv import (
    Conv1D,
    Conv1DTranspose,
    Conv2D,
    Conv2DTranspose,
    Conv3D,
    Conv3DTranspose,
    Convolution1D,
    Convolution1DTranspose,
    Convolution2D,
    Convolution2DTranspose,
    Convolution3D,
    Convolution3DTranspose,
    DepthwiseConv1D,
    DepthwiseConv2D,
    SeparableConv1D,
    SeparableConv2D,
    SeparableConvolution1D,
    SeparableConvolution2D,
)
from deepfit.layers.core import (
    Activation,
    Dense,
    Dropout,
    Flatten,
    Identity,
    Input,
    InputLayer,
    Lambda,
    Reshape,
)
from deepfit.layers.embedding import Embedding
from deepfit.layers.group_normalization import GroupNormalization
from deepfit.layers.hashed_crossing import HashedCrossing
from deepfit.layers.input_spec import InputSpec
from deepfit.layers.layer import Layer
from deepfit.layers.lookup import IntegerLookup, StringLookup
from deepfit.layers.masking import Masking
from deepfit.layers.mel_spectrogram import MelSpectrogram
from deepfit.layers.merging import (
    Add,
    Average,
    Concatenate,
    Dot,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    dot,
    maximum,
    minimum,
    multiply,
    subtract,
)
from deepfit.layers.noise import AlphaDropout, GaussianDropout, GaussianNoise
from deepfit.layers.normalization import BatchNormalization, LayerNormalization
from deepfit.layers.pooling import (
    AveragePooling1D,
    AveragePooling2D,
    AveragePooling3D,
    AvgPool1D,
    AvgPool2D,
    AvgPool3D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAveragePooling3D,
    GlobalAvgPool1D,
    GlobalAvgPool2D,
    GlobalAvgPool3D,
    GlobalMaxPool1D,
    GlobalMaxPool2D,
    GlobalMaxPool3D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    GlobalMaxPooling3D,
    MaxPool1D,
    MaxPool2D,
    MaxPool3D,
    MaxPooling1D,
    MaxPooling2D,
    MaxPooling3D,
)
from deepfit.layers.preprocessing import CenterCrop, Normalization, Rescaling, Resizing
from deepfit.layers.recurrent import (
    GRU,
    LSTM,
    RNN,
    Bidirectional,
    ConvLSTM1D,
    ConvLSTM2D,
    ConvLSTM3D,
    GRUCell,
    LSTMCell,
    SimpleRNN,
    SimpleRNNCell,
    StackedRNNCells,
)
from deepfit.layers.reshaping import (
    Cropping1D,
    Cropping2D,
    Permute,
    RepeatVector,
    SpatialDropout1D,
    SpatialDropout2D,
    SpatialDropout3D,
    UpSampling1D,
    UpSampling2D,
    ZeroPadding1D,
    ZeroPadding2D,
)
from deepfit.layers.reshaping3d import Cropping3D, UpSampling3D, ZeroPadding3D
from deepfit.layers.reversible_embedding import ReversibleEmbedding
from deepfit.layers.rms_normalization import RMSNormalization
from deepfit.layers.spectral_normalization import SpectralNormalization
from deepfit.layers.stft_spectrogram import STFTSpectrogram
from deepfit.layers.text_vectorization import TextVectorization
from deepfit.layers.time_distributed import TimeDistributed
from deepfit.layers.torch_module import TorchModule, TorchModuleWrapper
from deepfit.layers.unit_normalization import UnitNormalization
from deepfit.layers.wrapper import Wrapper

__all__ = [
    "AdditiveAttention", "AlphaDropout", "Attention", "GroupNormalization", "UnitNormalization",
    "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D", "AveragePooling3D", "AvgPool3D",
    "GlobalAveragePooling3D", "GlobalAvgPool3D", "GlobalMaxPool3D", "GlobalMaxPooling3D",
    "MaxPool3D", "MaxPooling3D", "ActivityRegularization", "RMSNormalization", "Cropping3D",
    "SpatialDropout3D", "UpSampling3D", "ZeroPadding3D", "AdaptiveAveragePooling1D",
    "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D", "AdaptiveMaxPooling1D",
    "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D", "TorchModuleWrapper",
    "ELU", "LeakyReLU", "PReLU", "ReLU", "Softmax",
    "CategoryEncoding", "Discretization", "HashedCrossing", "Hashing", "IntegerLookup",
    "StringLookup",
    "TextVectorization",
    "AutoContrast", "Equalization", "RandomColorDegeneration", "RandomColorJitter",
    "RandomGrayscale", "RandomHue", "RandomInvert", "RandomPosterization", "RandomSaturation",
    "RandomSharpness", "Solarization", "AugMix", "CutMix", "MixUp", "Pipeline", "RandAugment",
    "RandomElasticTransform", "RandomErasing", "RandomGaussianBlur", "RandomPerspective",
    "RandomShear", "ContrastLimitedAdaptiveHistogramEqualization",
    "CenterCrop", "Normalization", "RandomBrightness", "RandomContrast", "RandomCrop",
    "RandomFlip", "RandomRotation", "RandomTranslation", "RandomZoom", "Rescaling", "Resizing",
    "Activation", "Add", "Average", "AveragePooling1D", "AveragePooling2D", "AvgPool1D",
    "AvgPool2D", "BatchNormalization", "Bidirectional", "Concatenate", "Conv1D",
    "Conv1DTranspose", "Conv2D", "Conv2DTranspose", "Conv3D", "Conv3DTranspose", "Convolution1D",
    "Convolution1DTranspose", "Convolution2D", "Convolution2DTranspose", "Convolution3D",
    "Convolution3DTranspose", "Cropping1D", "Cropping2D", "Dense", "DepthwiseConv1D",
    "DepthwiseConv2D", "Dot", "Dropout", "EinsumDense", "Embedding", "GaussianDropout",
    "GaussianNoise", "Flatten", "GRU", "GRUCell",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAvgPool1D", "GlobalAvgPool2D",
    "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "Identity",
    "Input", "InputLayer", "InputSpec", "LSTM", "LSTMCell", "Lambda", "Layer",
    "LayerNormalization",
    "Masking", "MelSpectrogram", "MaxPool1D", "MaxPool2D", "MaxPooling1D", "MaxPooling2D",
    "Maximum", "Minimum",
    "GroupQueryAttention", "GroupedQueryAttention", "MultiHeadAttention", "Multiply",
    "Permute", "RNN", "RepeatVector", "Reshape", "ReversibleEmbedding", "SeparableConv1D",
    "SeparableConv2D",
    "SeparableConvolution1D", "SeparableConvolution2D", "SimpleRNN", "SimpleRNNCell",
    "STFTSpectrogram", "SpatialDropout1D", "SpatialDropout2D", "SpectralNormalization",
    "StackedRNNCells",
    "Subtract", "TimeDistributed",
    "TorchModule",
    "UpSampling1D", "Wrapper",
    "UpSampling2D", "ZeroPadding1D", "ZeroPadding2D", "add", "average", "concatenate",
    "deserialize", "dot", "maximum", "minimum", "multiply", "serialize", "subtract",
]


GroupQueryAttention = GroupedQueryAttention  # Keras exports the class under this name


def _registry() -> dict[str, Any]:
    names = {name: value for name, value in globals().items()
             if isinstance(value, type) and issubclass(value, Layer)}
    return names


def serialize(layer: Layer) -> dict[str, Any]:
    """A layer → `{'module', 'class_name', 'config'}` (Keras's layout)."""
    return {"module": "deepfit.layers", "class_name": type(layer).__name__,
            "config": layer.get_config()}


def deserialize(config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Layer:
    """A layer from `serialize`'s output (or a Keras layer config), by class name."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"layers.deserialize: expected a dict with 'class_name' and 'config', "
                         f"received {config!r}")
    return resolve("layer", config, _registry(), custom_objects=custom_objects,
                   allow_callable=False)
