"""ConvLSTM1D, ConvLSTM2D and ConvLSTM3D, as Keras's layers: an LSTM whose input and recurrent
transformations are convolutions, over sequences of 1-, 2- or 3-D feature maps.

Keras's weight layout: the cell's `kernel` `(*kernel_size, channels, 4 * filters)`,
`recurrent_kernel` `(*kernel_size, filters, 4 * filters)` and `bias` `(4 * filters,)`, gates in
the order i, f, c, o. The input convolution uses the layer's strides, padding and dilation; the
recurrent one stride 1 and 'same' padding. Internally every step runs channels-first (a 1-D map
as a unit-height 2-D one); the input convolution of all steps is one batched call.

Example:
    >>> layer = ConvLSTM2D(4, 3, padding="same", return_sequences=True)
    >>> layer(torch.randn(2, 5, 8, 8, 3)).shape
    torch.Size([2, 5, 8, 8, 4])
"""

from __future__ import annotations

from typing import Any

import torch

from deepfit import activations
from deepfit.layers.conv.base import _Conv
from deepfit.layers.conv.utils import (
    _lift,
    _torch_kernel,
    check_ndim,
    from_channels_first,
    pad_same,
    to_channels_first,
)
from deepfit.layers.recurrent.base import (
    _dropout_masks,
    _positive_int,
    _rate,
    _step_loop,
    set_weight_arguments,
    weight_arguments_config,
)
from deepfit.layers.recurrent.cells import forget_bias_initializer
from deepfit.layers.recurrent.rnn import CELL_ATTRIBUTES, _CellLayer


