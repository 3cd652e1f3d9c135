"""The recurrent cells: SimpleRNNCell, LSTMCell, GRUCell (one time step each, Keras's weight layout
and gate order).
"""

from __future__ import annotations

from typing import Any

import torch

from deepfit import activations
from deepfit.layers.layer import Layer
from deepfit.layers.recurrent.base import (
    _dropout_masks,
    _gate_matmul,
    _gate_matmul_seq,
    _is,
    _positive_int,
    _rate,
    set_weight_arguments,
    weight_arguments_config,
)


def forget_bias_initializer(base: Any, units: int) -> Any:
    """An LSTM bias initializer (gates i, f, c, o of `units` each) with the forget gate at 1 and
    the rest from `base` (Keras's `unit_forget_bias`)."""

    def forget_bias_one(shape, dtype=None, device=None):
        return torch.cat([base((units,), dtype=dtype, device=device),
                          torch.ones(units, dtype=dtype, device=device),
                          base((2 * units,), dtype=dtype, device=device)])

    return forget_bias_one


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
        set_weight_arguments(self, kernel_initializer, recurrent_initializer, bias_initializer,
                             kernel_regularizer, recurrent_regularizer, bias_regularizer,
                             kernel_constraint, recurrent_constraint, bias_constraint)
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
        self.built = True  # a later call must not build again (Keras's explicit `build`)

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
            **weight_arguments_config(self),
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
        return forget_bias_initializer(self.bias_initializer, self.units)

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
