"""ProgbarLogger's output for fit, evaluate and predict, exactly, on and off a terminal."""

import io
import os
import sys
import types

import pytest
import torch

from deepfit.callbacks import CallbackList, LambdaCallback
from deepfit.trainer import progress

BAR = "━" * 20
DT = 1 / 128  # seconds per simulated batch; exact in binary, so times print the same everywhere


class FakeStream(io.StringIO):
    def __init__(self, tty):
        super().__init__()
        self.tty = tty

    def isatty(self):
        return self.tty


class FakeClock:
    def __init__(self):
        self.now = 5000.0

    def __call__(self):
        return self.now


class CountingLogs(dict):
    """Batch logs that count value reads, like the trainer's lazily computed logs."""

    reads = 0

    def __getitem__(self, key):
        CountingLogs.reads += 1
        return super().__getitem__(key)


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(progress, "_now", fake)
    return fake


def _stdout(monkeypatch, tty):
    stream = FakeStream(tty)
    monkeypatch.setattr(sys, "stdout", stream)
    monkeypatch.delenv("PYCHARM_HOSTED", raising=False)
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    return stream


def _batch_logs(epoch, step):
    return CountingLogs(
        loss=torch.tensor(1.0 / (epoch + step + 1)), accuracy=torch.tensor(0.125 * (step + 1))
    )


def _simulate_fit(hooks, clock, epochs=2, steps=3, val_steps=2, pythonify=lambda logs: logs):
    """Call the hooks in fit's order; `hooks` is our CallbackList or a Keras ProgbarLogger."""
    hooks.on_train_begin()
    for epoch in range(epochs):
        hooks.on_epoch_begin(epoch)
        for step in range(steps):
            hooks.on_train_batch_begin(step)
            clock.now += DT
            hooks.on_train_batch_end(step, pythonify(_batch_logs(epoch, step)))
        hooks.on_test_begin()
        for step in range(val_steps):
            clock.now += DT
            hooks.on_test_batch_end(step, pythonify({"loss": torch.tensor(9.0)}))
        hooks.on_test_end(pythonify({"loss": torch.tensor(0.875)}))
        logs = pythonify(
            {
                "accuracy": torch.tensor(0.375),
                "loss": torch.tensor(0.5 / (epoch + 1)),
                "val_accuracy": torch.tensor(0.25),
                "val_loss": torch.tensor(0.875),
            }
        )
        if not isinstance(hooks, CallbackList):
            logs["learning_rate"] = 0.001  # what our LambdaCallback adds before the logger
        hooks.on_epoch_end(epoch, logs)
    hooks.on_train_end()


def _ours(verbose=1, steps=3, epochs=2):
    add_lr = LambdaCallback(on_epoch_end=lambda epoch, logs: logs.update(learning_rate=0.001))
    return CallbackList(
        [add_lr], add_history=True, add_progbar=True, verbose=verbose, epochs=epochs, steps=steps
    )


def test_fit_off_a_terminal_prints_one_line_per_epoch_and_reads_no_batch_values(monkeypatch, clock):
    out = _stdout(monkeypatch, tty=False)
    CountingLogs.reads = 0
    _simulate_fit(_ours(), clock)
    assert CountingLogs.reads == 0
    # Per step after the first: (5 * DT - DT) / 2 = 15.6 ms (two validation batches included).
    tail = "val_accuracy: 0.2500 - val_loss: 0.8750 - learning_rate: 1.0000e-03\n"
    assert out.getvalue() == (
        f"Epoch 1/2\n3/3 {BAR} 0s 16ms/step - accuracy: 0.3750 - loss: 0.5000 - {tail}"
        f"Epoch 2/2\n3/3 {BAR} 0s 16ms/step - accuracy: 0.3750 - loss: 0.2500 - {tail}"
    )


def test_fit_verbose_2_and_unknown_steps(monkeypatch, clock):
    out = _stdout(monkeypatch, tty=True)
    _simulate_fit(_ours(verbose=2, steps=None, epochs=1), clock, epochs=1, val_steps=0)
    assert out.getvalue() == (
        "3/3 - 0s - 8ms/step - accuracy: 0.3750 - loss: 0.5000 - val_accuracy: 0.2500 - "
        "val_loss: 0.8750 - learning_rate: 1.0000e-03\n"
    )


def test_verbose_auto_is_1_and_0_is_silent(monkeypatch, clock):
    out = _stdout(monkeypatch, tty=False)
    callbacks = _ours(verbose="auto", epochs=1)
    assert callbacks.callbacks[-1].verbose == 1
    _simulate_fit(_ours(verbose=0), clock)
    assert out.getvalue() == ""


def test_evaluate_and_predict_lines(monkeypatch, clock):
    out = _stdout(monkeypatch, tty=False)
    callbacks = CallbackList(add_progbar=True, verbose=1, epochs=1, steps=2)
    callbacks.on_test_begin()
    for step in range(2):
        clock.now += DT
        callbacks.on_test_batch_end(step, {"loss": torch.tensor(1.0), "accuracy": 0.5})
    callbacks.on_test_end({"loss": torch.tensor(0.75), "accuracy": torch.tensor(0.5)})
    callbacks = CallbackList(add_progbar=True, verbose=1, epochs=1, steps=2)
    callbacks.on_predict_begin()
    for step in range(2):
        clock.now += DT / 4
        callbacks.on_predict_batch_end(step, {"outputs": torch.zeros(4, 2)})
    callbacks.on_predict_end()
    assert out.getvalue() == (
        f"2/2 {BAR} 0s 8ms/step - accuracy: 0.5000 - loss: 0.7500\n2/2 {BAR} 0s 2ms/step\n"
    )


# Against real Keras on a terminal: same hooks, same clock, same bytes.


@pytest.fixture
def keras_parts(monkeypatch, clock):
    os.environ["KERAS_BACKEND"] = "torch"
    pytest.importorskip("keras")
    from keras.src.callbacks.progbar_logger import ProgbarLogger
    from keras.src.utils import progbar as keras_progbar
    from keras.src.utils.python_utils import pythonify_logs

    monkeypatch.setattr(keras_progbar, "time", types.SimpleNamespace(time=clock))
    return ProgbarLogger, pythonify_logs


@pytest.mark.parametrize("verbose,steps", [(1, 3), (2, 3), (1, None)])
def test_fit_on_a_terminal_matches_keras(monkeypatch, clock, keras_parts, verbose, steps):
    keras_logger_class, pythonify_logs = keras_parts
    start = clock.now
    ours = _stdout(monkeypatch, tty=True)
    _simulate_fit(_ours(verbose=verbose, steps=steps), clock)

    theirs = _stdout(monkeypatch, tty=True)
    clock.now = start
    keras_logger = keras_logger_class()
    keras_logger.set_params({"verbose": verbose, "epochs": 2, "steps": steps})
    _simulate_fit(keras_logger, clock, pythonify=pythonify_logs)
    assert ours.getvalue() == theirs.getvalue()
    assert "\r" in ours.getvalue() or verbose == 2