class ConvLSTMCell(_Conv):
    """One ConvLSTM step (internal, as in Keras: the layers build it from their arguments).

    Args:
        rank: the number of spatial axes (1, 2 or 3).
        filters, kernel_size, strides, padding, data_format, dilation_rate: the input
            convolution's, as `Conv2D`'s.
        Other arguments as `LSTMCell`'s.
    """

    def __init__(self, rank: int, filters: int, kernel_size: Any, strides: Any = 1,
                 padding: str = "valid", data_format: str | None = None,
                 dilation_rate: Any = 1, activation: Any = "tanh",
                 recurrent_activation: Any = "sigmoid", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 unit_forget_bias: bool = True, kernel_regularizer: Any = None,
                 recurrent_regularizer: Any = None, bias_regularizer: Any = None,
                 kernel_constraint: Any = None, recurrent_constraint: Any = None,
                 bias_constraint: Any = None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, seed: int | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rank = rank
        self._init_window(kernel_size, strides, padding, data_format, dilation_rate)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"Specifying `strides > 1` is not compatible with `dilation_rate > "
                             f"1`. Please provide `strides=1` or `dilation_rate=1`. Received: "
                             f"strides={self.strides} and dilation_rate={self.dilation_rate}")
        self.filters = _positive_int(type(self).__name__, "filters", filters)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.unit_forget_bias = bool(unit_forget_bias)
        set_weight_arguments(self, kernel_initializer, recurrent_initializer, bias_initializer,
                             kernel_regularizer, recurrent_regularizer, bias_regularizer,
                             kernel_constraint, recurrent_constraint, bias_constraint)
        self.dropout = _rate(type(self).__name__, "dropout", dropout)
        self.recurrent_dropout = _rate(type(self).__name__, "recurrent_dropout",
                                       recurrent_dropout)
        self.seed = seed
        self._ones = _lift((1,) * rank, rank)

    @property
    def state_size(self) -> list[int]:
        return [self.filters, self.filters]

    def build(self, step_shape: tuple) -> None:
        spatial = step_shape[1:-1] if self.data_format == "channels_last" else step_shape[2:]
        if None in spatial:
            raise ValueError(f"ConvLSTM layers only support static input shapes for the "
                             f"spatial dimension. Received invalid input shape: "
                             f"input_shape={tuple(step_shape)}")
        channels = self._input_channels(step_shape)
        self._spatial = tuple(spatial)
        width = 4 * self.filters
        self.add_weight("kernel", (*self.kernel_size, channels, width), self.kernel_initializer,
                        regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.add_weight("recurrent_kernel", (*self.kernel_size, self.filters, width),
                        self.recurrent_initializer, regularizer=self.recurrent_regularizer,
                        constraint=self.recurrent_constraint)
        bias_init = forget_bias_initializer(self.bias_initializer, self.filters) if (
            self.unit_forget_bias) else self.bias_initializer
        self._add_bias_weight(width, bias_init)
        self.built = True

    def _add_bias_weight(self, width: int, initializer: Any) -> None:
        if self.use_bias:
            self.add_weight("bias", (width,), initializer, regularizer=self.bias_regularizer,
                            constraint=self.bias_constraint)
        else:
            self.register_parameter("bias", None)

    # ------------------------------------------------------------------- computation
    def state_shape(self, batch: int) -> tuple:
        """A state's shape in the layer's data format."""
        return self._spatial_output_shape((batch, *self._layout(self._spatial)), self.filters)

    def _layout(self, spatial: tuple) -> tuple:
        channels = self._in_channels
        return (*spatial, channels) if self.data_format == "channels_last" else (channels,
                                                                                 *spatial)

    def project(self, x: torch.Tensor, masks: torch.Tensor | None) -> torch.Tensor:
        """The input convolution of channels-first steps `x` `(batch, steps, C, *S)` →
        `(batch, steps, 4 * filters, *S')`; `masks` `(4, batch, C, *S)` drop inputs per gate."""
        batch, steps = x.shape[:2]
        kernel = _torch_kernel(self.kernel, self.rank)
        if masks is None:
            out = self._convolve_steps(x.flatten(0, 1), kernel, self.bias)
        else:
            biases = [None] * 4 if self.bias is None else self.bias.chunk(4)
            parts = [self._convolve_steps((x * masks[g].unsqueeze(1)).flatten(0, 1), block, bias)
                     for g, (block, bias) in enumerate(zip(kernel.chunk(4), biases))]
            out = torch.cat(parts, dim=1)
        return out.unflatten(0, (batch, steps))

    def _convolve_steps(self, x: torch.Tensor, kernel: torch.Tensor,
                        bias: torch.Tensor | None) -> torch.Tensor:
        padded, padding = self._padded(x)
        return self._op(padded, kernel, bias, self._stride, padding, self._dilation)

    def step(self, projected: torch.Tensor, states: list[torch.Tensor],
             masks: torch.Tensor | None) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """One step on channels-first states `[h, c]`; `masks` `(4, *h.shape)` drop `h` per
        gate."""
        h, c = states
        kernel = _torch_kernel(self.recurrent_kernel, self.rank)
        if masks is None:
            recurrent = self._recurrent_conv(h, kernel)
        else:
            recurrent = torch.cat([self._recurrent_conv(h * masks[g], block)
                                   for g, block in enumerate(kernel.chunk(4))], dim=1)
        i, f, g, o = (projected + recurrent).chunk(4, dim=1)
        act, gate = self.activation, self.recurrent_activation
        c = gate(f) * c + gate(i) * act(g)
        h = gate(o) * act(c)
        return h, [h, c]

    def _recurrent_conv(self, h: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
        padded, padding = pad_same(h, self._window, self._ones, self._ones)
        return self._op(padded, kernel, None, self._ones, padding)

    def dropout_masks(self, step_input: torch.Tensor, state: torch.Tensor,
                      training: bool | None) -> tuple:
        """One mask per gate for the inputs and for the state, kept for the whole sequence."""
        return (_dropout_masks(self.dropout, 4, step_input, training),
                _dropout_masks(self.recurrent_dropout, 4, state, training))

    def call(self, inputs: torch.Tensor, states: Any,
             training: bool | None = None) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """One step: `inputs` `(batch, *S, C)` (in the data format) and `[h, c]` → `(h, [h,
        c])`."""
        x = self.to_internal(inputs)
        internal = [self.to_internal(s) for s in states]
        input_masks, recurrent_masks = self.dropout_masks(x, internal[0], training)
        projected = self.project(x.unsqueeze(1), input_masks)[:, 0]
        h, (_, c) = self.step(projected, internal, recurrent_masks)
        h, c = self.to_external(h), self.to_external(c)
        return h, [h, c]

    def to_internal(self, x: torch.Tensor) -> torch.Tensor:
        return to_channels_first(x, self.data_format, self.rank)

    def to_external(self, y: torch.Tensor) -> torch.Tensor:
        return from_channels_first(y, self.data_format, self.rank)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "filters": self.filters,
            **self._window_config(),
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "use_bias": self.use_bias,
            **weight_arguments_config(self),
            "unit_forget_bias": self.unit_forget_bias,
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        }


class _ConvLSTM(_CellLayer):
    """What ConvLSTM1D/2D/3D share: Keras's arguments, a `ConvLSTMCell` of the class's `rank`,
    and the run over time in channels-first layout."""

    rank = 2
    cell_class = ConvLSTMCell
    cell_name = "conv_lstm_cell"
    cell_attributes = CELL_ATTRIBUTES | {"filters", "kernel_size", "strides", "padding",
                                         "data_format", "dilation_rate"}

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 data_format: str | None = None, dilation_rate: Any = 1,
                 activation: Any = "tanh", recurrent_activation: Any = "sigmoid",
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 unit_forget_bias: bool = True, kernel_regularizer: Any = None,
                 recurrent_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None,
                 recurrent_constraint: Any = None, bias_constraint: Any = None,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0, seed: int | None = None,
                 return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, **kwargs: Any) -> None:
        cell_kwargs = dict(
            rank=self.rank, filters=filters, kernel_size=kernel_size, strides=strides,
            padding=padding, data_format=data_format, dilation_rate=dilation_rate,
            activation=activation, recurrent_activation=recurrent_activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed)
        rnn_kwargs = dict(return_sequences=return_sequences, return_state=return_state,
                          go_backwards=go_backwards, stateful=stateful)
        super().__init__(cell_kwargs, rnn_kwargs, activity_regularizer=activity_regularizer,
                         **kwargs)

    def build(self, input_shape: tuple) -> None:
        # Keras's error names the layer and its rank before the cell sees a step's shape
        check_ndim(self, input_shape, self.rank + 3)
        super().build(input_shape)

    def _check_input(self, sequences: torch.Tensor) -> None:
        cell = self.cell
        axis = -1 if cell.data_format == "channels_last" else 2
        if sequences.dim() != self.rank + 3 or sequences.shape[axis] != cell._in_channels:
            raise ValueError(
                f"Input 0 of layer '{self.name}' is incompatible with the layer: expected "
                f"ndim={self.rank + 3} with {cell._in_channels} channels on axis {axis}. "
                f"Full shape received: {tuple(sequences.shape)}")

    def get_initial_state(self, batch_size: int, like: torch.Tensor | None = None) -> list:
        """Zero `[h, c]` states for `batch_size` sequences, in the layer's data format."""
        device = like.device if like is not None else self._device()
        dtype = like.dtype if like is not None else torch.float32
        shape = self.cell.state_shape(batch_size)
        return [torch.zeros(shape, device=device, dtype=dtype) for _ in range(2)]

    def _run(self, x: torch.Tensor, states: list, mask: torch.Tensor | None,
             training: bool | None) -> tuple:
        cell = self.cell
        batch, steps = x.shape[:2]
        inputs = cell.to_internal(x.flatten(0, 1)).unflatten(0, (batch, steps))
        states = [cell.to_internal(s) for s in states]
        input_masks, recurrent_masks = cell.dropout_masks(inputs[:, 0], states[0], training)
        projected = cell.project(inputs, input_masks)
        if self.go_backwards:
            projected = projected.flip(1)
        step_mask = None
        if mask is not None:  # (steps, batch, 1, ...) to broadcast against the states
            step_mask = mask.to(torch.bool).transpose(0, 1).reshape(
                steps, batch, *[1] * (states[0].dim() - 1))
            step_mask = step_mask.flip(0) if self.go_backwards else step_mask
        frames = projected.unbind(1)  # one backward for all steps (indexing: one per step)
        last, outputs, states = _step_loop(
            lambda t, s: cell.step(frames[t], s, recurrent_masks), steps, states,
            step_mask, self.return_sequences, self.zero_output_for_mask)
        if outputs is not None:
            outputs = cell.to_external(outputs.transpose(0, 1).flatten(0, 1))
            outputs = outputs.unflatten(0, (batch, steps))
        return cell.to_external(last), outputs, [cell.to_external(s) for s in states]

    def flops_per_sample(self) -> float:
        """Forward FLOPs per sample of the last call: both convolutions at every step."""
        cell = self.cell
        positions = 1
        for size in cell.state_shape(1)[1:]:
            positions *= size
        positions //= cell.filters
        per_step = positions * (cell.kernel.numel() + cell.recurrent_kernel.numel())
        return 2.0 * per_step * getattr(self, "_steps_seen", 1)

    def compute_output_shape(self, input_shape: tuple) -> Any:
        batch, steps = input_shape[0], input_shape[1]
        state = self.cell._spatial_output_shape((batch, *input_shape[2:]), self.cell.filters)
        output = (batch, steps, *state[1:]) if self.return_sequences else state
        return [output, state, state] if self.return_state else output


