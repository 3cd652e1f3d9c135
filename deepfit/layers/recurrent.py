"""Recurrent layers: SimpleRNN, LSTM, GRU, their cells, the generic RNN wrapper and Bidirectional.

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

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import torch

from deepfit import activations, constraints, initializers, regularizers
from deepfit.models.layer import Layer

_BASE_CONFIG_KEYS = ("name", "trainable", "dtype", "batch_input_shape")


# --------------------------------------------------------------------------- helpers
def _positive_int(layer: str, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{layer}: {name} must be a positive int, received {value!r}")
    return value


def _rate(layer: str, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{layer}: {name} must be a float in [0, 1], received {value!r}")
    return min(1.0, max(0.0, float(value)))  # Keras clips rather than rejects


def _dropout_masks(rate: float, count: int, like: torch.Tensor,
                   training: bool | None) -> torch.Tensor | None:
    """`count` dropout masks shaped like `like` (scaled by 1/(1-rate)), or None when inactive."""
    if not training or not 0.0 < rate < 1.0:
        return None
    keep = torch.empty((count, *like.shape), device=like.device, dtype=like.dtype)
    return keep.bernoulli_(1.0 - rate).div_(1.0 - rate)


def _gate_matmul(x: torch.Tensor, weight: torch.Tensor, masks: torch.Tensor | None,
                 gates: int) -> torch.Tensor:
    """`x @ weight`, where gate `g` (a block of columns) sees `x * masks[g]` if given."""
    if masks is None:
        return x @ weight
    if masks.shape[0] == 1:
        return (x * masks[0]) @ weight
    units = weight.shape[1] // gates
    blocks = torch.stack(weight.split(units, dim=1))  # (gates, in, units)
    per_gate = torch.matmul(x.unsqueeze(0) * masks, blocks)  # (gates, batch, units)
    return per_gate.movedim(0, -2).flatten(-2)


def _gate_matmul_seq(x: torch.Tensor, weight: torch.Tensor, masks: torch.Tensor | None,
                     gates: int) -> torch.Tensor:
    """`_gate_matmul` for time-major `x` (steps, batch, features) and per-sample masks."""
    if masks is None:
        return x @ weight
    if masks.shape[0] == 1:
        return (x * masks[0]) @ weight
    units = weight.shape[1] // gates
    blocks = torch.stack(weight.split(units, dim=1)).unsqueeze(1)  # (gates, 1, in, units)
    per_gate = torch.matmul(x.unsqueeze(0) * masks.unsqueeze(1), blocks)
    return per_gate.movedim(0, -2).flatten(-2)


def _is(function: Callable, *candidates: Callable) -> bool:
    return any(function is candidate for candidate in candidates)


def _incompatible(layer: Layer, expected: str, inputs: torch.Tensor) -> ValueError:
    return ValueError(
        f"Input 0 of layer '{layer.name}' is incompatible with the layer: {expected}. "
        f"Full shape received: {tuple(inputs.shape)}"
    )


def _fused_call(kind: str, x: torch.Tensor, states: list[torch.Tensor], params: list,
                has_bias: bool, bidirectional: bool) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Run torch's fused single-layer RNN kernel on batch-first `x`; states are (dirs, B, U)."""
    train = torch.is_grad_enabled()
    if kind == "lstm":
        out, h, c = torch._VF.lstm(x, (states[0], states[1]), params, has_bias, 1, 0.0, train,
                                   bidirectional, True)
        return out, [h, c]
    run = {"gru": torch._VF.gru, "rnn_tanh": torch._VF.rnn_tanh,
           "rnn_relu": torch._VF.rnn_relu}[kind]
    out, h = run(x, states[0], params, has_bias, 1, 0.0, train, bidirectional, True)
    return out, [h]


def _step_loop(step: Callable, steps: int, states: list[torch.Tensor],
               mask: torch.Tensor | None, keep_all: bool, zero_output: bool) -> tuple:
    """Run `step(t, states) -> (output, new_states)` over time with Keras's masking rule.

    Returns (last output, stacked outputs (steps first) or None, final states).
    """
    outputs, previous = [], None
    for t in range(steps):
        output, new_states = step(t, states)
        if mask is not None:
            keep = mask[t]
            if zero_output or previous is None:
                previous = torch.zeros_like(output)
            output = torch.where(keep, output, previous)
            new_states = [torch.where(keep, new, old) for new, old in zip(new_states, states)]
        states, previous = list(new_states), output
        if keep_all:
            outputs.append(output)
    stacked = torch.stack(outputs) if keep_all else None
    return previous, stacked, states


