"""The TensorBoard callback: Keras's tags, writers and steps, checked through a recording
stand-in for torch's SummaryWriter; a clear ImportError when tensorboard is missing."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

import deepfit
from deepfit import layers
from deepfit.callbacks import tensorboard


class _Recorder:
    instances: list[_Recorder] = []

    def __init__(self, log_dir):
        self.log_dir, self.scalars, self.histograms, self.closed = log_dir, [], [], False
        _Recorder.instances.append(self)

    def add_scalar(self, tag, value, step):
        self.scalars.append((tag, value, step))

    def add_histogram(self, tag, values, step):
        self.histograms.append((tag, tuple(values.shape), step))

    def flush(self):
        pass

    def close(self):
        self.closed = True


@pytest.fixture
def recorder(monkeypatch):
    _Recorder.instances = []
    monkeypatch.setattr(tensorboard, "_summary_writer_class", lambda: _Recorder)
    return _Recorder


def _fit(callback, epochs=2):
    rng = np.random.RandomState(0)
    x, y = rng.rand(40, 4).astype("float32"), rng.randint(0, 2, 40)
    model = deepfit.Sequential([deepfit.Input((4,)), layers.Dense(3, activation="relu",
                                                                  name="hidden"),
                                layers.Dense(2, activation="softmax", name="out")])
    model.compile(optimizer=deepfit.optimizers.Adam(0.02),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model.fit(x, y, batch_size=10, epochs=epochs, validation_split=0.25, verbose=0,
                     callbacks=[callback])


def test_epoch_scalars_go_to_train_and_validation_writers(tmp_path, recorder):
    history = _fit(tensorboard.TensorBoard(tmp_path, histogram_freq=1))
    writers = {w.log_dir: w for w in recorder.instances}
    train, validation = writers[str(tmp_path / "train")], writers[str(tmp_path / "validation")]
    for key in ("loss", "accuracy"):
        assert [(t, v, s) for t, v, s in train.scalars if t == f"epoch_{key}"] == [
            (f"epoch_{key}", value, epoch) for epoch, value in enumerate(history.history[key])]
        assert [(t, v, s) for t, v, s in validation.scalars if t == f"epoch_{key}"] == [
            (f"epoch_{key}", value, epoch)
            for epoch, value in enumerate(history.history[f"val_{key}"])]
    rates = [v for t, v, _ in train.scalars if t == "epoch_learning_rate"]
    assert rates == pytest.approx([0.02, 0.02])
    assert ("hidden/kernel", (4, 3), 1) in train.histograms
    assert train.closed and validation.closed


def test_batch_scalars_every_update_freq_batches(tmp_path, recorder):
    _fit(tensorboard.TensorBoard(tmp_path, update_freq=2), epochs=2)
    train = next(w for w in recorder.instances if w.log_dir.endswith("train"))
    steps = sorted({s for t, _, s in train.scalars if t == "batch_loss"})
    assert steps == [2, 4, 6]  # 3 batches per epoch, global count


def test_bad_arguments(tmp_path, recorder):
    with pytest.raises(ValueError, match="update_freq"):
        tensorboard.TensorBoard(tmp_path, update_freq=0)
    with pytest.warns(UserWarning, match="profile_batch"):
        tensorboard.TensorBoard(tmp_path, profile_batch=2)


@pytest.mark.skipif(importlib.util.find_spec("tensorboard") is not None,
                    reason="tensorboard is installed here")
def test_missing_tensorboard_is_a_clear_import_error(tmp_path):
    with pytest.raises(ImportError, match="pip install tensorboard"):
        deepfit.callbacks.TensorBoard(tmp_path)