class ConvLSTM1D(_ConvLSTM):
    """A 1-D convolutional LSTM over `(batch, time, steps, channels)` sequences.

    Args:
        filters: the number of output channels (of the states and the output).
        kernel_size, strides, padding ('valid' or 'same'), data_format, dilation_rate: the input
            convolution's (strides > 1 and dilation_rate > 1 exclude each other).
        activation ('tanh'), recurrent_activation ('sigmoid'), use_bias, kernel_initializer,
        recurrent_initializer ('orthogonal'), bias_initializer, unit_forget_bias,
        kernel_regularizer, recurrent_regularizer, bias_regularizer, activity_regularizer,
        kernel_constraint, recurrent_constraint, bias_constraint: as in `LSTM`.
        dropout, recurrent_dropout: fractions of the inputs / states dropped while training (one
            mask per gate, kept for the whole sequence).
        seed: accepted for Keras compatibility; use `deepfit.utils.set_random_seed`.
        return_sequences, return_state, go_backwards, stateful: see `RNN`.

    Example:
        >>> ConvLSTM1D(2, 3)(torch.randn(4, 5, 10, 3)).shape
        torch.Size([4, 8, 2])
    """

    rank = 1


class ConvLSTM2D(_ConvLSTM):
    """A 2-D convolutional LSTM over `(batch, time, rows, cols, channels)` sequences.

    Args: as `ConvLSTM1D`'s, with 2-D windows.

    Example:
        >>> ConvLSTM2D(2, 3, padding="same", return_state=True)(torch.randn(1, 4, 6, 6, 1))[2].shape
        torch.Size([1, 6, 6, 2])
    """

    rank = 2


class ConvLSTM3D(_ConvLSTM):
    """A 3-D convolutional LSTM over `(batch, time, d1, d2, d3, channels)` sequences.

    Args: as `ConvLSTM1D`'s, with 3-D windows.

    Example:
        >>> ConvLSTM3D(2, 2)(torch.randn(1, 3, 4, 4, 4, 1)).shape
        torch.Size([1, 3, 3, 3, 2])
    """

    rank = 3
