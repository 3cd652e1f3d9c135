"""BackupAndRestore: a run killed at any moment (SIGKILL mid-epoch, SIGKILL inside a save), crashed
by an exception, stopped with Ctrl-C or preempted (SIGTERM/SIGUSR1), then started again, ends
with weights bitwise identical to an uninterrupted run, and with the same History (and CSVLogger
file)."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import deepfit
from deepfit import layers
from deepfit.callbacks import BackupAndRestore, Callback, CSVLogger
from deepfit.saving import FileFormatError

ROOT = Path(__file__).resolve().parents[2]

# Each run of this script trains the same model from the same seed; the environment says where
# to kill it: KILL_AT="epoch:step" (after that training step) or KILL_IN_SAVE=n (while the n-th
# backup of this process is being written); TERM_AT="epoch:step" sends TERM_SIGNAL (SIGTERM)
# instead, as a scheduler announcing preemption would.
SCRIPT = textwrap.dedent("""
    import json, os, signal, sys
    import numpy as np
    import torch
    import deepfit
    from deepfit import layers
    from deepfit.saving import atomic

    out, backup = sys.argv[1], sys.argv[2]
    kill_at = os.environ.get("KILL_AT")
    kill_in_save = int(os.environ.get("KILL_IN_SAVE", "0"))
    term_at = os.environ.get("TERM_AT")
    term_signal = getattr(signal, os.environ.get("TERM_SIGNAL", "SIGTERM"))
    torch.set_num_threads(1)
    deepfit.utils.set_random_seed(7)
    data = np.random.RandomState(1)
    x = data.rand(120, 8).astype("float32")
    y = data.randint(0, 3, 120)
    model = deepfit.Sequential([deepfit.Input((8,)), layers.Dense(16, activation="relu"),
                                layers.Dropout(0.3), layers.Dense(3, activation="softmax")])
    model.compile(optimizer=deepfit.optimizers.Adam(0.01),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])

    class Killer(deepfit.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch
        def on_train_batch_end(self, batch, logs=None):
            if kill_at == f"{self.epoch}:{batch}":
                os.kill(os.getpid(), signal.SIGKILL)
            if term_at == f"{self.epoch}:{batch}":
                os.kill(os.getpid(), term_signal)

    class DyingFile:
        # Dies after part of the backup has been written.
        def __init__(self, handle):
            self.handle, self.writes = handle, 0
        def write(self, data):
            self.writes += 1
            if self.writes == 4:
                self.handle.flush()
                os.kill(os.getpid(), signal.SIGKILL)
            return self.handle.write(data)
        def __getattr__(self, name):
            return getattr(self.handle, name)
        def __enter__(self):
            return self
        def __exit__(self, *exc):
            return self.handle.__exit__(*exc)

    if kill_in_save:
        opened, real_open = [0], atomic._open
        def dying_open(path, mode):
            opened[0] += 1
            handle = real_open(path, mode)
            return DyingFile(handle) if opened[0] == kill_in_save else handle
        atomic._open = dying_open

    history = model.fit(x, y, batch_size=16, epochs=4, validation_split=0.25, verbose=0,
                        callbacks=[deepfit.callbacks.BackupAndRestore(backup, save_freq=4),
                                   Killer()])
    np.savez(out, *model.get_weights())
    with open(out + ".json", "w") as f:
        json.dump({"history": history.history, "epoch": history.epoch}, f)
""")


def _run(tmp_path, out, backup, **env):
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "DEEPFIT_DEVICE": "cpu", **env}
    return subprocess.run([sys.executable, str(script), str(out), str(backup)], cwd=ROOT,
                          env=environment, capture_output=True, text=True, timeout=120)


def _result(out):
    weights = np.load(out)
    return [weights[k] for k in weights.files], json.loads(Path(f"{out}.json").read_text())


def test_sigkill_mid_epoch_and_mid_save_then_resume_is_bitwise_exact(tmp_path):
    reference = _run(tmp_path, tmp_path / "reference.npz", tmp_path / "unused")
    assert reference.returncode == 0, reference.stderr
    expected_weights, expected_history = _result(tmp_path / "reference.npz")
    backup, out = tmp_path / "backup", tmp_path / "resumed.npz"
    latest = backup / "latest.weights.h5"
    # 6 steps per epoch, a backup every 4 steps. 1: killed mid-epoch (epoch 1, step 2), two
    # steps after the backup taken at epoch 1 step 1.
    first = _run(tmp_path, out, backup, KILL_AT="1:2")
    assert first.returncode == -signal.SIGKILL
    assert latest.exists() and not out.exists()
    # 2: resumes, then is killed while writing its second backup: the previous one survives.
    second = _run(tmp_path, out, backup, KILL_IN_SAVE="2")
    assert second.returncode == -signal.SIGKILL
    assert [p.name for p in backup.iterdir() if p.name.endswith(".tmp")]
    # 3: resumes from that backup, killed again in the last epoch.
    third = _run(tmp_path, out, backup, KILL_AT="3:4")
    assert third.returncode == -signal.SIGKILL
    final = _run(tmp_path, out, backup)
    assert final.returncode == 0, final.stderr
    weights, history = _result(out)
    assert all(np.array_equal(a, b) for a, b in zip(weights, expected_weights))
    assert history == expected_history
    assert not backup.exists()  # deleted when training finished


@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGUSR1"])
def test_preemption_saves_exits_75_and_the_rerun_is_bitwise_exact(tmp_path, signal_name):
    reference = _run(tmp_path, tmp_path / "reference.npz", tmp_path / "unused")
    assert reference.returncode == 0, reference.stderr
    expected_weights, expected_history = _result(tmp_path / "reference.npz")
    backup, out = tmp_path / "backup", tmp_path / "resumed.npz"
    # 6 steps per epoch, a backup every 4 steps: the signal comes at epoch 1 step 2, two steps
    # after the last regular backup, so only the preemption backup holds this point.
    first = _run(tmp_path, out, backup, TERM_AT="1:2", TERM_SIGNAL=signal_name)
    assert first.returncode == 75, first.stderr
    assert (f"training stopped by {signal_name} in epoch 2 after step 3; the backup in "
            f"'{backup}' resumes it") in first.stderr
    assert "Traceback" not in first.stderr
    assert (backup / "latest.weights.h5").exists() and not out.exists()
    final = _run(tmp_path, out, backup)
    assert final.returncode == 0, final.stderr
    weights, history = _result(out)
    assert all(np.array_equal(a, b) for a, b in zip(weights, expected_weights))
    assert history == expected_history


# ----------------------------------------------------------------------------- in-process
def _data():
    rng = np.random.RandomState(3)
    return rng.rand(96, 6).astype("float32"), rng.randint(0, 2, 96)


def _model():
    deepfit.utils.set_random_seed(11)
    model = deepfit.Sequential([deepfit.Input((6,)), layers.Dense(12, activation="relu"),
                                layers.Dropout(0.25), layers.Dense(2, activation="softmax")])
    model.compile(optimizer=deepfit.optimizers.RMSprop(0.01),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _fit(model, callbacks, epochs=4):
    x, y = _data()
    return model.fit(x, y, batch_size=16, epochs=epochs, validation_split=0.25, verbose=0,
                     callbacks=callbacks)


class _At(Callback):
    """Runs `action` after training step `step` of epoch `epoch`."""

    def __init__(self, epoch, step, action):
        super().__init__()
        self.target, self.action, self.epoch = (epoch, step), action, None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.epoch, batch) == self.target:
            self.action()


def _crash():
    raise RuntimeError("power cut")


@pytest.fixture(scope="module")
def uninterrupted():
    model = _model()
    history = _fit(model, [])
    return model.get_weights(), history.history


def _same_weights(model, expected):
    return all(np.array_equal(a, b) for a, b in zip(model.get_weights(), expected))


@pytest.fixture()
def default_sigint():
    """Python's own Ctrl-C handler while the test runs, whatever the runner started with (a
    background job starts with SIGINT ignored), and the runner's handler back afterwards."""
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, old)


