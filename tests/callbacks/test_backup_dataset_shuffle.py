"""BackupAndRestore with deepfit's own `Dataset.shuffle(seed=...)`: a run that crashes mid-epoch
(an exception raised in a callback) and is started again with a fresh pipeline (as a restarted
script builds it) replays the interrupted epoch's order — the shuffle's pass counter is saved and
restored — so History and weights equal an uninterrupted run's bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

import deepfit
from deepfit import layers
from deepfit.callbacks import BackupAndRestore, Callback
from deepfit.data.shuffle_state import set_shuffle_passes, shuffle_passes


def _pipeline():
    rng = np.random.RandomState(3)
    x = rng.rand(80, 5).astype("float32")
    y = rng.randint(0, 3, 80)
    # Two shuffles (a seeded buffer, then batches reshuffled) and a map: every counter counts.
    data = deepfit.data.Dataset.from_tensor_slices((x, y)).shuffle(32, seed=5)
    return data.map(lambda a, b: (a * 2.0, b)).batch(10).shuffle(4, seed=9)


def _validation():
    rng = np.random.RandomState(4)
    return rng.rand(20, 5).astype("float32"), rng.randint(0, 3, 20)


def _model():
    deepfit.utils.set_random_seed(21)
    model = deepfit.Sequential([deepfit.Input((5,)), layers.Dense(12, activation="relu"),
                                layers.Dropout(0.2), layers.Dense(3, activation="softmax")])
    model.compile(optimizer=deepfit.optimizers.Adam(0.01),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


class _CrashAt(Callback):
    def __init__(self, epoch, step):
        super().__init__()
        self.target, self.epoch = (epoch, step), None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.epoch, batch) == self.target:
            raise RuntimeError("power cut")


def _fit(callbacks):
    model = _model()
    history = model.fit(_pipeline(), epochs=4, validation_data=_validation(), verbose=0,
                        callbacks=callbacks)
    return model, history


@pytest.fixture(scope="module")
def uninterrupted():
    model, history = _fit([])
    return model.get_weights(), history.history


def _assert_bitwise(model, history, expected):
    weights, logs = expected
    assert history.history == logs
    for ours, theirs in zip(model.get_weights(), weights):
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("crash", [(2, 4), (1, 0), (3, 7)], ids=["mid", "first_step", "late"])
def test_a_crash_mid_epoch_resumes_bitwise_with_a_seeded_dataset_shuffle(tmp_path, crash,
                                                                         uninterrupted):
    with pytest.raises(RuntimeError, match="power cut"):
        _fit([BackupAndRestore(tmp_path, save_freq=3), _CrashAt(*crash)])
    model, history = _fit([BackupAndRestore(tmp_path, save_freq=3)])
    _assert_bitwise(model, history, uninterrupted)


def test_a_crash_resumes_bitwise_from_an_epoch_backup(tmp_path, uninterrupted):
    with pytest.raises(RuntimeError, match="power cut"):
        _fit([BackupAndRestore(tmp_path), _CrashAt(2, 5)])
    model, history = _fit([BackupAndRestore(tmp_path)])
    _assert_bitwise(model, history, uninterrupted)


def test_without_the_saved_counter_the_resumed_order_would_differ(uninterrupted):
    # The test above can fail: a fresh pipeline starts at pass 0, not at the epoch's pass.
    first, again = _pipeline(), _pipeline()
    list(first)
    list(first)
    third = [b[1].tolist() for b in first]
    assert [b[1].tolist() for b in again] != third
    set_shuffle_passes(again, [2, 2])
    assert shuffle_passes(again) == [2, 2]
    assert [b[1].tolist() for b in again] == third
    with pytest.raises(ValueError, match="2 shuffled dataset"):
        set_shuffle_passes(deepfit.data.Dataset.range(4).shuffle(4, seed=1), [2, 2])
