"""`Wrapper`: the base class of layers that wrap another layer and change what it does (Keras's
`keras.layers.Wrapper`; `SpectralNormalization` is one).

Example:
    >>> class Doubled(deepfit.layers.Wrapper):
    ...     def call(self, inputs):
    ...         return 2 * self.layer(inputs)
    >>> Doubled(deepfit.layers.Dense(3))(torch.zeros(2, 4)).shape
    torch.Size([2, 3])
"""

from __future__ import annotations

from typing import Any

from deepfit.layers.layer import Layer


class Wrapper(Layer):
    """A layer around another layer, which it builds with its own input shape.

    Args:
        layer: the wrapped layer.
        **kwargs: the base layer arguments (name, trainable, ...).
    """

    def __init__(self, layer: Layer, **kwargs: Any) -> None:
        if not isinstance(layer, Layer):
            raise ValueError(f"Layer {layer!r} supplied to Wrapper isn't a supported layer type. "
                             f"Please ensure wrapped layer is a valid Keras layer.")
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape: Any = None) -> None:
        layer = self.layer
        if not layer.built:
            layer.build(input_shape)
            layer.built = True
            layer._build_input_shape = input_shape
            layer._sync_requires_grad()
        self.built = True

    def call(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        return self.layer(inputs, *args, **kwargs)

    def get_config(self) -> dict[str, Any]:
        from deepfit.layers import serialize

        return {**super().get_config(), "layer": serialize(self.layer)}

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict | None = None) -> Wrapper:
        from deepfit.layers import deserialize

        config = dict(config)
        config.pop("dtype", None)
        layer = config.pop("layer")
        if isinstance(layer, dict):
            layer = deserialize(layer, custom_objects=custom_objects)
        return cls(layer, **config)
