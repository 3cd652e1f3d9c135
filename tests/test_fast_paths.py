"""The fused fast paths for the standard losses and metrics equal the general paths."""

from __future__ import annotations

import pytest
import torch

from deepfit import activations, losses, metrics


def _probabilities(batch=16, classes=5, seed=0):
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn(batch, classes, generator=generator) * 3
    return activations.softmax(logits), torch.randint(0, classes, (batch,), generator=generator)


@pytest.mark.parametrize("labels_shape", ["flat", "column"])
def test_sparse_crossentropy_fast_equals_general(labels_shape):
    y_pred, y_true = _probabilities()
    if labels_shape == "column":
        y_true = y_true[:, None]
    loss = losses.LossFunctionWrapper(losses.sparse_categorical_crossentropy)
    fast = loss(y_true, y_pred)
    general = loss(y_true, y_pred, sample_weight=torch.ones(16))
    torch.testing.assert_close(fast, general)


def test_categorical_and_binary_crossentropy_fast_equal_general():
    y_pred, labels = _probabilities()
    one_hot = torch.nn.functional.one_hot(labels, 5).float()
    loss = losses.LossFunctionWrapper(losses.categorical_crossentropy)
    torch.testing.assert_close(loss(one_hot, y_pred), loss(one_hot, y_pred, torch.ones(16)))
    probs = activations.sigmoid(torch.randn(16, 1) * 4)
    targets = (torch.rand(16) > 0.5).float()
    loss = losses.LossFunctionWrapper(losses.binary_crossentropy)
    torch.testing.assert_close(loss(targets, probs), loss(targets, probs, torch.ones(16)))


def test_regression_losses_fast_equal_general():
    y_pred = torch.randn(16, 1)
    y_true = torch.randn(16)
    for fn in (losses.mean_squared_error, losses.mean_absolute_error):
        loss = losses.LossFunctionWrapper(fn)
        torch.testing.assert_close(loss(y_true, y_pred), loss(y_true, y_pred, torch.ones(16)))


@pytest.mark.parametrize("name,kind", [
    ("sparse_categorical_accuracy", "sparse"), ("categorical_accuracy", "one_hot"),
    ("binary_accuracy", "binary"), ("mse", "regression"), ("mae", "regression"),
])
def test_metric_fast_updates_equal_weighted_general_updates(name, kind):
    fast, general = metrics.get(name), metrics.get(name)
    for seed in range(4):
        y_pred, labels = _probabilities(seed=seed)
        if kind == "one_hot":
            y_true = torch.nn.functional.one_hot(labels, 5).float()
        elif kind == "binary":
            y_pred = activations.sigmoid(torch.randn(16, 1))
            y_true = (torch.rand(16) > 0.5).float()
        elif kind == "regression":
            y_pred, y_true = torch.randn(16, 1), torch.randn(16)
        else:
            y_true = labels
        fast.update_state(y_true, y_pred)
        general.update_state(y_true, y_pred, sample_weight=torch.ones(16))
    torch.testing.assert_close(fast.result(), general.result())
