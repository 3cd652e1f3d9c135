"""ReduceLROnPlateau over scripted epoch logs, by hand and against real Keras."""

import os

import pytest
import torch

from deepfit.callbacks import ReduceLROnPlateau


class FakeOptimizer:
    def __init__(self, learning_rate, name="opt"):
        self._learning_rate = learning_rate
        self.name = name

    @property
    def learning_rate(self):
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self._learning_rate = float(value)


class FakeModel:
    def __init__(self, optimizer):
        self.stop_training = False
        self.optimizer = optimizer


def run(callback, values, lr=1.0, monitor="val_loss", as_tensor=False):
    """The learning rate after each epoch, and each epoch's logs as the callback left them."""
    model = FakeModel(FakeOptimizer(lr))
    callback.set_model(model)
    callback.on_train_begin()
    rates, all_logs = [], []
    for epoch, value in enumerate(values):
        logs = {monitor: torch.tensor(value) if as_tensor else value}
        callback.on_epoch_end(epoch, logs)
        rates.append(model.optimizer.learning_rate)
        all_logs.append(logs)
    return rates, all_logs


def test_reduces_after_patience_epochs_without_improvement():
    rates, logs = run(ReduceLROnPlateau(factor=0.5, patience=2), [1.0, 0.9, 0.95, 0.92, 0.91])
    # Best 0.9 at epoch 1; epochs 2 and 3 do not beat it (min_delta 1e-4): halve at epoch 3;
    # the wait restarts and epoch 4 is the first of the next 2.
    assert rates == [1.0, 1.0, 1.0, 0.5, 0.5]
    # The rate in the logs is the one used during the epoch, before any reduction.
    assert [entry["learning_rate"] for entry in logs] == [1.0, 1.0, 1.0, 1.0, 0.5]


def test_cooldown_and_min_lr():
    callback = ReduceLROnPlateau(factor=0.1, patience=1, cooldown=2, min_lr=0.005)
    rates, _ = run(callback, [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], lr=1.0)
    # As in Keras the cooldown counter drops at the start of each epoch's check, so
    # cooldown=2 leaves one epoch out: reduce at 1, 3 (to 0.01) and 5 (to max(0.001, min_lr)).
    assert rates == pytest.approx([1.0, 0.1, 0.1, 0.01, 0.01, 0.005, 0.005, 0.005])
    assert callback.cooldown_counter == 0  # at min_lr (compared in float32): no reduction


def test_max_mode_min_delta_and_tensor_logs(capsys):
    callback = ReduceLROnPlateau(
        monitor="val_accuracy", mode="auto", factor=0.5, patience=1, min_delta=0.05, verbose=1
    )
    rates, _ = run(callback, [0.5, 0.53, 0.6], monitor="val_accuracy", as_tensor=True)
    assert rates == [1.0, 0.5, 0.5]
    message = "\nEpoch 2: ReduceLROnPlateau reducing learning rate to 0.5.\n"
    assert capsys.readouterr().out == message


def test_multiple_optimizers_are_each_reduced_and_logged():
    class Multi:
        optimizers = [FakeOptimizer(1.0, "generator"), FakeOptimizer(0.5, "critic")]

    model = FakeModel(Multi())
    callback = ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0)
    callback.set_model(model)
    callback.on_train_begin()
    logs = {"loss": 1.0}
    callback.on_epoch_end(0, logs)
    callback.on_epoch_end(1, {"loss": 1.0})
    assert logs == {"loss": 1.0, "learning_rate_generator": 1.0, "learning_rate_critic": 0.5}
    assert [opt.learning_rate for opt in Multi.optimizers] == [0.5, 0.25]


def test_bad_arguments_and_missing_monitor():
    with pytest.raises(ValueError, match="does not support a factor >= 1.0. Received factor=1.5"):
        ReduceLROnPlateau(factor=1.5)
    with pytest.raises(TypeError, match="min_delta must be a number"):
        ReduceLROnPlateau(min_delta="small")
    with pytest.warns(UserWarning, match="`val_loss` which is not available"):
        rates, _ = run(ReduceLROnPlateau(patience=0), [1.0, 2.0], monitor="loss")
    assert rates == [1.0, 1.0]


SEQUENCE = [0.9, 0.8, 0.8, 0.79995, 0.81, 0.7, 0.7, 0.71, 0.72, 0.65, 0.66, 0.67, 0.68, 0.69]
CONFIGS = [
    dict(patience=1),
    dict(patience=2, factor=0.5),
    dict(patience=1, factor=0.5, cooldown=2),
    dict(patience=1, factor=0.2, min_lr=0.03),
    dict(patience=0, factor=0.5, min_delta=0.02, mode="min"),
    dict(patience=1, factor=0.5, mode="max"),
]


@pytest.mark.parametrize("config", CONFIGS, ids=[str(c) for c in CONFIGS])
def test_matches_keras(config):
    os.environ["KERAS_BACKEND"] = "torch"
    keras = pytest.importorskip("keras")
    ours, our_logs = run(ReduceLROnPlateau(**config), SEQUENCE, lr=0.1)
    theirs, their_logs = run(keras.callbacks.ReduceLROnPlateau(**config), SEQUENCE, lr=0.1)
    assert ours == pytest.approx(theirs, rel=1e-12)
    assert [entry["learning_rate"] for entry in our_logs] == pytest.approx(
        [entry["learning_rate"] for entry in their_logs], rel=1e-12
    )
