"""Normalization layers: BatchNormalization and LayerNormalization, with Keras's semantics.

BatchNormalization follows Keras 3, not torch: the moving statistics move as
`moving = moving * momentum + batch * (1 - momentum)` with the *biased* batch variance, only
while training, and a layer with `trainable=False` always runs in inference mode.

Example:
    >>> import deepfit
    >>> bn = deepfit.layers.BatchNormalization()
    >>> bn(torch.randn(32, 8), training=True).shape
    torch.Size([32, 8])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F

from deepfit import config, initializers
from deepfit.layers.affine_parameters import affine_config, set_affine_arguments
from deepfit.layers.layer import Layer

_HALF_TYPES = (torch.float16, torch.bfloat16)


def _check_number(layer: str, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{layer}: {name} must be a number, received {value!r}")
    return float(value)


def _incompatible(layer: Layer, expected: str, inputs: torch.Tensor) -> ValueError:
    return ValueError(
        f"Input 0 of layer '{layer.name}' is incompatible with the layer: {expected}. "
        f"Full shape received: {tuple(inputs.shape)}"
    )


def _with_mask(outputs: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """Pass a Keras mask on to the next layer (masks ride on the tensor as `_keras_mask`)."""
    if mask is not None:
        outputs._keras_mask = mask
    return outputs


class BatchNormalization(Layer):
    """Normalizes each feature with batch statistics while training, moving statistics otherwise.

    Training: `gamma * (x - mean(batch)) / sqrt(var(batch) + epsilon) + beta`, and
    `moving_mean = moving_mean * momentum + mean(batch) * (1 - momentum)` (the same for
    `moving_variance`, using the biased batch variance). Inference (or `trainable=False`):
    the same formula with the moving statistics.

    Args:
        axis: the features axis (normalized separately per index on it), -1 by default.
        momentum: the moving averages' momentum (Keras's meaning: the weight of the old value).
        epsilon: added to the variance before the square root.
        center: learn an offset `beta`.
        scale: learn a factor `gamma`.
        beta_initializer, gamma_initializer: initializers for `beta` and `gamma`.
        moving_mean_initializer, moving_variance_initializer: initializers for the statistics.
        beta_regularizer, gamma_regularizer: penalties added to the loss.
        beta_constraint, gamma_constraint: applied after each update.
        synchronized, renorm: accepted for Keras compatibility; only False is supported.

    Example:
        >>> layer = BatchNormalization(momentum=0.9)
        >>> _ = layer(torch.randn(16, 4) + 3.0, training=True)
        >>> bool((layer.moving_mean > 0.1).all())  # 10% of the way from 0 towards about 3
        True
    """

    supports_masking = True

    def __init__(
        self,
        axis: int = -1,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        moving_mean_initializer: Any = "zeros",
        moving_variance_initializer: Any = "ones",
        beta_regularizer: Any = None,
        gamma_regularizer: Any = None,
        beta_constraint: Any = None,
        gamma_constraint: Any = None,
        renorm: bool = False,
        renorm_clipping: dict | None = None,
        renorm_momentum: float = 0.99,
        synchronized: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise ValueError(f"BatchNormalization: axis must be an int, received {axis!r}")
        if renorm:
            raise ValueError("BatchNormalization: renorm=True is not supported by deepfit; "
                             "received renorm=True (use renorm=False)")
        if synchronized:
            raise ValueError("BatchNormalization: synchronized=True is only supported by "
                             "TensorFlow; received synchronized=True")
        self.axis = axis
        self.momentum = _check_number("BatchNormalization", "momentum", momentum)
        self.epsilon = _check_number("BatchNormalization", "epsilon", epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        set_affine_arguments(self, beta_initializer, gamma_initializer, beta_regularizer,
                             gamma_regularizer, beta_constraint, gamma_constraint)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.renorm = False
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = renorm_momentum
        self.synchronized = False

    def build(self, input_shape: tuple) -> None:
        ndim = len(input_shape)
        if not -ndim <= self.axis < ndim:
            raise ValueError(f"BatchNormalization '{self.name}': axis {self.axis} is out of "
                             f"bounds for input shape {tuple(input_shape)}")
        self._axis = self.axis % ndim
        features = input_shape[self._axis]
        if features is None:
            raise ValueError(f"BatchNormalization '{self.name}': the size of axis {self.axis} "
                             f"must be known, received input shape {tuple(input_shape)}")
        if self.scale:
            self.add_weight("gamma", (features,), self.gamma_initializer,
                            regularizer=self.gamma_regularizer, constraint=self.gamma_constraint)
        if self.center:
            self.add_weight("beta", (features,), self.beta_initializer,
                            regularizer=self.beta_regularizer, constraint=self.beta_constraint)
        self.add_weight("moving_mean", (features,), self.moving_mean_initializer,
                        trainable=False)
        self.add_weight("moving_variance", (features,), self.moving_variance_initializer,
                        trainable=False)
        self._ndim = ndim
        self._features = features
        self.built = True  # a later call must not build again (Keras's explicit `build`)

    def call(self, inputs: torch.Tensor, training: bool | None = None,
             mask: torch.Tensor | None = None) -> torch.Tensor:
        if inputs.dim() != self._ndim:
            raise _incompatible(self, f"expected ndim={self._ndim}, found ndim={inputs.dim()}",
                                inputs)
        if inputs.shape[self._axis] != self._features:
            raise _incompatible(self, f"expected axis {self.axis} of input shape to have value "
                                      f"{self._features}", inputs)
        if mask is None:
            mask = getattr(inputs, "_keras_mask", None)
        if mask is not None and mask.dim() != inputs.dim() - 1:
            raise ValueError(
                f"BatchNormalization '{self.name}': the mask must have one dimension less than "
                f"the inputs, received mask shape {tuple(mask.shape)} and input shape "
                f"{tuple(inputs.shape)}")
        x = inputs.float() if inputs.dtype in _HALF_TYPES else inputs
        if training and self.trainable:
            outputs = self._normalize_training(x, mask)
        else:
            outputs = self._normalize(x, self.moving_mean, self.moving_variance)
        return _with_mask(outputs.to(inputs.dtype), mask)

    # ----------------------------------------------------------------- computation
    def _normalize_training(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        count = x.numel() // self._features
        if mask is None and count > 1 and x.dim() >= 2:
            return self._fused_training(x, count)
        mean, variance = self._moments(x, mask)
        self._update_moving(mean.detach(), variance.detach())
        return self._normalize(x, mean, variance)

    def _fused_training(self, x: torch.Tensor, count: int) -> torch.Tensor:
        # torch's kernel keeps the *unbiased* variance in its running buffer; with momentum 1
        # the buffers receive exactly this batch's mean and unbiased variance, which we rescale.
        mean = torch.zeros(self._features, device=x.device, dtype=x.dtype)
        variance = torch.ones(self._features, device=x.device, dtype=x.dtype)
        moved, restore = self._channels_second(x)
        outputs = F.batch_norm(moved, mean, variance, self.gamma, self.beta, True, 1.0,
                               self.epsilon)
        self._update_moving(mean, variance * ((count - 1) / count))
        return restore(outputs)

    def _moments(self, x: torch.Tensor, mask: torch.Tensor | None) -> tuple:
        dims = [d for d in range(x.dim()) if d != self._axis]
        if mask is None:
            variance, mean = torch.var_mean(x, dim=dims, correction=0)
            return mean, variance
        weights = mask.unsqueeze(-1).expand_as(x).to(x.dtype)
        total = weights.sum(dim=dims) + config.epsilon()
        mean = (x * weights).sum(dim=dims) / total
        centered = (x - self._broadcast(mean, x)) * weights
        variance = centered.square().sum(dim=dims) / total
        return mean, variance

    def _update_moving(self, mean: torch.Tensor, variance: torch.Tensor) -> None:
        momentum = self.momentum
        with torch.no_grad():
            self.moving_mean.mul_(momentum).add_(mean.to(self.moving_mean.dtype),
                                                 alpha=1.0 - momentum)
            self.moving_variance.mul_(momentum).add_(variance.to(self.moving_variance.dtype),
                                                     alpha=1.0 - momentum)

    def _normalize(self, x: torch.Tensor, mean: torch.Tensor,
                   variance: torch.Tensor) -> torch.Tensor:
        # torch's kernel takes no gradient through its statistics: masked batch moments use
        # the formula below.
        if x.dim() >= 2 and mean.dim() == 1 and not (mean.requires_grad or variance.requires_grad):
            moved, restore = self._channels_second(x)
            return restore(F.batch_norm(moved, mean, variance, self.gamma, self.beta, False,
                                        0.0, self.epsilon))
        factor = torch.rsqrt(variance + self.epsilon)
        if self.gamma is not None:
            factor = factor * self.gamma
        outputs = (x - self._broadcast(mean, x)) * self._broadcast(factor, x)
        if self.beta is not None:
            outputs = outputs + self._broadcast(self.beta, x)
        return outputs

    def _channels_second(self, x: torch.Tensor) -> tuple:
        """`x` laid out as torch's batch_norm wants (features on axis 1), and the way back."""
        if self._axis == x.dim() - 1:
            # Features last (Keras's default): a (rows, features) view is the fastest layout.
            shape = x.shape
            return x.reshape(-1, self._features), lambda y: y.reshape(shape)
        if self._axis == 1:
            return x, lambda y: y
        axis = self._axis
        return x.movedim(axis, 1), lambda y: y.movedim(1, axis)

    def _broadcast(self, vector: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        shape = [1] * x.dim()
        shape[self._axis] = self._features
        return vector.reshape(shape)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            **affine_config(self),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(
                self.moving_variance_initializer),
            "synchronized": self.synchronized,
            "renorm": self.renorm,
            "renorm_clipping": self.renorm_clipping,
            "renorm_momentum": self.renorm_momentum,
        }


