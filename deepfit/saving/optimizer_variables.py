"""An optimizer's state as Keras's flat variable list (`optimizer/vars/0..n` in the HDF5 file).

Keras numbers the variables in creation order: the iteration count, the learning rate (unless
it is a schedule), then the per-weight slots — moving averages (`use_ema`) and gradient
accumulators first, then each optimizer's own slots. Slots created together are interleaved
weight by weight (Adam: momentum₀, velocity₀, momentum₁, velocity₁, ...). Weights are in the
order of the model's trainable weights as Keras lists them.

Example:
    >>> arrays = optimizer_arrays(model.optimizer, keras_trainable_weights(model))
    >>> int(arrays[0])  # iterations
    120
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

# Each optimizer's slots, grouped as Keras creates them (one group per creation call).
_SLOT_GROUPS: dict[str, list[list[str]]] = {
    "SGD": [["momentum"]],
    "Adam": [["momentum", "velocity"], ["velocity_hat"]],
    "RMSprop": [["velocity"], ["momentum"], ["average_gradient"]],
    "Adagrad": [["accumulator"]],
    "Adadelta": [["accumulated_grad", "accumulated_delta_var"]],
    "Adamax": [["momentum", "norm"]],
    "Nadam": [["momentum", "velocity"]],
}
_BASE_GROUPS = [["average"], ["gradient_accumulator"]]


def _layout(optimizer: Any, slots: Sequence[str]) -> list[list[str]]:
    groups = next((_SLOT_GROUPS[k.__name__] for k in type(optimizer).__mro__
                   if k.__name__ in _SLOT_GROUPS), None)
    if groups is None:
        groups = [[name] for name in slots if name not in ("average", "gradient_accumulator")]
    present = [[name for name in group if name in slots] for group in _BASE_GROUPS + groups]
    return [group for group in present if group]


def _slot_names(state: dict[str, Any]) -> list[str]:
    names: list[str] = []
    for key in state:
        if "." in key:
            name = key.rsplit(".", 1)[0]
            if name not in names:
                names.append(name)
    return names


def _indices(model_weights: Sequence[torch.Tensor],
             keras_weights: Sequence[torch.Tensor]) -> list[int]:
    position = {id(w): i for i, w in enumerate(model_weights)}
    return [position[id(w)] for w in keras_weights]


def optimizer_arrays(optimizer: Any, model: Any, keras_weights: Sequence[torch.Tensor]
                     ) -> list[np.ndarray]:
    """The optimizer's variables in Keras's order, as arrays.

    Args:
        optimizer: a deepfit optimizer (built or not).
        model: the model it trains (its `trainable_weights` are what the optimizer was
            built on).
        keras_weights: the model's trainable weights in Keras's order.

    Returns:
        `[iterations, learning_rate?, slots..., (Nadam: u_product)]`.
    """
    if optimizer.built:
        optimizer.build(model.trainable_weights)  # no-op unless the trainable set changed
    state = optimizer.get_state()
    arrays = [np.asarray(state["iterations"], dtype=np.int64)]
    if "learning_rate" in state:
        arrays.append(np.asarray(state["learning_rate"], dtype=np.float32))
    if not optimizer.built:
        return arrays
    order = _indices(model.trainable_weights, keras_weights)
    for group in _layout(optimizer, _slot_names(state)):
        for i in order:
            for name in group:
                if f"{name}.{i}" in state:  # a MultiOptimizer's slots cover some variables
                    arrays.append(state[f"{name}.{i}"].detach().cpu().numpy())
    if _is_nadam(optimizer):
        arrays.append(np.asarray(_u_product(optimizer, int(state["iterations"])),
                                 dtype=np.float32))
    return arrays


def load_optimizer_arrays(optimizer: Any, model: Any, keras_weights: Sequence[torch.Tensor],
                          arrays: Sequence[np.ndarray], source: str) -> bool:
    """Set the optimizer's state from Keras-ordered arrays (builds the optimizer if needed).

    A count that does not match (say, a file saved before the optimizer took a step) is
    skipped with a warning, as Keras does.

    Args:
        optimizer: the model's optimizer.
        model: the model.
        keras_weights: the model's trainable weights in Keras's order.
        arrays: the stored variables, `optimizer/vars/0..n`.
        source: the file, for messages.

    Returns:
        Whether the state was loaded.
    """
    if model.trainable_weights:
        optimizer.build(model.trainable_weights)  # as Keras's compile_from_config does
    if not optimizer.built:
        return False
    state = optimizer.get_state()
    expected = optimizer_arrays(optimizer, model, keras_weights)
    scalars = 2 if "learning_rate" in state else 1
    if len(arrays) == scalars < len(expected) and int(np.asarray(arrays[0])) == 0:
        return False  # saved before its first step: the fresh state is that state
    if len(arrays) != len(expected):
        warnings.warn(
            f"Skipping the optimizer state in {source}: optimizer '{optimizer.name}' has "
            f"{len(expected)} variables, the file has {len(arrays)}", stacklevel=3)
        return False
    for k, (have, want) in enumerate(zip(arrays, expected)):
        if tuple(np.shape(have)) != tuple(np.shape(want)):
            warnings.warn(
                f"Skipping the optimizer state in {source}: variable {k} has shape "
                f"{tuple(np.shape(have))}, expected {tuple(np.shape(want))}", stacklevel=3)
            return False
    new_state: dict[str, Any] = {"iterations": int(np.asarray(arrays[0]))}
    position = 1
    if "learning_rate" in state:
        rate = float(np.asarray(arrays[1]))
        # float32 in the file: keep the exact current value when it is the same number.
        same = np.float32(state["learning_rate"]) == np.float32(rate)
        new_state["learning_rate"] = state["learning_rate"] if same else rate
        position = 2
    order = _indices(model.trainable_weights, keras_weights)
    for group in _layout(optimizer, _slot_names(state)):
        for i in order:
            for name in group:
                if f"{name}.{i}" in state:
                    new_state[f"{name}.{i}"] = torch.as_tensor(np.array(arrays[position]))
                    position += 1
    optimizer.set_state(new_state)
    return True


def _is_nadam(optimizer: Any) -> bool:
    return any(k.__name__ == "Nadam" for k in type(optimizer).__mro__)


def _u_product(optimizer: Any, steps: int) -> float:
    product = 1.0
    for t in range(1, steps + 1):
        product *= optimizer.beta_1 * (1.0 - 0.5 * 0.96**t)
        if product == 0.0:
            break
    return product
