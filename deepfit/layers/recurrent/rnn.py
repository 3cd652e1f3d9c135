"""`RNN` runs a cell over the time axis; SimpleRNN, LSTM and GRU build their own cell from Keras's
flat arguments.
"""

from __future__ import annotations

from typing import Any

import torch

from deepfit import regularizers, tree
from deepfit.layers.layer import Layer
from deepfit.layers.recurrent.base import _BASE_CONFIG_KEYS, _fused_call, _incompatible, _step_loop
from deepfit.layers.recurrent.cells import _CELLS, GRUCell, LSTMCell, SimpleRNNCell, _RecurrentCell
from deepfit.layers.recurrent.stacked_cells import (
    StackedRNNCells,
    accepts_training,
    cell_initial_state,
    cell_output_size,
)
from deepfit.ops import numpy_bridge


# --------------------------------------------------------------------------- layers
class RNN(Layer):
    """Runs a cell over the time axis of `(batch, steps, features)` inputs.

    Args:
        cell: a built-in cell (`LSTMCell(...)`, ...) or any layer with `call(inputs, states)`
            returning `(output, new_states)` and a `state_size` attribute; a list of cells
            runs as one `StackedRNNCells` (its states nested, one entry per cell).
        return_sequences: return every step's output `(batch, steps, units)`, not just the last.
        return_state: also return the final states (`[output, *states]`; with stacked cells
            one entry per cell, a list for a cell with several states).
        go_backwards: process the sequence in reverse (and return the reversed sequence).
        stateful: start each batch from the previous batch's final states.
        unroll: accepted for Keras compatibility (ignored).
        zero_output_for_mask: output zeros (instead of the previous output) at masked steps.
        activity_regularizer: a penalty on the outputs added to the loss.

    Call arguments:
        sequences: `(batch, steps, features)`.
        initial_state: a list of state tensors (zeros by default).
        mask: `(batch, steps)` booleans, True where a step is real; by default the mask carried
            by `sequences` (from `Embedding(mask_zero=True)`).
        training: enables dropout.
    """

    def __init__(self, cell: Any, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 zero_output_for_mask: bool = False, activity_regularizer: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not callable(getattr(cell, "call", None)) or not hasattr(cell, "state_size"):
            raise ValueError(f"{type(self).__name__}: cell must be a layer with a `call` method "
                             f"and a `state_size` attribute, received {cell!r}")
        size = cell.state_size
        if not isinstance(size, (list, tuple, int)):
            raise ValueError(f"{type(self).__name__}: the cell's state_size must be an int or a "
                             f"list of ints (one per state), received {size!r}")
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self._fused_allowed = True
        self.states: list | None = None

    @property
    def state_size(self) -> list:
        """One entry per state (per cell for stacked cells: an int or a list of ints)."""
        size = self.cell.state_size
        return list(size) if isinstance(size, (list, tuple)) else [size]

    def build(self, input_shape: tuple) -> None:
        if len(input_shape) < 3:
            raise ValueError(f"{type(self).__name__} '{self.name}': expected inputs of shape "
                             f"(batch, steps, features), received shape {tuple(input_shape)}")
        cell = self.cell
        if isinstance(cell, Layer) and not cell.built:
            step_shape = (input_shape[0], *input_shape[2:])
            cell.build(step_shape)
            cell.built = True
            cell._build_input_shape = step_shape
            cell._sync_requires_grad()
        self._input_rank = len(input_shape)

    def call(self, sequences: torch.Tensor, initial_state: Any = None,
             mask: torch.Tensor | None = None, training: bool | None = None) -> Any:
        self._check_input(sequences)
        if mask is None:
            mask = getattr(sequences, "_keras_mask", None)
        elif not isinstance(mask, torch.Tensor):  # a NumPy or list mask given as `mask=`
            mask = numpy_bridge.as_tensor(mask, device=sequences.device)
        x = sequences
        weight = getattr(self.cell, "kernel", None)
        if isinstance(weight, torch.Tensor) and x.dtype != weight.dtype:
            x = x.to(weight.dtype)
        states = self._initial_states(x, initial_state)
        self._steps_seen = x.shape[1]
        last, outputs, states = self._run(x, states, mask, training)
        if self.stateful:
            self.states = tree.map_structure(torch.Tensor.detach, states)
        output = outputs if self.return_sequences else last
        if mask is not None and self.return_sequences:
            output._keras_mask = mask
        result = (output, *states) if self.return_state else output
        return result

    def flops_per_sample(self) -> float:
        """Forward FLOPs per sample of the last call: the cell's input and recurrent products
        at every step (fit chooses its thread count from this; torch's fused kernels run the
        steps where no per-layer hook can see them)."""
        cells = getattr(self.cell, "cells", [self.cell])
        per_step = sum(weight.numel() for cell in cells
                       for weight in (getattr(cell, "kernel", None),
                                      getattr(cell, "recurrent_kernel", None))
                       if isinstance(weight, torch.Tensor))
        return 2.0 * per_step * getattr(self, "_steps_seen", 1)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The step mask passes on with `return_sequences`; states carry none (Keras)."""
        mask = tree.flatten(mask)[0] if mask is not None else None
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(self.state_size)
        return output_mask

    def _check_input(self, sequences: torch.Tensor) -> None:
        if sequences.dim() != self._input_rank:
            raise _incompatible(self, f"expected ndim={self._input_rank}, found "
                                      f"ndim={sequences.dim()}", sequences)
        expected = getattr(self.cell, "input_features", None)
        if expected is not None and sequences.shape[-1] != expected:
            raise _incompatible(self, f"expected axis -1 of input shape to have value "
                                      f"{expected}", sequences)

    def _initial_states(self, x: torch.Tensor, initial_state: Any) -> list:
        batch = x.shape[0]
        if initial_state is not None:
            given = list(initial_state) if tree.is_nested(initial_state) else [initial_state]
            if len(given) != len(self.state_size):
                raise ValueError(f"{type(self).__name__} '{self.name}': expected "
                                 f"{len(self.state_size)} initial state tensor(s), received "
                                 f"{len(given)}")
            return tree.map_structure(
                lambda s: numpy_bridge.as_tensor(s, device=x.device).to(x.dtype), given)
        if self.stateful and self.states is not None and (
                tree.first_leaf(self.states).shape[0] == batch):
            return list(self.states)
        return self.get_initial_state(batch, x)

    def get_initial_state(self, batch_size: int, like: torch.Tensor | None = None) -> list:
        """Zero states for `batch_size` sequences (on `like`'s device): the cell's own
        `get_initial_state` when it has one, else zeros shaped by `state_size`."""
        device = like.device if like is not None else self._device()
        dtype = like.dtype if like is not None else torch.float32
        if isinstance(self.cell, _RecurrentCell) or not hasattr(self.cell, "get_initial_state"):
            return [torch.zeros(batch_size, size, device=device, dtype=dtype)
                    for size in self.state_size]
        states = cell_initial_state(self.cell, batch_size, device, dtype)
        states = list(states) if tree.is_nested(states) else [states]
        return tree.map_structure(lambda s: s.to(device=device, dtype=dtype), states)

    def reset_state(self) -> None:
        """Forget the states a stateful layer carries between batches."""
        if self.states is not None:
            self.states = tree.map_structure(torch.zeros_like, self.states)

    reset_states = reset_state

    # ------------------------------------------------------------------- running
    def _run(self, x: torch.Tensor, states: list, mask: torch.Tensor | None,
             training: bool | None) -> tuple:
        if isinstance(self.cell, _RecurrentCell):
            return self._run_builtin(self.cell, x, states, mask, training, self.go_backwards,
                                     self.return_sequences)
        if isinstance(self.cell, StackedRNNCells) and all(
                isinstance(cell, _RecurrentCell) for cell in self.cell.cells):
            return self._run_stacked_builtin(x, states, mask, training)
        return self._run_generic(x, states, mask, training)

    def _time_major_mask(self, mask: torch.Tensor | None,
                         backwards: bool) -> torch.Tensor | None:
        if mask is None:
            return None
        mask = mask.to(torch.bool).transpose(0, 1).unsqueeze(-1)  # (steps, batch, 1)
        return mask.flip(0) if backwards else mask

    def _run_builtin(self, cell: _RecurrentCell, x: torch.Tensor, states: list,
                     mask: torch.Tensor | None, training: bool | None, backwards: bool,
                     keep_all: bool) -> tuple:
        input_masks, recurrent_masks = cell._dropout_masks(x[:, 0], states[0], training)
        kind = cell._fused_kind() if self._fused_allowed else None
        single_mask = input_masks is None or input_masks.shape[0] == 1
        if kind is not None and mask is None and recurrent_masks is None and single_mask:
            if input_masks is not None:
                x = x * input_masks[0].unsqueeze(1)
            if backwards:
                x = x.flip(1)
            outputs, states = _fused_call(kind, x, [s.unsqueeze(0) for s in states], [cell],
                                          False)
            return outputs[:, -1], outputs, [s.squeeze(0) for s in states]
        steps_first = x.transpose(0, 1)
        if backwards:
            steps_first = steps_first.flip(0)
        # unbound once: indexing step by step would backpropagate a full-size zero tensor per step
        projected = cell._project(steps_first, input_masks).unbind(0)
        last, outputs, states = _step_loop(
            lambda t, s: cell._step(projected[t], s, recurrent_masks), len(projected),
            states, self._time_major_mask(mask, backwards), keep_all,
            self.zero_output_for_mask)
        return last, None if outputs is None else outputs.transpose(0, 1), states

    def _run_stacked_builtin(self, x: torch.Tensor, states: list, mask: torch.Tensor | None,
                             training: bool | None) -> tuple:
        """Built-in cells stacked: cell k at step t needs only cell k-1's output at t and its
        own states at t-1, so the stack runs cell by cell over the whole sequence (torch's
        fused kernels where they apply) with the step-by-step stack's results. The sequence
        reversed once by `go_backwards` stays in processing order for the later cells."""
        cells = self.cell.cells
        new_states, last, outputs = [], None, x
        for index, (cell, cell_states) in enumerate(zip(cells, states, strict=True)):
            was_list = tree.is_nested(cell_states)
            flat = list(cell_states) if was_list else [cell_states]
            keep_all = self.return_sequences or index < len(cells) - 1
            first = index == 0
            step_mask = mask if first or mask is None or not self.go_backwards else mask.flip(1)
            last, outputs, flat = self._run_builtin(
                cell, outputs, flat, step_mask, training, self.go_backwards and first, keep_all)
            new_states.append(flat if was_list or len(flat) > 1 else flat[0])
        return last, outputs, new_states

    def _run_generic(self, x: torch.Tensor, states: list, mask: torch.Tensor | None,
                     training: bool | None) -> tuple:
        cell = self.cell
        call_kwargs = {"training": training} if accepts_training(cell) else {}
        steps = (x.flip(1) if self.go_backwards else x).unbind(1)
        run = cell if isinstance(cell, Layer) else cell.call
        structure = states  # nested for stacked cells; the step loop sees the leaves

        def step(t: int, flat: list) -> tuple:
            output, new_states = run(steps[t], tree.pack_sequence_as(structure, flat),
                                     **call_kwargs)
            return output, tree.flatten(new_states)

        last, outputs, flat = _step_loop(step, x.shape[1], tree.flatten(states),
                                         self._time_major_mask(mask, self.go_backwards),
                                         self.return_sequences, self.zero_output_for_mask)
        if not tree.is_nested(structure) or len(tree.flatten(structure)) != len(flat):
            return last, None if outputs is None else outputs.transpose(0, 1), flat
        states = tree.pack_sequence_as(structure, flat)
        return last, None if outputs is None else outputs.transpose(0, 1), list(states)

    # ------------------------------------------------------------------- shapes and config
    def compute_output_shape(self, input_shape: tuple) -> Any:
        batch, steps = input_shape[0], input_shape[1]
        units = cell_output_size(self.cell)
        output = (batch, steps, units) if self.return_sequences else (batch, units)
        if self.return_state:
            states = [[(batch, s) for s in size] if isinstance(size, (list, tuple))
                      else (batch, size) for size in self.state_size]
            return [output, *states]
        return output

    def _rnn_config(self) -> dict[str, Any]:
        return {
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
        }

    def get_config(self) -> dict[str, Any]:
        cell_config = {"class_name": type(self.cell).__name__,
                       "config": self.cell.get_config()}
        # Keras's RNN writes `activity_regularizer` only when one is set (Layer's rule)
        return {**super().get_config(), **self._rnn_config(), "cell": cell_config}

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict | None = None) -> RNN:
        config = dict(config)
        config.pop("dtype", None)
        cell = config.pop("cell")
        if isinstance(cell, dict):
            cell = _deserialize(cell, custom_objects)
        return cls(cell, **config)


def _deserialize(config: dict[str, Any], custom_objects: dict | None = None) -> Any:
    from deepfit import layers as layers_module

    known = {**_CELLS, **_LAYERS, "StackedRNNCells": StackedRNNCells, **(custom_objects or {})}
    return layers_module.deserialize(config, custom_objects=known)


CELL_ATTRIBUTES = frozenset({
    "units", "activation", "recurrent_activation", "use_bias", "unit_forget_bias",
    "reset_after", "kernel_initializer", "recurrent_initializer", "bias_initializer",
    "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "kernel_constraint",
    "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout", "seed",
})


class _CellLayer(RNN):
    """SimpleRNN / LSTM / GRU: an RNN that builds its own cell from Keras's flat arguments."""

    #: the cell's hyper-parameters the layer exposes as its own attributes (as Keras's do)
    cell_attributes: frozenset = CELL_ATTRIBUTES

    cell_class: type = _RecurrentCell
    #: the cell's name (None: the layer's class name in lower case, then '_cell')
    cell_name: str | None = None

    def __init__(self, cell_kwargs: dict[str, Any], rnn_kwargs: dict[str, Any],
                 use_cudnn: Any = "auto", **kwargs: Any) -> None:
        kwargs.pop("implementation", None)
        if use_cudnn not in ("auto", True, False):
            raise ValueError(f"{type(self).__name__}: use_cudnn must be 'auto', True or False, "
                             f"received {use_cudnn!r}")
        cell_name = self.cell_name or f"{type(self).__name__.lower()}_cell"
        cell = self.cell_class(**cell_kwargs, name=cell_name,
                               trainable=kwargs.get("trainable", True))
        super().__init__(cell, **rnn_kwargs, **kwargs)
        self.use_cudnn = use_cudnn
        self._fused_allowed = use_cudnn is not False

    def __getattr__(self, name: str) -> Any:
        # Keras exposes the cell's hyper-parameters (units, activation, ...) on the layer.
        if name in type(self).cell_attributes:
            cell = self.__dict__.get("_modules", {}).get("cell")
            if cell is not None:
                return getattr(cell, name)
        return super().__getattr__(name)

    def get_config(self) -> dict[str, Any]:
        cell_args = {k: v for k, v in self.cell.get_config().items()
                     if k not in _BASE_CONFIG_KEYS}
        return {**Layer.get_config(self), **cell_args, **self._rnn_config(),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer)}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> RNN:
        config = dict(config)
        config.pop("dtype", None)
        return cls(**config)




class SimpleRNN(_CellLayer):
    """A fully connected RNN whose output is fed back: `h = tanh(x @ W + h @ U + b)`.

    Args:
        units: the output width.
        activation: 'tanh' by default ('tanh' and 'relu' use torch's fused kernel).
        use_bias, kernel_initializer, recurrent_initializer ('orthogonal'), bias_initializer,
        kernel_regularizer, recurrent_regularizer, bias_regularizer, activity_regularizer,
        kernel_constraint, recurrent_constraint, bias_constraint: as in Keras.
        dropout, recurrent_dropout: fractions dropped while training (one mask per sequence).
        seed: accepted for Keras compatibility.
        return_sequences, return_state, go_backwards, stateful, unroll: see `RNN`.

    Example:
        >>> SimpleRNN(4)(torch.randn(2, 6, 3)).shape
        torch.Size([2, 4])
    """

    cell_class = SimpleRNNCell

    def __init__(self, units: int, activation: Any = "tanh", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, recurrent_regularizer: Any = None,
                 bias_regularizer: Any = None, activity_regularizer: Any = None,
                 kernel_constraint: Any = None, recurrent_constraint: Any = None,
                 bias_constraint: Any = None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False, stateful: bool = False,
                 unroll: bool = False, seed: int | None = None, **kwargs: Any) -> None:
        cell_kwargs = dict(
            units=units, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed)
        rnn_kwargs = dict(return_sequences=return_sequences, return_state=return_state,
                          go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                          activity_regularizer=activity_regularizer)
        super().__init__(cell_kwargs, rnn_kwargs, **kwargs)


class LSTM(_CellLayer):
    """Long Short-Term Memory (Hochreiter 1997) with Keras's weights and gate order.

    Args:
        units: the output width.
        activation: 'tanh'; recurrent_activation: 'sigmoid' (both standard ones use torch's
            fused kernel, cuDNN on GPU).
        unit_forget_bias: initialize the forget gate's bias to 1.
        use_cudnn: 'auto' (fused kernel when possible), True, or False (always step by step).
        Other arguments as `SimpleRNN`.

    Example:
        >>> out, h, c = LSTM(8, return_state=True)(torch.randn(2, 5, 3))
    """

    cell_class = LSTMCell

    def __init__(self, units: int, activation: Any = "tanh",
                 recurrent_activation: Any = "sigmoid", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 unit_forget_bias: bool = True, kernel_regularizer: Any = None,
                 recurrent_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None,
                 recurrent_constraint: Any = None, bias_constraint: Any = None,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0, seed: int | None = None,
                 return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 use_cudnn: Any = "auto", **kwargs: Any) -> None:
        cell_kwargs = dict(
            units=units, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed)
        rnn_kwargs = dict(return_sequences=return_sequences, return_state=return_state,
                          go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                          activity_regularizer=activity_regularizer)
        super().__init__(cell_kwargs, rnn_kwargs, use_cudnn=use_cudnn, **kwargs)


class GRU(_CellLayer):
    """Gated Recurrent Unit (Cho 2014) with Keras's weights, gate order and `reset_after=True`.

    Args:
        units: the output width.
        activation: 'tanh'; recurrent_activation: 'sigmoid'.
        reset_after: True (Keras 3's default; uses torch's fused kernel) applies the reset gate
            after the recurrent matmul and has a `(2, 3 * units)` bias; False is the older form.
        use_cudnn: 'auto', True, or False (always step by step).
        Other arguments as `SimpleRNN`.

    Example:
        >>> GRU(8, return_sequences=True)(torch.randn(2, 5, 3)).shape
        torch.Size([2, 5, 8])
    """

    cell_class = GRUCell

    def __init__(self, units: int, activation: Any = "tanh",
                 recurrent_activation: Any = "sigmoid", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, recurrent_regularizer: Any = None,
                 bias_regularizer: Any = None, activity_regularizer: Any = None,
                 kernel_constraint: Any = None, recurrent_constraint: Any = None,
                 bias_constraint: Any = None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, seed: int | None = None,
                 return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 reset_after: bool = True, use_cudnn: Any = "auto", **kwargs: Any) -> None:
        cell_kwargs = dict(
            units=units, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout, reset_after=reset_after,
            seed=seed)
        rnn_kwargs = dict(return_sequences=return_sequences, return_state=return_state,
                          go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                          activity_regularizer=activity_regularizer)
        super().__init__(cell_kwargs, rnn_kwargs, use_cudnn=use_cudnn, **kwargs)


_LAYERS: dict[str, type] = {cls.__name__: cls for cls in (RNN, SimpleRNN, LSTM, GRU)}
