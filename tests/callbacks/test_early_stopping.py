"""EarlyStopping over scripted epoch logs, by hand and against real Keras."""

import os

import pytest
import torch

from deepfit.callbacks import CallbackList, EarlyStopping


class FakeModel:
    """Weights are the index of the epoch that produced them; set_weights records restores."""

    def __init__(self):
        self.stop_training = False
        self.epoch = -1
        self.restored = None

    def get_weights(self):
        return [self.epoch]

    def set_weights(self, weights):
        self.restored = list(weights)


def run(callback, values, monitor="val_loss", as_tensor=False):
    """Train on scripted monitor values; returns (epochs run, model)."""
    model = FakeModel()
    callback.set_model(model)
    callback.on_train_begin()
    epochs_run = 0
    for epoch, value in enumerate(values):
        model.epoch = epoch
        value = torch.tensor(value) if as_tensor else value
        callback.on_epoch_end(epoch, {monitor: value, "other": 1.0})
        epochs_run += 1
        if model.stop_training:
            break
    callback.on_train_end()
    return epochs_run, model


def test_patience_counts_epochs_without_improvement():
    stopper = EarlyStopping(monitor="val_loss", patience=2)
    epochs, model = run(stopper, [1.0, 0.8, 0.9, 0.85, 0.7, 0.6])
    # Best 0.8 at epoch 1; epochs 2 and 3 do not beat it: stop at epoch 3.
    assert (epochs, stopper.stopped_epoch, stopper.best, stopper.best_epoch) == (4, 3, 0.8, 1)
    assert model.stop_training and model.restored is None


def test_patience_0_stops_at_the_first_non_improvement():
    epochs, _ = run(EarlyStopping(monitor="loss"), [1.0, 0.5, 0.5, 0.1], monitor="loss")
    assert epochs == 3


def test_min_delta_requires_a_large_enough_change():
    stopper = EarlyStopping(monitor="val_loss", min_delta=0.1, patience=1)
    epochs, _ = run(stopper, [1.0, 0.95, 0.85])
    # 0.95 is within 0.1 of the best, so no improvement: stop at epoch 1.
    assert (epochs, stopper.best) == (2, 1.0)
    stopper = EarlyStopping(monitor="val_loss", patience=1)
    assert run(stopper, [1.0, 0.95, 0.85])[0] == 3


def test_max_mode_and_auto_mode_on_accuracy():
    for mode in ("max", "auto"):
        stopper = EarlyStopping(monitor="val_accuracy", mode=mode, patience=1)
        epochs, _ = run(stopper, [0.5, 0.6, 0.55, 0.58], monitor="val_accuracy")
        assert (epochs, stopper.best, stopper.stopped_epoch) == (3, 0.6, 2)


def test_baseline_keeps_the_wait_running_until_beaten():
    stopper = EarlyStopping(monitor="val_loss", patience=2, baseline=0.5)
    epochs, _ = run(stopper, [0.9, 0.8, 0.85, 0.86, 0.4])
    # 0.8 improves on the best but not on the baseline: the wait is not reset, so the first
    # epoch without improvement (epoch 2) already exceeds the patience.
    assert (epochs, stopper.stopped_epoch, stopper.best) == (3, 2, 0.8)
    stopper = EarlyStopping(monitor="val_loss", patience=2, baseline=0.85)
    epochs, _ = run(stopper, [0.9, 0.8, 0.9, 0.95, 0.7])
    assert (epochs, stopper.stopped_epoch, stopper.best_epoch) == (4, 3, 1)


def test_restore_best_weights_even_without_beating_the_baseline(capsys):
    stopper = EarlyStopping(patience=2, baseline=0.1, restore_best_weights=True, verbose=1)
    epochs, model = run(stopper, [0.9, 0.5, 0.7, 0.8])
    assert epochs == 3 and model.restored == [1]
    assert capsys.readouterr().out == (
        "Epoch 3: early stopping\nRestoring model weights from the end of the best epoch: 2.\n"
    )


def test_restore_best_weights_when_training_ends_normally():
    stopper = EarlyStopping(patience=5, restore_best_weights=True)
    _, model = run(stopper, [0.9, 0.5, 0.7])
    assert model.restored == [1] and not model.stop_training


def test_start_from_epoch_ignores_the_warm_up():
    stopper = EarlyStopping(patience=0, start_from_epoch=2, restore_best_weights=True)
    epochs, model = run(stopper, [0.1, 0.2, 0.9, 0.8, 0.85])
    assert (epochs, stopper.best, stopper.best_epoch, model.restored) == (5, 0.8, 3, [3])


def test_tensor_logs_and_reuse_across_fits():
    stopper = EarlyStopping(patience=1)
    assert run(stopper, [1.0, 2.0, 3.0], as_tensor=True)[0] == 2
    assert isinstance(stopper.best, float)
    assert run(stopper, [5.0, 4.0, 3.0], as_tensor=True)[0] == 3  # state reset at train begin
    assert stopper.stopped_epoch == 0


def test_missing_monitor_warns_and_does_nothing():
    stopper = EarlyStopping(monitor="val_auc")
    with pytest.warns(UserWarning, match="`val_auc` which is not available. Available metrics"):
        epochs, _ = run(stopper, [1.0, 2.0, 3.0], monitor="val_loss")
    assert epochs == 3


def test_stops_a_callback_list_driven_loop():
    model = FakeModel()
    callbacks = CallbackList([EarlyStopping(monitor="loss", patience=1)], model=model)
    callbacks.on_train_begin()
    for epoch, loss in enumerate([3.0, 2.0, 2.5, 2.6, 1.0]):
        callbacks.on_epoch_end(epoch, {"loss": torch.tensor(loss)})
        if model.stop_training:
            break
    callbacks.on_train_end()
    assert epoch == 2


# Against real Keras on the same sequences.

SEQUENCE = [0.9, 0.7, 0.72, 0.69, 0.695, 0.71, 0.5, 0.52, 0.53, 0.51, 0.505, 0.6]
CONFIGS = [
    dict(),
    dict(patience=2),
    dict(patience=1, min_delta=0.015),
    dict(patience=3, baseline=0.6),
    dict(patience=2, baseline=0.75, restore_best_weights=True),
    dict(patience=2, restore_best_weights=True, start_from_epoch=3),
    dict(patience=4, mode="max", restore_best_weights=True),
    dict(patience=2, min_delta=-0.01, mode="min"),
]


@pytest.mark.parametrize("config", CONFIGS, ids=[str(c) for c in CONFIGS])
def test_matches_keras(config):
    os.environ["KERAS_BACKEND"] = "torch"
    keras = pytest.importorskip("keras")
    ours = EarlyStopping(**config)
    theirs = keras.callbacks.EarlyStopping(**config)
    our_epochs, our_model = run(ours, SEQUENCE)
    their_epochs, their_model = run(theirs, SEQUENCE)
    assert our_epochs == their_epochs
    assert our_model.restored == their_model.restored
    for name in ("best", "best_epoch", "stopped_epoch", "wait"):
        assert getattr(ours, name) == pytest.approx(getattr(theirs, name)), name
