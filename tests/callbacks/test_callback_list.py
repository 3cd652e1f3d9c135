"""Callback, CallbackList, History, LambdaCallback and the log helpers."""

import numpy as np
import pytest
import torch

from deepfit.callbacks import (
    Callback,
    CallbackList,
    EarlyStopping,
    History,
    LambdaCallback,
    ProgbarLogger,
    TerminateOnNaN,
    to_float,
)
from deepfit.callbacks.callback import overrides_hook
from deepfit.callbacks.logs import SortedLogs, flatten_logs, pythonify

BATCH_HOOKS = [
    "on_batch_begin", "on_batch_end", "on_train_batch_begin", "on_train_batch_end",
    "on_test_batch_begin", "on_test_batch_end", "on_predict_batch_begin", "on_predict_batch_end",
]  # fmt: skip


class FakeModel:
    def __init__(self):
        self.stop_training = False
        self.history = None


class Recorder(Callback):
    """Records every hook it gets, with the logs as given."""

    def __init__(self, name, calls):
        super().__init__()
        self.name = name
        self.calls = calls

    def on_epoch_end(self, epoch, logs=None):
        self.calls.append((self.name, "epoch_end", epoch, dict(logs)))

    def on_train_batch_end(self, batch, logs=None):
        self.calls.append((self.name, "train_batch_end", batch, logs))

    def on_test_begin(self, logs=None):
        self.calls.append((self.name, "test_begin", None, logs))


def test_to_float_converts_numbers_arrays_and_tensors():
    assert to_float(3) == 3.0 and isinstance(to_float(3), float)
    assert to_float(np.float32(0.5)) == 0.5
    assert to_float(np.array([[2.5]])) == 2.5
    assert to_float(torch.tensor(0.25, dtype=torch.bfloat16)) == 0.25
    assert to_float(torch.tensor([1.5])) == 1.5
    with pytest.raises(TypeError, match=r"one-element tensor, received a tensor of shape \(2,\)"):
        to_float(torch.zeros(2))
    with pytest.raises(TypeError, match="received 'abc' of type str"):
        to_float("abc")
    assert pythonify("abc") == "abc" and pythonify(torch.tensor(2.0)) == 2.0


def test_flatten_logs_sorts_and_merges_nested_dicts_keeping_tensors():
    value = torch.tensor(1.0)
    flat = flatten_logs({"loss": value, "b": {"z": 1, "y": 2}, "accuracy": 0.5})
    assert list(flat) == ["accuracy", "y", "z", "loss"]
    assert flat["loss"] is value
    assert flatten_logs(None) == {}


def test_sorted_logs_reads_values_only_on_access():
    reads = []

    class Lazy(dict):
        def __getitem__(self, key):
            reads.append(key)
            return super().__getitem__(key)

    view = SortedLogs(Lazy(loss=1.0, accuracy=0.5))
    assert list(view) == ["accuracy", "loss"] and len(view) == 2 and reads == []
    assert view["loss"] == 1.0 and reads == ["loss"]


def test_default_train_batch_hooks_forward_to_the_older_names():
    seen = []

    class Old(Callback):
        def on_batch_begin(self, batch, logs=None):
            seen.append(("begin", batch))

        def on_batch_end(self, batch, logs=None):
            seen.append(("end", batch, logs["loss"]))

    callbacks = CallbackList([Old()])
    callbacks.on_train_batch_begin(0)
    callbacks.on_train_batch_end(0, {"loss": 1.0})
    callbacks.on_test_batch_end(0, {"loss": 2.0})
    assert seen == [("begin", 0), ("end", 0, 1.0)]


def test_callbacks_without_batch_hooks_are_skipped_per_batch():
    history, stopper, progbar, nan = History(), EarlyStopping(), ProgbarLogger(), TerminateOnNaN()
    callbacks = CallbackList([history, stopper, progbar, nan])
    train_end = callbacks._dispatch["on_train_batch_end"]
    assert [hook.__self__ for hook in train_end] == [progbar, nan]
    assert [hook.__self__ for hook in callbacks._dispatch["on_batch_end"]] == [nan]
    assert [hook.__self__ for hook in callbacks._dispatch["on_test_batch_end"]] == [progbar]
    for name in ("on_train_batch_begin", "on_test_batch_begin", "on_predict_batch_begin"):
        assert callbacks._dispatch[name] == ()
    assert not any(overrides_hook(history, name) for name in BATCH_HOOKS)


def test_a_batch_hook_of_a_skipped_callback_is_never_called(monkeypatch):
    history = History()

    def fail(*args, **kwargs):
        raise AssertionError("History has no batch hook and must not be called per batch")

    callbacks = CallbackList([history])
    monkeypatch.setattr(history, "on_train_batch_end", fail, raising=False)
    callbacks.on_train_batch_end(0, {"loss": 1.0})  # dispatch computed before the patch