def test_ctrl_c_stops_after_the_step_keeps_history_and_resumes_exactly(tmp_path, uninterrupted,
                                                                       default_sigint):
    backup, log = tmp_path / "backup", tmp_path / "log.csv"
    model = _model()
    interrupt = _At(2, 1, lambda: os.kill(os.getpid(), signal.SIGINT))
    steps = []
    counter = deepfit.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: steps.append(b))
    history = _fit(model, [BackupAndRestore(backup), interrupt, counter,
                           CSVLogger(log, append=True)])
    assert history is model.history
    assert history.epoch == [0, 1] and len(history.history["loss"]) == 2
    assert steps[-1] == 1  # stopped right after the step that was running
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert (backup / "latest.weights.h5").exists()  # kept: training did not finish
    resumed = _model()
    history = _fit(resumed, [BackupAndRestore(backup), CSVLogger(log, append=True)])
    assert _same_weights(resumed, uninterrupted[0])
    assert history.history == uninterrupted[1]
    assert history.epoch == [0, 1, 2, 3]
    with open(log, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(row["epoch"]) for row in rows] == [0, 1, 2, 3]
    for key, values in history.history.items():
        assert [float(row[key]) for row in rows] == pytest.approx(values, rel=1e-12)


def test_a_crash_resumes_from_the_last_epoch_backup(tmp_path, uninterrupted):
    with pytest.raises(RuntimeError, match="power cut"):
        _fit(_model(), [BackupAndRestore(tmp_path), _At(2, 3, _crash)])
    resumed = _model()
    epochs_run = []
    history = _fit(resumed, [BackupAndRestore(tmp_path),
                             deepfit.callbacks.LambdaCallback(
                                 on_epoch_begin=lambda e, logs: epochs_run.append(e))])
    assert epochs_run == [2, 3]
    assert _same_weights(resumed, uninterrupted[0])
    assert history.history == uninterrupted[1]


