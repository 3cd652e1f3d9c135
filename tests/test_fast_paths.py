"""The fused fast paths for the standard losses and metrics equal the general paths."""

from __future__ import annotations

import pytest
import torch

from deepfit import activations, losses, metrics
from deepfit.losses import heads


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


def _labels_for(head, rows, units, generator):
    if head.name == "sparse":
        return torch.randint(0, units, (rows,), generator=generator)
    if head.name == "categorical":
        return torch.nn.functional.one_hot(torch.randint(0, units, (rows,), generator=generator),
                                           units).float()
    if head.name == "binary":
        return (torch.rand(rows, units, generator=generator) > 0.5).float()
    return torch.randn(rows, units, generator=generator)


_GRADIENT_CASES = [(head, from_logits) for head in heads.HEADS
                   for from_logits in ((False, True) if head.folds else (False,))]


@pytest.mark.parametrize("head,from_logits", _GRADIENT_CASES,
                         ids=[f"{h.name}-logits{f}" for h, f in _GRADIENT_CASES])
@pytest.mark.parametrize("weighted", [False, True])
def test_each_head_gradient_equals_autograd_of_the_general_loss(head, from_logits, weighted):
    rows, units = 8, (1 if head.name == "binary" else 4)
    generator = torch.Generator().manual_seed(3)
    z = (torch.randn(rows, units, generator=generator) * 2).requires_grad_()
    y = _labels_for(head, rows, units, generator)
    weights = torch.rand(rows, generator=generator) + 0.5 if weighted else torch.ones(rows)
    activation = {"softmax": activations.softmax, "sigmoid": activations.sigmoid,
                  None: activations.linear}[None if from_logits else head.folds]
    options = {"from_logits": True} if from_logits else {}
    loss = losses.LossFunctionWrapper(head.loss, **options)
    loss(y, activation(z), sample_weight=weights).backward()  # the general path, by autograd
    out = torch.empty(rows, units)
    with torch.no_grad():
        head.gradient(y, activation(z), from_logits, weights if weighted else None, out,
                      torch.full((rows, 1), -1.0 / rows))
    torch.testing.assert_close(out, z.grad)


def test_every_fast_path_reads_the_one_table_of_heads():
    from deepfit.metrics.base import _HEADS
    from deepfit.trainer import fused_dense

    assert set(heads.BY_LOSS) == {head.loss for head in heads.HEADS}
    assert sorted(head.name for head in _HEADS.values()) == sorted(h.name for h in heads.HEADS)
    assert not hasattr(fused_dense, "_KINDS")
    assert _HEADS[metrics.sparse_categorical_accuracy].name == "sparse"
    assert _HEADS[losses.mean_squared_error].name == "mse"
