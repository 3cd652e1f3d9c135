"""`Bidirectional`: a recurrent layer run forwards and a copy of it backwards, outputs merged."""

from __future__ import annotations

from typing import Any

import torch

from deepfit.layers.layer import Layer
from deepfit.layers.recurrent.base import _fused_call
from deepfit.layers.recurrent.rnn import _LAYERS, _CellLayer, _deserialize
from deepfit.ops import numpy_bridge

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

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The step mask for each sequence output (`return_sequences`); none for states."""
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        step_mask = mask if self.return_sequences else None
        outputs = [step_mask] if self.merge_mode is not None else [step_mask, step_mask]
        if self.return_state:
            outputs += [None] * (2 * len(self.forward_layer.state_size))
        return outputs if len(outputs) > 1 else outputs[0]

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
            starts = [numpy_bridge.as_tensor(s, device=x.device).to(x.dtype) for s in initial_state]
        count = len(forward.state_size)
        stacked = [torch.stack([starts[i], starts[count + i]]) for i in range(count)]
        outputs, finals = _fused_call(cell._fused_kind(), x, stacked, [cell, backward.cell],
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
