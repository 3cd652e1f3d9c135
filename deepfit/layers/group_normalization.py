"""GroupNormalization: normalizes each sample within groups of channels, as Keras's layer.

The channels on `axis` are split into `groups` consecutive groups; each sample's group is
normalized with its own mean and (biased) variance over the group's channels and every other
non-batch axis, then scaled and shifted per channel by `gamma` and `beta`. `groups=1` is close to
LayerNormalization over all axes, `groups=-1` (one channel per group) is instance normalization.

Example:
    >>> layer = GroupNormalization(groups=2)
    >>> layer(torch.randn(4, 10, 6)).shape
    torch.Size([4, 10, 6])
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from deepfit.layers.affine_parameters import affine_config, set_affine_arguments
from deepfit.layers.layer import Layer
from deepfit.layers.normalization import _check_number, _incompatible

_HALF_TYPES = (torch.float16, torch.bfloat16)


class GroupNormalization(Layer):
    """Group normalization (Wu & He, 2018): per-sample statistics over groups of channels.

    Args:
        groups: the number of groups, dividing the channels on `axis` evenly; -1 makes one
            group per channel (instance normalization). 32 by default.
        axis: the channels axis, -1 by default.
        epsilon: added to the variance before the square root.
        center: learn a per-channel offset `beta`.
        scale: learn a per-channel factor `gamma`.
        beta_initializer, gamma_initializer: initializers for `beta` and `gamma`.
        beta_regularizer, gamma_regularizer: penalties added to the loss.
        beta_constraint, gamma_constraint: applied after each update.

    Example:
        >>> out = GroupNormalization(groups=4)(torch.randn(2, 8, 8, 16))
        >>> tuple(out.shape)
        (2, 8, 8, 16)
    """

    supports_masking = True

    def __init__(
        self,
        groups: int = 32,
        axis: int = -1,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        beta_regularizer: Any = None,
        gamma_regularizer: Any = None,
        beta_constraint: Any = None,
        gamma_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        if (isinstance(groups, bool) or not isinstance(groups, int)
                or (groups <= 0 and groups != -1)):
            raise ValueError(f"Received an invalid value for argument `groups`, expected a "
                             f"positive integer (or `-1` for instance normalization). "
                             f"Received: groups={groups!r} (GroupNormalization)")
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError(f"GroupNormalization: axis must be an int (the channels axis), "
                            f"received axis={axis!r}")
        super().__init__(**kwargs)
        self.groups = groups
        self.axis = axis
        self.epsilon = _check_number("GroupNormalization", "epsilon", epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        set_affine_arguments(self, beta_initializer, gamma_initializer, beta_regularizer,
                             gamma_regularizer, beta_constraint, gamma_constraint)

    def build(self, input_shape: tuple) -> None:
        ndim = len(input_shape)
        if not -ndim < self.axis < ndim or self.axis % ndim == 0:
            raise ValueError(f"GroupNormalization '{self.name}': axis {self.axis} must name a "
                             f"non-batch axis of the input; received input shape "
                             f"{tuple(input_shape)}")
        channels = input_shape[self.axis]
        if channels is None:
            raise ValueError(f"GroupNormalization '{self.name}': axis {self.axis} of the input "
                             f"must have a defined dimension; received input shape "
                             f"{tuple(input_shape)}")
        groups = channels if self.groups == -1 else self.groups
        if channels < groups:
            raise ValueError(f"GroupNormalization '{self.name}': the number of groups "
                             f"({groups}) cannot be more than the number of channels "
                             f"({channels}, axis {self.axis} of input shape "
                             f"{tuple(input_shape)})")
        if channels % groups:
            raise ValueError(f"GroupNormalization '{self.name}': the number of channels "
                             f"({channels}, axis {self.axis} of input shape "
                             f"{tuple(input_shape)}) must be a multiple of the number of "
                             f"groups ({groups})")
        self.groups = groups  # Keras resolves -1 at build and reports the count in its config
        self._ndim, self._axis, self._channels = ndim, self.axis % ndim, channels
        if self.scale:
            self.add_weight("gamma", (channels,), self.gamma_initializer,
                            regularizer=self.gamma_regularizer, constraint=self.gamma_constraint)
        if self.center:
            self.add_weight("beta", (channels,), self.beta_initializer,
                            regularizer=self.beta_regularizer, constraint=self.beta_constraint)
        self.built = True  # a later call must not build again (Keras's explicit `build`)

    def call(self, inputs: torch.Tensor) -> torch.Tensor:
        if inputs.dim() != self._ndim:
            raise _incompatible(self, f"expected ndim={self._ndim}, found ndim={inputs.dim()}",
                                inputs)
        if inputs.shape[self._axis] != self._channels:
            raise _incompatible(self, f"expected axis {self.axis} of input shape to have value "
                                      f"{self._channels}", inputs)
        x = inputs.float() if inputs.dtype in _HALF_TYPES else inputs
        # torch's kernel wants (batch, channels, *rest): the same groups and statistics
        moved = x if self._axis == 1 else x.movedim(self._axis, 1)
        outputs = F.group_norm(moved, self.groups, self.gamma, self.beta, self.epsilon)
        if self._axis != 1:
            outputs = outputs.movedim(1, self._axis)
        return outputs.to(inputs.dtype)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "groups": self.groups,
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            **affine_config(self),
        }
