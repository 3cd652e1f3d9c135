"""Fused per-batch values for the training loop's common metric cases."""

from __future__ import annotations

import torch

from deepfit import losses
from deepfit.metrics.accuracy_functions import (
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
)

# ----------------------------------------------------------------------------- fast paths
# (sum of per-sample values, number of samples) for unweighted batches whose labels already have
# the expected shape; None falls back to the general path. Tests check both paths agree.


def _fast_sparse_accuracy(y_true, y_pred):
    if y_pred.dim() < 2 or y_true.numel() * y_pred.shape[-1] != y_pred.numel():
        return None
    matches = y_pred.argmax(dim=-1) == y_true.reshape(y_pred.shape[:-1])
    return matches.sum(), matches.shape[0]


def _fast_categorical_accuracy(y_true, y_pred):
    if y_true.shape != y_pred.shape or y_pred.dim() != 2 or y_true.dtype == torch.bool:
        return None
    if y_true.dtype == torch.bool:  # boolean one-hot targets
        y_true = y_true.to(torch.uint8)
    matches = y_pred.argmax(dim=-1) == y_true.argmax(dim=-1)
    return matches.sum(), matches.shape[0]


def _fast_binary_accuracy(y_true, y_pred, threshold=0.5):
    if y_true.numel() != y_pred.numel() or y_pred.dim() != 2 or y_pred.shape[-1] != 1:
        return None
    predicted = (y_pred > threshold).to(y_true.dtype)
    matches = predicted.reshape(-1) == y_true.reshape(-1)
    return matches.sum(), matches.shape[0]


def _fast_squared(y_true, y_pred):
    if y_true.numel() != y_pred.numel() or y_pred.dim() != 2:
        return None
    diff = y_pred - y_true.reshape(y_pred.shape).to(y_pred.dtype)
    return diff.square().mean(dim=-1).sum(), y_pred.shape[0]


def _fast_absolute(y_true, y_pred):
    if y_true.numel() != y_pred.numel() or y_pred.dim() != 2:
        return None
    diff = y_pred - y_true.reshape(y_pred.shape).to(y_pred.dtype)
    return diff.abs().mean(dim=-1).sum(), y_pred.shape[0]


_FAST_VALUES = {
    sparse_categorical_accuracy: _fast_sparse_accuracy,
    categorical_accuracy: _fast_categorical_accuracy,
    binary_accuracy: _fast_binary_accuracy,
    losses.mean_squared_error: _fast_squared,
    losses.mean_absolute_error: _fast_absolute,
}
