"""LearningRateScheduler: the rate each epoch, the logs, the old one-argument API, errors."""

import numpy as np
import pytest

from deepfit.callbacks import CallbackList, LearningRateScheduler


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


def run(scheduler, epochs, optimizer=None):
    """(rate seen during each epoch, logs of each epoch), through a CallbackList."""
    model = FakeModel(optimizer or FakeOptimizer(0.1))
    callbacks = CallbackList([scheduler], add_history=True, model=model, epochs=epochs)
    callbacks.on_train_begin()
    rates = []
    for epoch in range(epochs):
        callbacks.on_epoch_begin(epoch)
        rates.append(getattr(model.optimizer, "learning_rate", None))
        callbacks.on_epoch_end(epoch, {"loss": 1.0})
    callbacks.on_train_end()
    return rates, model.history.history


def test_schedule_of_epoch_and_current_rate():
    rates, history = run(LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch else lr), 4)
    assert rates == [0.1, 0.05, 0.025, 0.0125]
    assert history["learning_rate"] == [0.1, 0.05, 0.025, 0.0125]


def test_one_argument_schedule_and_numpy_floats():
    rates, _ = run(LearningRateScheduler(lambda epoch: np.float32(0.5) ** epoch), 3)
    assert rates == [1.0, 0.5, 0.25]


def test_verbose_message(capsys):
    run(LearningRateScheduler(lambda epoch, lr: 0.25, verbose=1), 1)
    assert capsys.readouterr().out == (
        "\nEpoch 1: LearningRateScheduler setting learning rate to 0.25.\n"
    )


def test_multiple_optimizers():
    class Multi:
        optimizers = [FakeOptimizer(1.0, "a"), FakeOptimizer(2.0, "b")]

    _, history = run(LearningRateScheduler(lambda epoch, lr: lr / 2), 2, optimizer=Multi())
    assert history["learning_rate_a"] == [0.5, 0.25]
    assert history["learning_rate_b"] == [1.0, 0.5]


def test_errors():
    with pytest.raises(TypeError, match="schedule must be a function"):
        LearningRateScheduler(0.1)
    with pytest.raises(ValueError, match="should be a float. Got: 1 of type int"):
        run(LearningRateScheduler(lambda epoch, lr: 1), 1)
    with pytest.raises(ValueError, match='Optimizer must have a "learning_rate" attribute'):
        run(LearningRateScheduler(lambda epoch, lr: lr), 1, optimizer=object())
    with pytest.raises(ZeroDivisionError):  # errors inside the schedule are not swallowed
        run(LearningRateScheduler(lambda epoch, lr: lr / 0), 1)


def test_matches_keras():
    import os

    os.environ["KERAS_BACKEND"] = "torch"
    keras = pytest.importorskip("keras")

    def schedule(epoch, lr):
        return lr if epoch < 2 else lr * 0.9

    model = FakeModel(FakeOptimizer(0.1))
    theirs = keras.callbacks.LearningRateScheduler(schedule)
    theirs.set_model(model)
    expected = []
    for epoch in range(5):
        theirs.on_epoch_begin(epoch)
        expected.append(model.optimizer.learning_rate)
    assert run(LearningRateScheduler(schedule), 5)[0] == expected
