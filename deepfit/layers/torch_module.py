"""`TorchModule`: any `torch.nn.Module` as a deepfit layer, so its parameters train, count in
`count_params()` and save with the model.

Torch modules join a model where deepfit owns the call: in a `Sequential` they are wrapped
automatically, assigned to a layer's attribute they are tracked as sublayers, and in a
Functional graph they are wrapped explicitly with `TorchModule(module)(x)` (calling a bare torch
module on a symbolic input raises an error saying so). deepfit never patches torch itself.

Example:
    >>> model = deepfit.Sequential([deepfit.Input((4,)), torch.nn.Linear(4, 8), torch.nn.ReLU(),
    ...                             deepfit.layers.Dense(1)])
    >>> inputs = deepfit.Input((4,))
    >>> hidden = deepfit.layers.TorchModule(torch.nn.Linear(4, 8))(inputs)
"""

from __future__ import annotations

from typing import Any

import torch

from deepfit.layers.layer import Layer


class TorchModule(Layer):
    """Wraps a PyTorch module; its `forward` is the layer's call.

    Args:
        module: the `torch.nn.Module` to wrap (lazy modules are materialized on the first call).
        name: the layer's name.
    """

    def __init__(self, module: torch.nn.Module, **kwargs: Any) -> None:
        if not isinstance(module, torch.nn.Module):
            raise TypeError(f"TorchModule: expected a torch.nn.Module, received "
                            f"{type(module).__name__}")
        super().__init__(**kwargs)
        self.module = module

    def build(self, input_shape: Any) -> None:
        self.built = True

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        if self.module.training != bool(training):
            self.module.train(bool(training))
        return self.module(inputs)

    def _collect(self, trainable: bool | None) -> list[torch.nn.Parameter]:
        params = list(self.module.parameters())
        if trainable is None:
            return params
        if trainable:
            return [p for p in params if p.requires_grad and self.trainable]
        return [p for p in params if not (p.requires_grad and self.trainable)]

    def _sync_requires_grad(self) -> None:
        for param in self.module.parameters():
            param.requires_grad_(self.trainable)

    def get_config(self) -> dict[str, Any]:
        raise NotImplementedError(
            f"TorchModule '{self.name}' wraps {type(self.module).__name__}, which cannot be "
            "described by a config; save its weights with save_weights() instead"
        )
