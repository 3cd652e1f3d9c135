"""`TorchModule`: any `torch.nn.Module` as a deepfit layer, so its parameters train, count in
`count_params()` and save with the model; `TorchModuleWrapper` is Keras's spelling of it.

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


class TorchModuleWrapper(TorchModule):
    """Keras's `keras.layers.TorchModuleWrapper`: a torch module as a layer, with Keras's call.

    As in Keras, the module runs in training mode unless the call says `training=False`, extra
    positional and keyword arguments go to its `forward`, and an uninitialized lazy module is
    refused. Its weights save with the model (`save_weights`); its config, which Keras writes
    as a pickled module, is not provided.

    Args:
        module: the `torch.nn.Module` to wrap.
        name: the layer's name.
        output_shape: the output shape `compute_output_shape` reports (None: found by running
            the module).

    Example:
        >>> layer = TorchModuleWrapper(torch.nn.Linear(4, 2))
        >>> layer(torch.ones(3, 4)).shape
        torch.Size([3, 2])
    """

    def __init__(self, module: torch.nn.Module, name: str | None = None,
                 output_shape: Any = None, **kwargs: Any) -> None:
        if isinstance(module, torch.nn.modules.lazy.LazyModuleMixin) and (
                module.has_uninitialized_params()):
            raise ValueError(f"LazyModules are not supported unless they are already "
                             f"initialized. Received uninitialized LazyModule: module={module}")
        super().__init__(module, name=name, **kwargs)
        self.output_shape_arg = output_shape

    def call(self, *args: Any, training: bool | None = None, **kwargs: Any) -> Any:
        self.module.train(training is not False)
        return self.module(*args, **kwargs)

    def compute_output_shape(self, input_shape: Any) -> Any:
        if self.output_shape_arg is None:
            return super().compute_output_shape(input_shape)
        return self.output_shape_arg