def test_dispatch_order_shared_epoch_logs_and_untouched_batch_logs():
    calls = []
    first, second = Recorder("first", calls), Recorder("second", calls)

    class AddsKey(Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["learning_rate"] = 0.01

    callbacks = CallbackList([first, AddsKey(), second])
    batch_logs = {"loss": torch.tensor(0.5)}
    callbacks.on_train_batch_end(3, batch_logs)
    assert calls[0][3] is batch_logs and calls[1][3] is batch_logs
    trainer_logs = {"loss": torch.tensor(0.5), "accuracy": 0.75}
    callbacks.on_epoch_end(0, trainer_logs)
    assert list(calls[2][3]) == ["accuracy", "loss"]
    # A key added by one callback is seen by the ones after it, not by the trainer's dict.
    assert list(calls[3][3]) == ["accuracy", "loss", "learning_rate"]
    assert "learning_rate" not in trainer_logs
    callbacks.on_train_batch_end(4)
    assert calls[-1][3] == {}


def test_callbacks_appended_later_are_dispatched_after_a_begin():
    calls = []
    callbacks = CallbackList([])
    callbacks.callbacks.append(Recorder("late", calls))
    callbacks.on_train_begin()
    callbacks.on_train_batch_end(0, {"loss": 1.0})
    callbacks.append(Recorder("appended", calls))
    callbacks.on_train_batch_end(1, {"loss": 1.0})
    callbacks.on_train_end()
    assert [(c[0], c[2]) for c in calls] == [("late", 0), ("late", 1), ("appended", 1)]


def test_params_model_history_and_progbar_are_wired():
    model = FakeModel()
    user_history = History()
    callbacks = CallbackList(
        [[EarlyStopping()], user_history],
        add_history=True,
        add_progbar=True,
        model=model,
        verbose=1,
        epochs=3,
        steps=10,
    )
    assert len(callbacks.callbacks) == 3  # the user's History is kept, a ProgbarLogger added
    assert isinstance(callbacks.callbacks[-1], ProgbarLogger)
    assert model.history is user_history
    for callback in callbacks.callbacks:
        assert callback.model is model
        assert callback.params == {"verbose": 1, "epochs": 3, "steps": 10}
    assert callbacks.callbacks[-1].target == 10 and callbacks.callbacks[-1].epochs == 3


def test_end_without_begin_is_an_error():
    callbacks = CallbackList([])
    callbacks.on_test_begin()
    callbacks.on_test_end()
    with pytest.raises(ValueError, match="on_\\*_end hook was called without its on_\\*_begin"):
        callbacks.on_predict_end()


def test_non_callbacks_are_rejected_with_their_type():
    with pytest.raises(TypeError, match="callbacks: expected deepfit.callbacks.Callback"):
        CallbackList([History(), "early_stopping"])
    with pytest.raises(TypeError, match="received 5 of type int"):
        CallbackList(5)


def test_history_records_python_floats_per_epoch():
    model = FakeModel()
    callbacks = CallbackList(add_history=True, model=model, epochs=2)
    callbacks.on_train_begin()
    callbacks.on_epoch_end(0, {"loss": torch.tensor(0.5), "val_loss": np.float32(0.75)})
    callbacks.on_epoch_end(1, {"loss": torch.tensor(0.25), "val_loss": 0.5, "note": "x"})
    callbacks.on_train_end()
    history = model.history
    assert history.history == {"loss": [0.5, 0.25], "val_loss": [0.75, 0.5], "note": ["x"]}
    assert all(type(v) is float for v in history.history["loss"] + history.history["val_loss"])
    assert history.epoch == [0, 1]
    assert history.params == {"epochs": 2}


def test_lambda_callback_hooks_and_call_conventions():
    calls = []
    callback = LambdaCallback(
        on_epoch_begin=lambda epoch, logs: calls.append(("epoch_begin", epoch)),
        on_train_end=lambda logs: calls.append(("train_end", logs)),
        on_train_batch_end=lambda batch, logs: calls.append(("batch_end", batch, logs["loss"])),
        on_test_end=lambda logs: calls.append(("test_end", logs["loss"])),
    )
    callbacks = CallbackList([callback])
    assert callbacks._dispatch["on_train_batch_end"] == (callback.on_train_batch_end,)
    callbacks.on_train_begin()
    callbacks.on_epoch_begin(0)
    callbacks.on_train_batch_end(0, {"loss": 1.5})
    callbacks.on_test_begin()
    callbacks.on_test_end({"loss": 2.5})
    callbacks.on_train_end({"loss": 1.0})
    assert calls == [
        ("epoch_begin", 0),
        ("batch_end", 0, 1.5),
        ("test_end", 2.5),
        ("train_end", {"loss": 1.0}),
    ]
    assert not overrides_hook(callback, "on_epoch_end")


def test_lambda_callback_rejects_unknown_hooks_and_non_callables():
    with pytest.raises(TypeError, match=r"unknown hook name\(s\) \['on_epoch_ends'\]"):
        LambdaCallback(on_epoch_ends=print)
    with pytest.raises(TypeError, match="on_epoch_end must be callable, received 3"):
        LambdaCallback(on_epoch_end=3)


def test_model_property_unwraps_distributed_data_parallel(monkeypatch):
    from deepfit.callbacks import callback as callback_module

    class FakeDDP:
        module = "inner"

    monkeypatch.setattr(callback_module, "DistributedDataParallel", FakeDDP)
    callback = Callback()
    callback.set_model(FakeDDP())
    assert callback.model == "inner"
