"""TerminateOnNaN: immediate checks for host values, deferred (no stall) checks for CUDA losses."""

import math

import pytest
import torch

from deepfit.callbacks import CallbackList, TerminateOnNaN
from deepfit.callbacks import terminate_on_nan as module


class FakeModel:
    stop_training = False


def train(callback, losses, epochs_end=True):
    """Feed batch losses through a CallbackList; returns (batches run, model)."""
    model = FakeModel()
    callbacks = CallbackList([callback], model=model)
    callbacks.on_train_begin()
    callbacks.on_epoch_begin(0)
    batches = 0
    for batch, loss in enumerate(losses):
        callbacks.on_train_batch_end(batch, {"loss": loss})
        batches += 1
        if model.stop_training:
            break
    if epochs_end:
        callbacks.on_epoch_end(0, {})
        callbacks.on_train_end()
    return batches, model


BAD = [math.nan, math.inf, torch.tensor(-math.inf), torch.tensor(math.nan)]


@pytest.mark.parametrize("bad", BAD)
def test_stops_at_the_bad_batch(capsys, bad):
    batches, model = train(TerminateOnNaN(), [1.0, torch.tensor(0.5), bad, 0.1])
    assert batches == 3 and model.stop_training
    assert capsys.readouterr().out == "Batch 2: Invalid loss, terminating training\n"


def test_finite_losses_and_missing_loss_do_nothing():
    batches, model = train(TerminateOnNaN(), [1.0, 1e30, torch.tensor(0.0)])
    assert batches == 3 and not model.stop_training
    callback = TerminateOnNaN()
    callback.on_batch_end(0, {"accuracy": math.nan})
    callback.on_batch_end(0, None)


def test_raise_error():
    message = "NaN or Inf loss encountered at batch 1. Loss value: nan"
    with pytest.raises(RuntimeError, match=message):
        train(TerminateOnNaN(raise_error=True), [1.0, math.nan])


class FakePending:
    """Stands in for a CUDA copy in flight: ready once `delay` more batches have been queued."""

    delay = 2
    created = []

    def __init__(self, batch, loss):
        self.batch = batch
        self.loss = loss
        FakePending.created.append(self)

    def ready(self):
        queued_after = len(FakePending.created) - 1 - FakePending.created.index(self)
        return queued_after >= FakePending.delay

    def value(self):
        return float(self.loss)


@pytest.fixture
def deferred(monkeypatch):
    FakePending.created = []
    FakePending.delay = 2
    monkeypatch.setattr(module, "_read_later", lambda loss: isinstance(loss, torch.Tensor))
    monkeypatch.setattr(module, "_PendingLoss", FakePending)


def test_deferred_losses_are_checked_a_few_batches_later_reporting_the_bad_batch(capsys, deferred):
    losses = [torch.tensor(v) for v in (1.0, 0.5, math.nan, 0.4, 0.3, 0.2, 0.1)]
    batches, model = train(TerminateOnNaN(), losses)
    # Batch 2's copy lands two batches later, at the end of batch 4: training stops there.
    assert batches == 5 and model.stop_training
    assert capsys.readouterr().out == "Batch 2: Invalid loss, terminating training\n"


def test_deferred_losses_are_all_checked_before_the_epoch_ends(capsys, deferred):
    FakePending.delay = 100
    callback = TerminateOnNaN()
    batches, model = train(callback, [torch.tensor(1.0), torch.tensor(math.inf)], epochs_end=False)
    assert batches == 2 and not model.stop_training
    callback.on_epoch_end(0, {})
    assert model.stop_training and not callback._pending
    assert capsys.readouterr().out == "Batch 1: Invalid loss, terminating training\n"


def test_deferred_queue_is_bounded(deferred):
    FakePending.delay = 10**9
    callback = TerminateOnNaN()
    train(callback, [torch.tensor(1.0)] * (module._MAX_PENDING + 10), epochs_end=False)
    assert len(callback._pending) == module._MAX_PENDING


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_loss_end_to_end(capsys):
    losses = [torch.tensor(v, device="cuda") for v in (1.0, math.nan, 0.5, 0.5)]
    batches, model = train(TerminateOnNaN(), losses)
    assert model.stop_training
    assert capsys.readouterr().out == "Batch 1: Invalid loss, terminating training\n"
