"""Recurrent layers: SimpleRNN, LSTM, GRU, their cells, the generic RNN wrapper, Bidirectional and
the convolutional LSTMs (ConvLSTM1D/2D/3D).

Weights follow Keras's layout and gate order (LSTM: i, f, c, o; GRU: z, r, h with
`reset_after=True` and a `(2, 3 * units)` bias), and live in a `cell` sublayer as in Keras.
When nothing exotic is asked for (standard activations, no mask, no recurrent dropout) a whole
sequence runs through torch's fused kernels (cuDNN on GPU); otherwise the input projections of
all steps are computed in one matmul and only the recurrent part runs step by step.

Masks (from `Embedding(mask_zero=True)`, carried on the tensor as `_keras_mask`, or passed as
`mask=`) make a layer skip steps as Keras does: the state is carried over and the output at a
masked step repeats the previous output.

Example:
    >>> import deepfit
    >>> lstm = deepfit.layers.LSTM(8, return_sequences=True)
    >>> lstm(torch.randn(4, 10, 3)).shape
    torch.Size([4, 10, 8])
"""

from deepfit.layers.recurrent.bidirectional import Bidirectional
from deepfit.layers.recurrent.cells import GRUCell, LSTMCell, SimpleRNNCell
from deepfit.layers.recurrent.conv_lstm import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D
from deepfit.layers.recurrent.rnn import GRU, LSTM, RNN, SimpleRNN
from deepfit.layers.recurrent.stacked_cells import StackedRNNCells

__all__ = ["GRU", "LSTM", "RNN", "Bidirectional", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D",
           "GRUCell", "LSTMCell", "SimpleRNN", "SimpleRNNCell", "StackedRNNCells"]
