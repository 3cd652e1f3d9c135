"""Convolution layers: Conv1D/2D/3D, Conv1D/2D/3DTranspose, DepthwiseConv1D/2D, SeparableConv1D/2D.

The API is channels-last, as in Keras: `(batch, height, width, channels)` for 2D. Weights keep
Keras's layout (a Conv2D kernel is `(kh, kw, in, out)`). Each call takes a channels-first *view*
of the input (`x.permute(0, 3, 1, 2)`, no copy): that view has `torch.channels_last` memory
layout, so torch's convolution runs its channels-last kernels on it directly and returns a
channels-last result, whose permutation back to `(batch, h, w, filters)` is again a free view.
A stack of Conv2D and MaxPooling2D therefore never copies to change layout. 1D layers run as
2D ones on a unit-height view, which keeps them on the same channels-last path.

'same' padding is TensorFlow's: for output size `ceil(n / stride)` the missing total padding is
split with the extra element at the bottom/right.

The package `utils` module holds the argument checks and layout helpers shared by `pooling` and
`reshaping`.

Example:
    >>> layer = Conv2D(32, 3, activation="relu")
    >>> layer(torch.zeros(8, 28, 28, 1)).shape
    torch.Size([8, 26, 26, 32])
"""

from deepfit.layers.conv.depthwise import DepthwiseConv1D, DepthwiseConv2D
from deepfit.layers.conv.separable import SeparableConv1D, SeparableConv2D
from deepfit.layers.conv.standard import Conv1D, Conv2D, Conv3D
from deepfit.layers.conv.transpose import Conv1DTranspose, Conv2DTranspose, Conv3DTranspose

Convolution1D = Conv1D
Convolution2D = Conv2D
Convolution3D = Conv3D
Convolution1DTranspose = Conv1DTranspose
Convolution2DTranspose = Conv2DTranspose
Convolution3DTranspose = Conv3DTranspose
SeparableConvolution1D = SeparableConv1D
SeparableConvolution2D = SeparableConv2D

__all__ = [
    "Conv1D", "Conv1DTranspose", "Conv2D", "Conv2DTranspose", "Conv3D", "Conv3DTranspose",
    "Convolution1D", "Convolution1DTranspose", "Convolution2D", "Convolution2DTranspose",
    "Convolution3D", "Convolution3DTranspose", "DepthwiseConv1D", "DepthwiseConv2D",
    "SeparableConv1D", "SeparableConv2D", "SeparableConvolution1D", "SeparableConvolution2D",
]
