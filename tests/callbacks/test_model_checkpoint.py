"""ModelCheckpoint: filename templates, save_best_only with min/max/auto modes and an initial
threshold, weights-only files, batch-level saving — and EarlyStopping's restored best weights
are the weights ModelCheckpoint saved for the best epoch."""

from __future__ import annotations

import numpy as np
import pytest

import deepfit
from deepfit import layers
from deepfit.callbacks import Callback, EarlyStopping, ModelCheckpoint


def _data():
    rng = np.random.RandomState(0)
    return rng.rand(48, 5).astype("float32"), rng.randint(0, 2, 48)


def _model():
    model = deepfit.Sequential([deepfit.Input((5,)), layers.Dense(6, activation="relu"),
                                layers.Dense(2, activation="softmax")])
    model.compile(optimizer=deepfit.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


class _Scores(Callback):
    """Puts a scripted value under `key` in each epoch's logs (before the other callbacks)."""

    def __init__(self, key, values):
        super().__init__()
        self.key, self.values = key, values

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.values[epoch]


def _fit(model, callbacks, epochs):
    x, y = _data()
    return model.fit(x, y, batch_size=16, epochs=epochs, validation_split=0.25, verbose=0,
                     callbacks=callbacks)


def test_filename_template_gets_the_epoch_and_logged_values(tmp_path):
    model = _model()
    template = str(tmp_path / "ckpt-{epoch:02d}-{val_loss:.2f}.keras")
    history = _fit(model, [ModelCheckpoint(template)], epochs=3)
    expected = [f"ckpt-{e + 1:02d}-{v:.2f}.keras"
                for e, v in enumerate(history.history["val_loss"])]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(expected)
    last = deepfit.models.load_model(tmp_path / expected[-1])
    assert all(np.array_equal(a, b) for a, b in zip(last.get_weights(), model.get_weights()))


def _checkpoint_weights(path):
    model = _model()
    model.build((None, 5))
    model.load_weights(path)
    return model.get_weights()


class _Snapshots(Callback):
    """Records the weights at each epoch end (after the checkpoint saw them)."""

    def __init__(self):
        super().__init__()
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(self.model.get_weights())


@pytest.mark.parametrize("mode, scores, best_epoch", [
    ("min", [0.5, 0.3, 0.4, 0.35], 1),
    ("max", [0.5, 0.3, 0.7, 0.6], 2),
    ("auto", [0.5, 0.3, 0.4, 0.35], 1),  # 'val_loss'-like names go down
])
def test_save_best_only_keeps_the_best_epoch(tmp_path, mode, scores, best_epoch):
    path = tmp_path / "best.weights.h5"
    snapshots = _Snapshots()
    checkpoint = ModelCheckpoint(path, monitor="val_score_loss", save_best_only=True, mode=mode,
                                 save_weights_only=True)
    _fit(_model(), [_Scores("val_score_loss", scores), checkpoint, snapshots], epochs=4)
    saved = _checkpoint_weights(path)
    assert all(np.array_equal(a, b) for a, b in zip(saved, snapshots.weights[best_epoch]))
    assert checkpoint.best == scores[best_epoch]


def test_initial_value_threshold_must_be_beaten(tmp_path):
    path = tmp_path / "best.keras"
    checkpoint = ModelCheckpoint(path, monitor="score", mode="max", save_best_only=True,
                                 initial_value_threshold=0.9)
    _fit(_model(), [_Scores("score", [0.5, 0.8, 0.85]), checkpoint], epochs=3)
    assert not path.exists()
    _fit(_model(), [_Scores("score", [0.5, 0.95, 0.85]), checkpoint], epochs=3)
    assert path.exists() and checkpoint.best == 0.95


def test_batch_level_saving_counts_batches_across_epochs(tmp_path):
    template = str(tmp_path / "e{epoch}-b{batch}.weights.h5")
    _fit(_model(), [ModelCheckpoint(template, save_freq=2, save_weights_only=True)], epochs=2)
    # 3 batches per epoch; a save every 2 batches: after global batches 2, 4 and 6.
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "e1-b2.weights.h5", "e2-b1.weights.h5", "e2-b3.weights.h5"]


def test_verbose_messages(tmp_path, capsys):
    checkpoint = ModelCheckpoint(tmp_path / "m.keras", monitor="score", mode="min",
                                 save_best_only=True, verbose=1)
    _fit(_model(), [_Scores("score", [0.5, 0.6]), checkpoint], epochs=2)
    out = capsys.readouterr().out
    assert "Epoch 1: score improved from None to 0.50000, saving model to" in out
    assert "Epoch 2: score did not improve from 0.50000" in out


def test_argument_and_template_errors(tmp_path):
    with pytest.raises(ValueError, match=r"must end in `\.weights\.h5`"):
        ModelCheckpoint(tmp_path / "m.keras", save_weights_only=True)
    with pytest.raises(ValueError, match=r"must end in `\.keras`"):
        ModelCheckpoint(tmp_path / "m.pt")
    with pytest.raises(ValueError, match="save_freq"):
        ModelCheckpoint(tmp_path / "m.keras", save_freq="batch")
    with pytest.raises(KeyError, match="val_accuracy"):
        _fit(_model(), [ModelCheckpoint(str(tmp_path / "{val_accuracyy:.2f}.keras"))], epochs=1)


def test_early_stopping_restores_the_weights_the_best_checkpoint_holds(tmp_path):
    model = _model()
    path = tmp_path / "best.weights.h5"
    scores = _Scores("val_metric_loss", [0.9, 0.4, 0.6, 0.7, 0.8, 0.9])
    stopper = EarlyStopping(monitor="val_metric_loss", patience=2, restore_best_weights=True)
    checkpoint = ModelCheckpoint(path, monitor="val_metric_loss", save_best_only=True,
                                 save_weights_only=True)
    snapshots = _Snapshots()
    history = _fit(model, [scores, checkpoint, stopper, snapshots], epochs=6)
    assert len(history.history["loss"]) == 4  # epochs 2 and 3 did not improve: stop
    assert stopper.best_epoch == 1
    best = _checkpoint_weights(path)
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), best))
    assert not all(np.array_equal(a, b) for a, b in zip(best, snapshots.weights[-1]))