class LayerNormalization(Layer):
    """Normalizes each sample over `axis`: `gamma * (x - mean) / sqrt(var + epsilon) + beta`.

    Args:
        axis: the axis or axes to normalize over (and that `gamma`/`beta` span), -1 by default.
        epsilon: added to the variance before the square root.
        center: learn an offset `beta`.
        scale: learn a factor `gamma`.
        rms_scaling: Keras's deprecated variant: `x * rsqrt(var + epsilon) * gamma`, no centering
            and no `beta`.
        beta_initializer, gamma_initializer: initializers for `beta` and `gamma`.
        beta_regularizer, gamma_regularizer: penalties added to the loss.
        beta_constraint, gamma_constraint: applied after each update.

    Example:
        >>> LayerNormalization()(torch.randn(2, 5, 8)).shape
        torch.Size([2, 5, 8])
    """

    supports_masking = True

    def __init__(
        self,
        axis: int | Sequence[int] = -1,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        rms_scaling: bool = False,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        beta_regularizer: Any = None,
        gamma_regularizer: Any = None,
        beta_constraint: Any = None,
        gamma_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)) and all(
            isinstance(a, int) and not isinstance(a, bool) for a in axis
        ):
            self.axis: int | list[int] = list(axis)
        elif isinstance(axis, int) and not isinstance(axis, bool):
            self.axis = axis
        else:
            raise TypeError(f"LayerNormalization: axis must be an int or a list/tuple of ints, "
                            f"received {axis!r}")
        self.epsilon = _check_number("LayerNormalization", "epsilon", epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.rms_scaling = bool(rms_scaling)
        set_affine_arguments(self, beta_initializer, gamma_initializer, beta_regularizer,
                             gamma_regularizer, beta_constraint, gamma_constraint)

    def build(self, input_shape: tuple) -> None:
        ndim = len(input_shape)
        axes = [self.axis] if isinstance(self.axis, int) else list(self.axis)
        if any(not -ndim <= a < ndim for a in axes):
            raise ValueError(f"LayerNormalization '{self.name}': axis {self.axis} is out of "
                             f"bounds for input shape {tuple(input_shape)}")
        axes = sorted(a % ndim for a in axes)
        if len(set(axes)) != len(axes):
            raise ValueError(f"LayerNormalization '{self.name}': duplicate axes are not "
                             f"allowed, received axis={self.axis}")
        shape = tuple(input_shape[a] for a in axes)
        if any(d is None for d in shape):
            raise ValueError(f"LayerNormalization '{self.name}': the normalized axes must have "
                             f"known sizes, received input shape {tuple(input_shape)}")
        self.axis = axes  # Keras keeps the canonical, sorted axes (and reports them in config)
        self._ndim = ndim
        self._shape = shape
        if self.scale or self.rms_scaling:
            self.add_weight("gamma", shape, self.gamma_initializer,
                            regularizer=self.gamma_regularizer, constraint=self.gamma_constraint)
        if self.center and not self.rms_scaling:
            self.add_weight("beta", shape, self.beta_initializer,
                            regularizer=self.beta_regularizer, constraint=self.beta_constraint)
        self.built = True

    def call(self, inputs: torch.Tensor) -> torch.Tensor:
        if inputs.dim() != self._ndim:
            raise _incompatible(self, f"expected ndim={self._ndim}, found ndim={inputs.dim()}",
                                inputs)
        if tuple(inputs.shape[a] for a in self.axis) != self._shape:
            raise _incompatible(self, f"expected axes {self.axis} of input shape to have "
                                      f"values {self._shape}", inputs)
        x = inputs.float() if inputs.dtype in _HALF_TYPES else inputs
        trailing = list(range(self._ndim - len(self.axis), self._ndim))
        moved = x if self.axis == trailing else x.movedim(self.axis, trailing)
        if self.rms_scaling:
            dims = tuple(trailing)
            variance = moved.var(dim=dims, keepdim=True, correction=0)
            outputs = moved * torch.rsqrt(variance + self.epsilon) * self.gamma
        else:
            outputs = F.layer_norm(moved, self._shape, self.gamma, self.beta, self.epsilon)
        if self.axis != trailing:
            outputs = outputs.movedim(trailing, self.axis)
        return _with_mask(outputs.to(inputs.dtype), getattr(inputs, "_keras_mask", None))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "rms_scaling": self.rms_scaling,
            **affine_config(self),
        }