# --------------------------------------------------------------------------- cells
class _RecurrentCell(Layer):
    """Shared machinery of the built-in cells: weights, dropout masks and the torch kernels.

    Subclasses set `gates` and implement `_step(projected_input, states, recurrent_masks)`.
    """

    gates = 1

    def __init__(self, units: int, activation: Any, use_bias: bool, kernel_initializer: Any,
                 recurrent_initializer: Any, bias_initializer: Any, kernel_regularizer: Any,
                 recurrent_regularizer: Any, bias_regularizer: Any, kernel_constraint: Any,
                 recurrent_constraint: Any, bias_constraint: Any, dropout: float,
                 recurrent_dropout: float, seed: int | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        cls = type(self).__name__
        self.units = _positive_int(cls, "units", units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = _rate(cls, "dropout", dropout)
        self.recurrent_dropout = _rate(cls, "recurrent_dropout", recurrent_dropout)
        self.seed = seed

    @property
    def state_size(self) -> int | list[int]:
        return self.units

    @property
    def output_size(self) -> int:
        return self.units

    def build(self, input_shape: tuple) -> None:
        features = input_shape[-1]
        if features is None:
            raise ValueError(f"{type(self).__name__} '{self.name}': the last axis of the input "
                             f"must be known, received input shape {tuple(input_shape)}")
        width = self.gates * self.units
        self.add_weight("kernel", (features, width), self.kernel_initializer,
                        regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.add_weight("recurrent_kernel", (self.units, width), self.recurrent_initializer,
                        regularizer=self.recurrent_regularizer,
                        constraint=self.recurrent_constraint)
        if self.use_bias:
            self.add_weight("bias", self._bias_shape(), self._bias_init(),
                            regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.register_parameter("bias", None)
        self.input_features = features

    def _bias_shape(self) -> tuple:
        return (self.gates * self.units,)

    def _bias_init(self) -> Any:
        return self.bias_initializer

    def get_initial_state(self, batch_size: int, device: Any = None) -> list[torch.Tensor]:
        """Zero states, one `(batch_size, size)` tensor per entry of `state_size`."""
        sizes = self.state_size if isinstance(self.state_size, list) else [self.state_size]
        device = device if device is not None else self._device()
        return [torch.zeros(batch_size, size, device=device) for size in sizes]

    # ------------------------------------------------------------------- dropout
    def _mask_count(self) -> int:
        # Keras switches to one mask per gate ("implementation 1") with recurrent dropout.
        return self.gates if self.recurrent_dropout > 0 else 1

    def _dropout_masks(self, step_input: torch.Tensor, state: torch.Tensor,
                       training: bool | None) -> tuple:
        count = self._mask_count()
        return (_dropout_masks(self.dropout, count, step_input, training),
                _dropout_masks(self.recurrent_dropout, count, state, training))

    # ------------------------------------------------------------------- computation
    def _input_bias(self) -> torch.Tensor | None:
        return self.bias

    def _project(self, x: torch.Tensor, masks: torch.Tensor | None) -> torch.Tensor:
        """Input contributions of all steps at once: time-major `x` → (steps, batch, width)."""
        projected = _gate_matmul_seq(x, self.kernel, masks, self.gates)
        bias = self._input_bias()
        return projected if bias is None else projected + bias

    def _step(self, projected: torch.Tensor, states: list[torch.Tensor],
              masks: torch.Tensor | None) -> tuple[torch.Tensor, list[torch.Tensor]]:
        raise NotImplementedError

    def call(self, inputs: torch.Tensor, states: Any,
             training: bool | None = None) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """One step: `inputs` (batch, features) and the states → (output, new states)."""
        states = [states] if isinstance(states, torch.Tensor) else list(states)
        input_masks, recurrent_masks = self._dropout_masks(inputs, states[0], training)
        projected = self._project(inputs.unsqueeze(0), input_masks)[0]
        return self._step(projected, states, recurrent_masks)

    def _fused_kind(self) -> str | None:
        """The torch kernel that computes exactly this cell, if any."""
        return None

    def _torch_params(self) -> list[torch.Tensor]:
        """Our weights in torch's layout: [w_ih, w_hh, b_ih, b_hh] (biases only if used)."""
        params = [self.kernel.t().contiguous(), self.recurrent_kernel.t().contiguous()]
        if self.use_bias:
            params += [self.bias, torch.zeros_like(self.bias)]
        return params

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        }


class SimpleRNNCell(_RecurrentCell):
    """One step of a fully connected RNN: `h = activation(x @ kernel + h @ recurrent + bias)`.

    Args:
        units: the state and output width.
        activation: 'tanh' by default.
        use_bias, kernel_initializer, recurrent_initializer, bias_initializer, *_regularizer,
        *_constraint: as in Keras.
        dropout: fraction of the input units dropped while training (one mask per sequence).
        recurrent_dropout: fraction of the state units dropped while training.
        seed: accepted for Keras compatibility; use `deepfit.utils.set_random_seed`.
    """

    def __init__(self, units: int, activation: Any = "tanh", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, recurrent_regularizer: Any = None,
                 bias_regularizer: Any = None, kernel_constraint: Any = None,
                 recurrent_constraint: Any = None, bias_constraint: Any = None,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0, seed: int | None = None,
                 **kwargs: Any) -> None:
        super().__init__(units, activation, use_bias, kernel_initializer, recurrent_initializer,
                         bias_initializer, kernel_regularizer, recurrent_regularizer,
                         bias_regularizer, kernel_constraint, recurrent_constraint,
                         bias_constraint, dropout, recurrent_dropout, seed, **kwargs)

    def _step(self, projected, states, masks):
        output = self.activation(projected + _gate_matmul(states[0], self.recurrent_kernel,
                                                          masks, 1))
        return output, [output]

    def _fused_kind(self) -> str | None:
        if _is(self.activation, activations.tanh, torch.tanh):
            return "rnn_tanh"
        if _is(self.activation, activations.relu, torch.relu):
            return "rnn_relu"
        return None


class LSTMCell(_RecurrentCell):
    """One LSTM step with Keras's gate order i, f, c, o in `kernel` (in, 4 * units).

    Args:
        units: the state and output width.
        activation: 'tanh' by default (cell input and output).
        recurrent_activation: 'sigmoid' by default (the gates).
        unit_forget_bias: initialize the forget gate's bias to 1 (the rest with
            `bias_initializer`).
        Other arguments as `SimpleRNNCell`.
    """

    gates = 4

    def __init__(self, units: int, activation: Any = "tanh",
                 recurrent_activation: Any = "sigmoid", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 unit_forget_bias: bool = True, kernel_regularizer: Any = None,
                 recurrent_regularizer: Any = None, bias_regularizer: Any = None,
                 kernel_constraint: Any = None, recurrent_constraint: Any = None,
                 bias_constraint: Any = None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, seed: int | None = None,
                 **kwargs: Any) -> None:
        kwargs.pop("implementation", None)
        super().__init__(units, activation, use_bias, kernel_initializer, recurrent_initializer,
                         bias_initializer, kernel_regularizer, recurrent_regularizer,
                         bias_regularizer, kernel_constraint, recurrent_constraint,
                         bias_constraint, dropout, recurrent_dropout, seed, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)

    @property
    def state_size(self) -> list[int]:
        return [self.units, self.units]

    def _bias_init(self) -> Any:
        if not self.unit_forget_bias:
            return self.bias_initializer
        units, base = self.units, self.bias_initializer

        def forget_bias_one(shape, dtype=None, device=None):
            return torch.cat([base((units,), dtype=dtype, device=device),
                              torch.ones(units, dtype=dtype, device=device),
                              base((2 * units,), dtype=dtype, device=device)])

        return forget_bias_one

    def _step(self, projected, states, masks):
        h, c = states
        z = projected + _gate_matmul(h, self.recurrent_kernel, masks, 4)
        i, f, g, o = z.chunk(4, dim=-1)
        act, gate = self.activation, self.recurrent_activation
        c = gate(f) * c + gate(i) * act(g)
        h = gate(o) * act(c)
        return h, [h, c]

    def _fused_kind(self) -> str | None:
        standard = _is(self.activation, activations.tanh, torch.tanh) and _is(
            self.recurrent_activation, activations.sigmoid, torch.sigmoid)
        return "lstm" if standard else None

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(),
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "unit_forget_bias": self.unit_forget_bias}


class GRUCell(_RecurrentCell):
    """One GRU step with Keras's gate order z, r, h in `kernel` (in, 3 * units).

    Args:
        units: the state and output width.
        activation: 'tanh' by default (candidate state).
        recurrent_activation: 'sigmoid' by default (update and reset gates).
        reset_after: apply the reset gate after the recurrent matmul (True, Keras 3's default
            and cuDNN's form; the bias is then `(2, 3 * units)`: input and recurrent biases).
        Other arguments as `SimpleRNNCell`.
    """

    gates = 3

    def __init__(self, units: int, activation: Any = "tanh",
                 recurrent_activation: Any = "sigmoid", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, recurrent_regularizer: Any = None,
                 bias_regularizer: Any = None, kernel_constraint: Any = None,
                 recurrent_constraint: Any = None, bias_constraint: Any = None,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 reset_after: bool = True, seed: int | None = None, **kwargs: Any) -> None:
        kwargs.pop("implementation", None)
        super().__init__(units, activation, use_bias, kernel_initializer, recurrent_initializer,
                         bias_initializer, kernel_regularizer, recurrent_regularizer,
                         bias_regularizer, kernel_constraint, recurrent_constraint,
                         bias_constraint, dropout, recurrent_dropout, seed, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = bool(reset_after)

    def _bias_shape(self) -> tuple:
        width = 3 * self.units
        return (2, width) if self.reset_after else (width,)

    def _input_bias(self) -> torch.Tensor | None:
        if self.bias is None or not self.reset_after:
            return self.bias
        return self.bias[0]

    def _step(self, projected, states, masks):
        h, units = states[0], self.units
        kernel = self.recurrent_kernel
        x_z, x_r, x_h = projected.split(units, dim=-1)
        if self.reset_after:
            inner = _gate_matmul(h, kernel, masks, 3)
            if self.bias is not None:
                inner = inner + self.bias[1]
            r_z, r_r, r_h = inner.split(units, dim=-1)
        else:
            gate_masks = None if masks is None else masks[:2]
            r_z, r_r = _gate_matmul(h, kernel[:, :2 * units], gate_masks, 2).split(units, -1)
        z = self.recurrent_activation(x_z + r_z)
        r = self.recurrent_activation(x_r + r_r)
        if self.reset_after:
            candidate = self.activation(x_h + r * r_h)
        else:
            h_masked = h if masks is None else h * masks[-1]
            candidate = self.activation(x_h + (r * h_masked) @ kernel[:, 2 * units:])
        h = z * h + (1 - z) * candidate
        return h, [h]

    def _fused_kind(self) -> str | None:
        standard = _is(self.activation, activations.tanh, torch.tanh) and _is(
            self.recurrent_activation, activations.sigmoid, torch.sigmoid)
        return "gru" if standard and self.reset_after else None

    def _torch_params(self) -> list[torch.Tensor]:
        def reorder(t: torch.Tensor) -> torch.Tensor:  # Keras z, r, h → torch r, z, n
            z, r, h = t.split(self.units, dim=-1)
            return torch.cat([r, z, h], dim=-1)

        params = [reorder(self.kernel).t().contiguous(),
                  reorder(self.recurrent_kernel).t().contiguous()]
        if self.use_bias:
            params += [reorder(self.bias[0]), reorder(self.bias[1])]
        return params

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(),
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "reset_after": self.reset_after}


_CELLS: dict[str, type] = {cls.__name__: cls for cls in (SimpleRNNCell, LSTMCell, GRUCell)}


# --------------------------------------------------------------------------- layers
class RNN(Layer):
    """Runs a cell over the time axis of `(batch, steps, features)` inputs.

    Args:
        cell: a built-in cell (`LSTMCell(...)`, ...) or any layer with `call(inputs, states)`
            returning `(output, new_states)` and a `state_size` attribute.
        return_sequences: return every step's output `(batch, steps, units)`, not just the last.
        return_state: also return the final states (`[output, *states]`).
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
        if not callable(getattr(cell, "call", None)) or not hasattr(cell, "state_size"):
            raise ValueError(f"{type(self).__name__}: cell must be a layer with a `call` method "
                             f"and a `state_size` attribute, received {cell!r}")
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self._fused_allowed = True
        self.states: list[torch.Tensor] | None = None

    @property
    def state_size(self) -> list[int]:
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
        x = sequences
        weight = getattr(self.cell, "kernel", None)
        if isinstance(weight, torch.Tensor) and x.dtype != weight.dtype:
            x = x.to(weight.dtype)
        states = self._initial_states(x, initial_state)
        last, outputs, states = self._run(x, states, mask, training)
        if self.stateful:
            self.states = [s.detach() for s in states]
        output = outputs if self.return_sequences else last
        if mask is not None and self.return_sequences:
            output._keras_mask = mask
        result = (output, *states) if self.return_state else output
        self._add_activity_loss(result)
        return result

    def _check_input(self, sequences: torch.Tensor) -> None:
        if sequences.dim() != self._input_rank:
            raise _incompatible(self, f"expected ndim={self._input_rank}, found "
                                      f"ndim={sequences.dim()}", sequences)
        expected = getattr(self.cell, "input_features", None)
        if expected is not None and sequences.shape[-1] != expected:
            raise _incompatible(self, f"expected axis -1 of input shape to have value "
                                      f"{expected}", sequences)

    def _initial_states(self, x: torch.Tensor, initial_state: Any) -> list[torch.Tensor]:
        batch = x.shape[0]
        if initial_state is not None:
            given = [initial_state] if isinstance(initial_state, torch.Tensor) else list(
                initial_state)
            if len(given) != len(self.state_size):
                raise ValueError(f"{type(self).__name__} '{self.name}': expected "
                                 f"{len(self.state_size)} initial state tensor(s), received "
                                 f"{len(given)}")
            return [torch.as_tensor(s, device=x.device).to(x.dtype) for s in given]
        if self.stateful and self.states is not None and self.states[0].shape[0] == batch:
            return list(self.states)
        return self.get_initial_state(batch, x)

    def get_initial_state(self, batch_size: int, like: torch.Tensor | None = None) -> list:
        """Zero states for `batch_size` sequences (on `like`'s device)."""
        device = like.device if like is not None else self._device()
        dtype = like.dtype if like is not None else torch.float32
        return [torch.zeros(batch_size, size, device=device, dtype=dtype)
                for size in self.state_size]

    def reset_state(self) -> None:
        """Forget the states a stateful layer carries between batches."""
        if self.states is not None:
            self.states = [torch.zeros_like(s) for s in self.states]

    reset_states = reset_state

    # ------------------------------------------------------------------- running
    def _run(self, x: torch.Tensor, states: list, mask: torch.Tensor | None,
             training: bool | None) -> tuple:
        if isinstance(self.cell, _RecurrentCell):
            return self._run_builtin(x, states, mask, training)
        return self._run_generic(x, states, mask, training)

    def _time_major_mask(self, mask: torch.Tensor | None) -> torch.Tensor | None:
        if mask is None:
            return None
        mask = mask.to(torch.bool).transpose(0, 1).unsqueeze(-1)  # (steps, batch, 1)
        return mask.flip(0) if self.go_backwards else mask

    def _run_builtin(self, x: torch.Tensor, states: list, mask: torch.Tensor | None,
                     training: bool | None) -> tuple:
        cell = self.cell
        input_masks, recurrent_masks = cell._dropout_masks(x[:, 0], states[0], training)
        kind = cell._fused_kind() if self._fused_allowed else None
        single_mask = input_masks is None or input_masks.shape[0] == 1
        if kind is not None and mask is None and recurrent_masks is None and single_mask:
            if input_masks is not None:
                x = x * input_masks[0].unsqueeze(1)
            if self.go_backwards:
                x = x.flip(1)
            outputs, states = _fused_call(kind, x, [s.unsqueeze(0) for s in states],
                                          cell._torch_params(), cell.use_bias, False)
            return outputs[:, -1], outputs, [s.squeeze(0) for s in states]
        steps_first = x.transpose(0, 1)
        if self.go_backwards:
            steps_first = steps_first.flip(0)
        projected = cell._project(steps_first, input_masks)
        last, outputs, states = _step_loop(
            lambda t, s: cell._step(projected[t], s, recurrent_masks), projected.shape[0],
            states, self._time_major_mask(mask), self.return_sequences,
            self.zero_output_for_mask)
        return last, None if outputs is None else outputs.transpose(0, 1), states

    def _run_generic(self, x: torch.Tensor, states: list, mask: torch.Tensor | None,
                     training: bool | None) -> tuple:
        cell = self.cell
        call_kwargs = {"training": training} if _accepts_training(cell) else {}
        steps = x.flip(1) if self.go_backwards else x
        run = cell if isinstance(cell, Layer) else cell.call

        def step(t: int, s: list) -> tuple:
            output, new_states = run(steps[:, t], s, **call_kwargs)
            new_states = [new_states] if isinstance(new_states, torch.Tensor) else new_states
            return output, list(new_states)

        last, outputs, states = _step_loop(step, x.shape[1], states,
                                           self._time_major_mask(mask),
                                           self.return_sequences, self.zero_output_for_mask)
        return last, None if outputs is None else outputs.transpose(0, 1), states

    def _add_activity_loss(self, result: Any) -> None:
        if self.activity_regularizer is None:
            return
        for output in result if isinstance(result, tuple) else (result,):
            self.add_loss(self.activity_regularizer(output) / output.shape[0])

    # ------------------------------------------------------------------- shapes and config
    def compute_output_shape(self, input_shape: tuple) -> Any:
        batch, steps = input_shape[0], input_shape[1]
        units = getattr(self.cell, "output_size", None) or self.state_size[0]
        output = (batch, steps, units) if self.return_sequences else (batch, units)
        if self.return_state:
            return [output, *[(batch, size) for size in self.state_size]]
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
        return {**super().get_config(), **self._rnn_config(), "cell": cell_config,
                "activity_regularizer": regularizers.serialize(self.activity_regularizer)}

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict | None = None) -> RNN:
        config = dict(config)
        config.pop("dtype", None)
        cell = config.pop("cell")
        if isinstance(cell, dict):
            cell = _deserialize(cell, custom_objects)
        return cls(cell, **config)


def _accepts_training(cell: Any) -> bool:
    try:
        parameters = inspect.signature(cell.call).parameters
    except (TypeError, ValueError):
        return False
    return "training" in parameters


def _deserialize(config: dict[str, Any], custom_objects: dict | None = None) -> Any:
    from deepfit import layers as layers_module

    known = {**_CELLS, **_LAYERS, **(custom_objects or {})}
    return layers_module.deserialize(config, custom_objects=known)


class _CellLayer(RNN):
    """SimpleRNN / LSTM / GRU: an RNN that builds its own cell from Keras's flat arguments."""

    cell_class: type = _RecurrentCell

    def __init__(self, cell_kwargs: dict[str, Any], rnn_kwargs: dict[str, Any],
                 use_cudnn: Any = "auto", **kwargs: Any) -> None:
        kwargs.pop("implementation", None)
        if use_cudnn not in ("auto", True, False):
            raise ValueError(f"{type(self).__name__}: use_cudnn must be 'auto', True or False, "
                             f"received {use_cudnn!r}")
        cell_name = f"{type(self).__name__.lower()}_cell"
        cell = self.cell_class(**cell_kwargs, name=cell_name,
                               trainable=kwargs.get("trainable", True))
        super().__init__(cell, **rnn_kwargs, **kwargs)
        self.use_cudnn = use_cudnn
        self._fused_allowed = use_cudnn is not False

    def __getattr__(self, name: str) -> Any:
        # Keras exposes the cell's hyper-parameters (units, activation, ...) on the layer.
        if name in _CELL_ATTRIBUTES:
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


_CELL_ATTRIBUTES = frozenset({
    "units", "activation", "recurrent_activation", "use_bias", "unit_forget_bias",
    "reset_after", "kernel_initializer", "recurrent_initializer", "bias_initializer",
    "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "kernel_constraint",
    "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout", "seed",
})


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


# --------------------------------------------------------------------------- Bidirectional
_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


class Bidirectional(Layer):
    """Runs a recurrent layer forwards and a copy of it backwards, and merges the outputs.

    Args:
        layer: an RNN layer (`LSTM(...)`, `GRU(...)`, ...); the forward direction is a fresh
            copy of it named `forward_<name>`.
        merge_mode: 'concat' (default), 'sum', 'mul', 'ave', or None (return both outputs).
        backward_layer: an RNN layer with `go_backwards=True` for the backward direction;
            by default a copy of `layer` going backwards, named `backward_<name>`.
        weights: optional initial weights (forward ones, then backward ones).

    Example:
        >>> Bidirectional(LSTM(8, return_sequences=True))(torch.randn(2, 5, 3)).shape
        torch.Size([2, 5, 16])
    """

    def __init__(self, layer: Layer, merge_mode: str | None = "concat", weights: Any = None,
                 backward_layer: Layer | None = None, **kwargs: Any) -> None:
        if not isinstance(layer, Layer):
            raise ValueError(f"Bidirectional: layer must be a deepfit layer instance, received "
                             f"{layer!r}")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(f"Bidirectional: backward_layer must be a deepfit layer instance, "
                             f"received {backward_layer!r}")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Bidirectional: merge_mode must be one of {list(_MERGE_MODES)}, "
                             f"received {merge_mode!r}")
        super().__init__(**kwargs)
        self.forward_layer = _clone(layer, f"forward_{_strip(layer.name, 'forward_')}")
        self._given_backward = backward_layer is not None
        self.backward_layer = backward_layer if backward_layer is not None else _clone(
            layer, f"backward_{_strip(layer.name, 'backward_')}", go_backwards=True)
        self._check_pair()
        for direction in (self.forward_layer, self.backward_layer):
            if hasattr(direction, "zero_output_for_mask"):
                direction.zero_output_for_mask = direction.return_sequences
        self.merge_mode = merge_mode
        self.return_sequences = self.forward_layer.return_sequences
        self.return_state = self.forward_layer.return_state
        self.stateful = self.forward_layer.stateful
        self._initial_weights = weights

    def _check_pair(self) -> None:
        forward, backward = self.forward_layer, self.backward_layer
        if forward.go_backwards == backward.go_backwards:
            raise ValueError(
                f"Bidirectional: the forward and backward layers must have different "
                f"go_backwards values, received {forward.go_backwards} for both")
        for name in ("stateful", "return_sequences", "return_state"):
            if getattr(forward, name) != getattr(backward, name):
                raise ValueError(
                    f"Bidirectional: the forward and backward layers must have the same "
                    f"{name}, received {getattr(forward, name)} and {getattr(backward, name)}")

    def build(self, input_shape: tuple) -> None:
        for direction in (self.forward_layer, self.backward_layer):
            if not direction.built:
                direction.build(input_shape)
                direction.built = True
                direction._build_input_shape = input_shape
                direction._sync_requires_grad()
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def call(self, sequences: torch.Tensor, initial_state: Any = None,
             mask: torch.Tensor | None = None, training: bool | None = None) -> Any:
        if mask is None:
            mask = getattr(sequences, "_keras_mask", None)
        fused = None
        if mask is None and self._fusable(training):
            fused = self._call_fused(sequences, initial_state)
        if fused is not None:
            y, y_rev, states = fused
        else:
            y, y_rev, states = self._call_directions(sequences, initial_state, mask, training)
        output = self._merge(y, y_rev)
        if mask is not None and self.return_sequences:
            for tensor in output if isinstance(output, tuple) else (output,):
                tensor._keras_mask = mask
        if self.return_state:
            return (*output, *states) if self.merge_mode is None else (output, *states)
        return output

    def _call_directions(self, sequences, initial_state, mask, training) -> tuple:
        forward_state = backward_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            forward_state, backward_state = initial_state[:half], initial_state[half:]
        y = self.forward_layer(sequences, initial_state=forward_state, mask=mask,
                               training=training)
        y_rev = self.backward_layer(sequences, initial_state=backward_state, mask=mask,
                                    training=training)
        states: tuple = ()
        if self.return_state:
            states = (*y[1:], *y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = y_rev.flip(1)
        return y, y_rev, states

    def _fusable(self, training: bool | None) -> bool:
        forward, backward = self.forward_layer, self.backward_layer
        if type(forward) is not type(backward) or not isinstance(forward, _CellLayer):
            return False
        if self.stateful or not (forward._fused_allowed and backward._fused_allowed):
            return False
        if forward.activity_regularizer is not None or backward.activity_regularizer is not None:
            return False
        cells = (forward.cell, backward.cell)
        kind = cells[0]._fused_kind()
        if kind is None or cells[1]._fused_kind() != kind:
            return False
        if cells[0].units != cells[1].units or cells[0].use_bias != cells[1].use_bias:
            return False
        # Each direction draws its own dropout masks, which one fused call cannot apply.
        dropping = any(c.dropout > 0 or c.recurrent_dropout > 0 for c in cells)
        return not (training and dropping) and not forward.go_backwards

    def _call_fused(self, sequences: torch.Tensor, initial_state: Any) -> tuple | None:
        forward, backward = self.forward_layer, self.backward_layer
        forward._check_input(sequences)
        cell = forward.cell
        x = sequences.to(cell.kernel.dtype)
        if initial_state is None:
            starts = forward.get_initial_state(x.shape[0], x) * 2
        else:
            if len(initial_state) != 2 * len(forward.state_size):
                return None
            starts = [torch.as_tensor(s, device=x.device).to(x.dtype) for s in initial_state]
        count = len(forward.state_size)
        stacked = [torch.stack([starts[i], starts[count + i]]) for i in range(count)]
        params = cell._torch_params() + backward.cell._torch_params()
        outputs, finals = _fused_call(cell._fused_kind(), x, stacked, params, cell.use_bias,
                                      True)
        units = cell.units
        if self.return_sequences:
            y, y_rev = outputs[..., :units], outputs[..., units:]
        else:
            y, y_rev = finals[0][0], finals[0][1]
        states = (*[s[0] for s in finals], *[s[1] for s in finals])
        return y, y_rev, states if self.return_state else ()

    def _merge(self, y: torch.Tensor, y_rev: torch.Tensor) -> Any:
        mode = self.merge_mode
        if mode == "concat":
            return torch.cat([y, y_rev], dim=-1)
        if mode == "sum":
            return y + y_rev
        if mode == "ave":
            return (y + y_rev) / 2
        if mode == "mul":
            return y * y_rev
        return (y, y_rev)

    def compute_output_shape(self, input_shape: tuple) -> Any:
        shape = self.forward_layer.compute_output_shape(input_shape)
        states = []
        if self.return_state:
            shape, states = shape[0], list(shape[1:])
        if self.merge_mode == "concat":
            shape = (*shape[:-1], shape[-1] * 2)
        outputs = [shape, shape] if self.merge_mode is None else [shape]
        if self.return_state:
            return outputs + states + states
        return outputs if self.merge_mode is None else shape

    def reset_state(self) -> None:
        """Reset both directions' carried states (stateful layers)."""
        self.forward_layer.reset_state()
        self.backward_layer.reset_state()

    reset_states = reset_state

    def get_config(self) -> dict[str, Any]:
        config = {**super().get_config(), "merge_mode": self.merge_mode,
                  "layer": _serialize(self.forward_layer)}
        if self._given_backward:
            config["backward_layer"] = _serialize(self.backward_layer)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any],
                    custom_objects: dict | None = None) -> Bidirectional:
        config = dict(config)
        config.pop("dtype", None)
        config["layer"] = _deserialize(config["layer"], custom_objects)
        if config.get("backward_layer") is not None:
            config["backward_layer"] = _deserialize(config["backward_layer"], custom_objects)
        return cls(**config)


def _strip(name: str, prefix: str) -> str:
    return name[len(prefix):] if name.startswith(prefix) else name


def _clone(layer: Layer, name: str, **overrides: Any) -> Layer:
    """A fresh, unbuilt copy of `layer` from its config, renamed."""
    config = {**layer.get_config(), "name": name, **overrides}
    return type(layer).from_config(config)


def _serialize(layer: Layer) -> dict[str, Any]:
    return {"module": "deepfit.layers", "class_name": type(layer).__name__,
            "config": layer.get_config()}


_LAYERS["Bidirectional"] = Bidirectional