def test_resuming_at_the_last_step_of_an_epoch(tmp_path, uninterrupted):
    with pytest.raises(RuntimeError):
        _fit(_model(), [BackupAndRestore(tmp_path, save_freq=1),
                        _At(1, 4, _crash)])
    resumed = _model()
    history = _fit(resumed, [BackupAndRestore(tmp_path, save_freq=5)])
    assert _same_weights(resumed, uninterrupted[0])
    assert history.history == uninterrupted[1]


def test_double_checkpoint_falls_back_to_the_previous_backup(tmp_path, uninterrupted):
    with pytest.raises(RuntimeError):
        _fit(_model(), [BackupAndRestore(tmp_path, double_checkpoint=True),
                        _At(3, 0, _crash)])
    assert (tmp_path / "latest.weights.h5.bkp").exists()
    (tmp_path / "latest.weights.h5").write_bytes(b"garbage")
    resumed = _model()
    with pytest.warns(UserWarning, match="restoring the previous one"):
        history = _fit(resumed, [BackupAndRestore(tmp_path, double_checkpoint=True)])
    assert _same_weights(resumed, uninterrupted[0])
    assert history.history == uninterrupted[1]


def test_unreadable_backups_and_foreign_files_are_reported(tmp_path):
    (tmp_path / "latest.weights.h5").write_bytes(b"garbage")
    with pytest.raises(FileFormatError, match="latest.weights.h5"):
        _fit(_model(), [BackupAndRestore(tmp_path)])
    model = _model()
    model.build((None, 6))
    model.save_weights(tmp_path / "latest.weights.h5")
    with pytest.raises(FileFormatError, match="not a BackupAndRestore backup"):
        _fit(_model(), [BackupAndRestore(tmp_path)])


def test_checkpoint_kept_or_deleted_and_argument_checks(tmp_path):
    _fit(_model(), [BackupAndRestore(tmp_path / "kept", delete_checkpoint=False)], epochs=1)
    assert (tmp_path / "kept" / "latest.weights.h5").exists()
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "notes.txt").write_text("mine")
    _fit(_model(), [BackupAndRestore(tmp_path / "shared")], epochs=1)
    assert sorted(p.name for p in (tmp_path / "shared").iterdir()) == ["notes.txt"]
    with pytest.raises(ValueError, match="backup_dir"):
        BackupAndRestore("")
    with pytest.raises(ValueError, match="save_freq"):
        BackupAndRestore(tmp_path, save_freq="batch")
    with pytest.raises(ValueError, match="save_freq"):
        BackupAndRestore(tmp_path, save_freq=0)


def test_a_second_ctrl_c_interrupts_at_once_and_the_handler_is_restored(default_sigint):
    def twice():
        os.kill(os.getpid(), signal.SIGINT)
        os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(KeyboardInterrupt):
        _fit(_model(), [_At(0, 1, twice)])
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_preemption_in_process_raises_system_exit_75_and_restores_handlers(tmp_path,
                                                                          default_sigint):
    from deepfit.trainer.signals import TrainingPreempted

    def previous(signum, frame):
        raise AssertionError("the user's handler must not run during fit")

    old = signal.signal(signal.SIGTERM, previous)
    try:
        model = _model()
        with pytest.raises(TrainingPreempted) as raised:
            _fit(model, [_At(1, 2, lambda: os.kill(os.getpid(), signal.SIGTERM))])
        assert isinstance(raised.value, SystemExit) and raised.value.code == 75
        assert "no BackupAndRestore callback was given" in str(raised.value)
        assert model.history.epoch == [0]           # no partial epoch recorded
        assert signal.getsignal(signal.SIGTERM) is previous
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGTERM, old)
