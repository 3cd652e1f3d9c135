"""`Embedding`: turns integer token ids into dense vectors, optionally masking id 0.

With `mask_zero=True` the output tensor carries the mask `inputs != 0` as its `_keras_mask`
attribute, which the recurrent layers (and others that take masks) read to skip padding.

Example:
    >>> import deepfit
    >>> layer = deepfit.layers.Embedding(1000, 16, mask_zero=True)
    >>> out = layer(torch.tensor([[5, 7, 0, 0]]))
    >>> out.shape, out._keras_mask
    (torch.Size([1, 4, 16]), tensor([[ True,  True, False, False]]))
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from deepfit import constraints, initializers, regularizers
from deepfit.backend.tape import recording
from deepfit.layers.layer import Layer


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"Embedding: {name} must be a positive int, received {value!r} "
                         f"(of type {type(value).__name__})")
    return value


def _adds_into_dense_grad(weight: torch.Tensor, ids: torch.Tensor) -> bool:
    """Whether backward will add this weight's gradient into an existing dense `.grad` on CPU
    (the optimizer's flat gradient buffer), where adding the looked-up rows in place is the
    cheaper form.

    Why: a dense embedding gradient costs a zero fill of the whole matrix, the scatter of the
    looked-up rows, then a second full pass adding it into `.grad`; adding the rows straight
    into `.grad` touches only them (same sums, in the same order). Under a GradientTape the
    gradient is handed to the user, and under torch.distributed DDP's hooks wait for it, so it
    stays an ordinary dense gradient there.
    """
    if torch.compiler.is_compiling():  # first: torch.compile cannot trace `.grad` reads
        return False
    grad = weight.grad
    if grad is None or grad.layout != torch.strided or recording():
        return False
    return (type(ids) is torch.Tensor and weight.device.type == "cpu" and weight.requires_grad
            and torch.is_grad_enabled()
            and not (torch.distributed.is_available() and torch.distributed.is_initialized()))


class _LookupAddingIntoGrad(torch.autograd.Function):
    """`F.embedding` whose backward adds the gradient's rows into `weight.grad` in place
    (`index_add_`, the sum torch's dense CPU backward computes, in its order) and hands
    autograd no weight gradient; a dense one if `.grad` is gone by then."""

    @staticmethod
    def forward(ctx: Any, ids: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(ids)
        ctx.weight = weight
        return F.embedding(ids, weight)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[None, torch.Tensor | None]:
        (ids,) = ctx.saved_tensors
        weight = ctx.weight
        rows, flat = ids.reshape(-1), grad.reshape(-1, grad.shape[-1])
        target = weight.grad
        if target is None or target.layout != torch.strided:
            return None, torch.zeros_like(weight).index_add_(0, rows, flat)
        target.index_add_(0, rows, flat)
        return None, None


class Embedding(Layer):
    """Looks up row `i` of an `(input_dim, output_dim)` matrix for each id `i`.

    Args:
        input_dim: the vocabulary size (ids are in `[0, input_dim)`).
        output_dim: the width of each vector.
        embeddings_initializer: 'uniform' (in [-0.05, 0.05]) by default.
        embeddings_regularizer: a penalty on the matrix added to the loss.
        embeddings_constraint: applied to the matrix after each update.
        mask_zero: treat id 0 as padding: the output carries the mask `inputs != 0`.
        weights: optional initial value, `[matrix]` or the matrix.
        input_length: accepted for compatibility with old Keras code (ignored).

    Example:
        >>> Embedding(10, 3)(torch.tensor([[1, 2], [3, 4]])).shape
        torch.Size([2, 2, 3])
    """

    #: Ids must stay integers.
    autocast_inputs = False

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        embeddings_initializer: Any = "uniform",
        embeddings_regularizer: Any = None,
        embeddings_constraint: Any = None,
        mask_zero: bool = False,
        weights: Any = None,
        lora_rank: int | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("input_length", None)
        activity_regularizer = kwargs.pop("activity_regularizer", None)
        super().__init__(**kwargs)
        self.input_dim = _positive_int("input_dim", input_dim)
        self.output_dim = _positive_int("output_dim", output_dim)
        if lora_rank is not None:
            raise ValueError(f"Embedding: lora_rank is not supported by deepfit, received "
                             f"{lora_rank!r} (use None)")
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.mask_zero = bool(mask_zero)
        if weights is not None:
            self.build(None)
            self.built = True
            self._sync_requires_grad()
            self.set_weights(weights if isinstance(weights, list) and len(weights) == 1
                             else [weights])

    def build(self, input_shape: Any = None) -> None:
        if "embeddings" in self._parameters:
            return
        self.add_weight("embeddings", (self.input_dim, self.output_dim),
                        self.embeddings_initializer, regularizer=self.embeddings_regularizer,
                        constraint=self.embeddings_constraint)

    def call(self, inputs: torch.Tensor) -> torch.Tensor:
        ids = inputs if inputs.dtype in (torch.int32, torch.int64) else inputs.long()
        in_place = _adds_into_dense_grad(self.embeddings, ids)
        try:
            outputs = (_LookupAddingIntoGrad.apply(ids, self.embeddings) if in_place
                       else F.embedding(ids, self.embeddings))
        except IndexError as err:  # torch's "index out of range in self" names nothing
            low, high = int(ids.min()), int(ids.max())
            raise IndexError(f"Embedding '{self.name}': every index must be in [0, "
                             f"{self.input_dim}) (input_dim={self.input_dim}); received indices "
                             f"from {low} to {high}") from err
        if self.mask_zero:
            outputs._keras_mask = self.compute_mask(ids)
        return outputs

    def compute_mask(self, inputs: torch.Tensor, mask: Any = None) -> torch.Tensor | None:
        """`inputs != 0` when `mask_zero`, else None.

        Args:
            inputs: the ids.
            mask: ignored (an Embedding starts a mask, it does not take one).

        Returns:
            A boolean tensor shaped like `inputs`, or None.
        """
        if not self.mask_zero:
            return None
        return inputs != 0

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (*input_shape, self.output_dim)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
        }
