"""`SpectralNormalization`: divides a layer's kernel by its largest singular value, estimated by
power iteration, to bound the layer's Lipschitz constant (Miyato et al. 2018, for GANs).

As in Keras, each training call runs `power_iterations` steps of power iteration from the stored
vector `u`, then rescales the wrapped layer's kernel in place (no gradient through the
estimate) before calling the layer; inference calls use the kernel as it is.

Example:
    >>> layer = deepfit.layers.SpectralNormalization(deepfit.layers.Dense(8))
    >>> layer(torch.randn(4, 3), training=True).shape
    torch.Size([4, 8])
"""

from __future__ import annotations

from typing import Any

import torch

from deepfit import initializers
from deepfit.layers.input_spec import InputSpec
from deepfit.layers.layer import Layer
from deepfit.layers.wrapper import Wrapper

_EPSILON = 1e-7  # Keras's backend epsilon, which its L2 normalization clamps with


def _l2_normalize(x: torch.Tensor) -> torch.Tensor:
    """`x` over its whole L2 norm, as Keras's `normalize(x, axis=None)`."""
    return x * torch.rsqrt(torch.clamp(x.square().sum(), min=_EPSILON * _EPSILON))


class SpectralNormalization(Wrapper):
    """Spectral normalization of the `kernel` (or `embeddings`) of the wrapped layer.

    Args:
        layer: a layer with a `kernel` (Dense, Conv2D, ...) or `embeddings` (Embedding).
        power_iterations: power iteration steps per training call (a positive int).
        **kwargs: the base layer arguments.

    Example:
        >>> critic = deepfit.Sequential([
        ...     deepfit.Input((28, 28, 1)),
        ...     SpectralNormalization(deepfit.layers.Conv2D(32, 3)),
        ... ])
    """

    def __init__(self, layer: Layer, power_iterations: int = 1, **kwargs: Any) -> None:
        super().__init__(layer, **kwargs)
        if isinstance(power_iterations, bool) or not isinstance(power_iterations, int) or (
                power_iterations <= 0):
            raise ValueError(f"`power_iterations` should be greater than zero. Received: "
                             f"`power_iterations={power_iterations}`")
        self.power_iterations = power_iterations

    def build(self, input_shape: tuple) -> None:
        super().build(input_shape)
        self.input_spec = InputSpec(min_ndim=1, axes={-1: input_shape[-1]})
        for attribute in ("kernel", "embeddings"):
            weight = getattr(self.layer, attribute, None)
            if isinstance(weight, torch.Tensor):
                break
        else:
            raise ValueError(f"{type(self.layer).__name__} object has no attribute 'kernel' "
                             f"nor 'embeddings'")
        # The kernel is also this layer's own weight, first in `weights` as in Keras.
        self.kernel = weight
        self.kernel_shape = tuple(weight.shape)
        self.add_weight("vector_u", (1, self.kernel_shape[-1]),
                        initializers.TruncatedNormal(stddev=0.02), dtype=weight.dtype,
                        trainable=False)

    def call(self, inputs: torch.Tensor, training: bool | None = None) -> torch.Tensor:
        if training:
            with torch.no_grad():
                # an all-zero kernel stays as it is (Keras's cond), chosen without a Python
                # branch on the values so that jit_compile traces one graph
                vector_u, kernel = self.normalized_weights()
                zero = (self.kernel == 0).all()
                self.vector_u.copy_(torch.where(zero, self.vector_u, vector_u))
                self.kernel.copy_(torch.where(zero, self.kernel, kernel))
        output = self.layer(inputs)
        return output.to(inputs.dtype) if output.dtype != inputs.dtype else output

    def normalized_weights(self) -> tuple[torch.Tensor, torch.Tensor]:
        """One power-iteration estimate: (the new `u`, the kernel over its spectral norm)."""
        weights = self.kernel.detach().reshape(-1, self.kernel_shape[-1])
        vector_u = self.vector_u.detach()
        for _ in range(self.power_iterations):
            vector_v = _l2_normalize(vector_u @ weights.T)
            vector_u = _l2_normalize(vector_v @ weights)
        sigma = (vector_v @ weights) @ vector_u.T
        kernel = (self.kernel.detach() / sigma).reshape(self.kernel_shape)
        return vector_u, kernel

    def compute_output_shape(self, input_shape: Any) -> Any:
        return self.layer.compute_output_shape(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "power_iterations": self.power_iterations}
