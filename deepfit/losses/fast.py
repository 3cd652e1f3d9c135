"""Fused single-kernel means for the training loop's common loss cases."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from deepfit.losses.functions import (
    binary_crossentropy,
    categorical_crossentropy,
    mean_absolute_error,
    mean_squared_error,
    sparse_categorical_crossentropy,
)

# ----------------------------------------------------------------------------- fast paths
# The training loop's common case — one float32 output, tensor labels of the expected shape, no
# sample weights, default options — reduced with a single fused kernel. Each returns the same
# value as the general path (tests check this) or None to fall back to it.


def _fast_sparse_ce(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    if ignore_class is not None or axis != -1 or y_pred.dim() != 2:
        return None
    logits = y_pred if from_logits else getattr(y_pred, "_keras_logits", None)
    if logits is None or logits.dtype != torch.float32 or y_true.numel() != y_pred.shape[0]:
        return None
    target = y_true.reshape(-1)
    if target.dtype != torch.long:
        target = target.long()
    return F.cross_entropy(logits, target)


def _fast_categorical_ce(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    if label_smoothing or axis != -1 or y_pred.dim() != 2 or y_true.shape != y_pred.shape:
        return None
    logits = y_pred if from_logits else getattr(y_pred, "_keras_logits", None)
    if logits is None or logits.dtype != torch.float32 or not y_true.is_floating_point():
        return None
    return F.cross_entropy(logits, y_true)


def _fast_binary_ce(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    if label_smoothing or axis != -1 or y_true.numel() != y_pred.numel():
        return None
    logits = y_pred if from_logits else getattr(y_pred, "_keras_logits", None)
    if logits is None or logits.dtype != torch.float32:
        return None
    target = y_true.reshape(logits.shape)
    if target.dtype != torch.float32:
        target = target.float()
    return F.binary_cross_entropy_with_logits(logits, target)


def _fast_mse(y_true, y_pred):
    if y_true.numel() != y_pred.numel() or y_pred.dim() < 2 or y_true.dim() < 1:
        return None
    target = y_true.reshape(y_pred.shape)
    return F.mse_loss(y_pred, target if target.dtype == y_pred.dtype else target.to(y_pred.dtype))


def _fast_mae(y_true, y_pred):
    if y_true.numel() != y_pred.numel() or y_pred.dim() < 2 or y_true.dim() < 1:
        return None
    target = y_true.reshape(y_pred.shape)
    return F.l1_loss(y_pred, target if target.dtype == y_pred.dtype else target.to(y_pred.dtype))


_FAST_MEANS = {
    sparse_categorical_crossentropy: _fast_sparse_ce,
    categorical_crossentropy: _fast_categorical_ce,
    binary_crossentropy: _fast_binary_ce,
    mean_squared_error: _fast_mse,
    mean_absolute_error: _fast_mae,
}
