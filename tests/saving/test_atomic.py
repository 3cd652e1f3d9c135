"""Atomic writes: a failed save (disk full, exception) leaves the previous file intact and no
temporary file behind; a successful one replaces the file as a whole."""

from __future__ import annotations

import errno
import os

import numpy as np
import pytest

import deepfit
from deepfit.saving import atomic


class _FullDisk:
    """A file whose writes fail with ENOSPC once `budget` bytes have been written."""

    def __init__(self, handle, budget: int) -> None:
        self.handle, self.budget = handle, budget

    def write(self, data) -> int:
        self.budget -= len(data)
        if self.budget < 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        return self.handle.write(data)

    def __getattr__(self, name):
        return getattr(self.handle, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self.handle.__exit__(*exc)


@pytest.fixture
def full_disk(monkeypatch):
    """After this many bytes of a save, the disk is full."""
    def install(budget: int) -> None:
        real_open = atomic._open
        monkeypatch.setattr(atomic, "_open", lambda path, mode: _FullDisk(real_open(path, mode),
                                                                          budget))
    return install


def _leftovers(directory) -> list[str]:
    return sorted(name for name in os.listdir(directory) if name.endswith(".tmp"))


def _model():
    model = deepfit.Sequential([deepfit.Input((4,)), deepfit.layers.Dense(3),
                                deepfit.layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    return model


def test_atomic_write_replaces_the_whole_file(tmp_path):
    target = tmp_path / "data.bin"
    target.write_bytes(b"old content")
    with atomic.atomic_write(target) as handle:
        handle.write(b"new")
        assert target.read_bytes() == b"old content"  # not visible until the block ends
    assert target.read_bytes() == b"new"
    assert _leftovers(tmp_path) == []


def test_exception_in_the_block_keeps_the_old_file(tmp_path):
    target = tmp_path / "data.bin"
    target.write_bytes(b"old content")
    with pytest.raises(RuntimeError):
        with atomic.atomic_write(target) as handle:
            handle.write(b"half")
            raise RuntimeError("crash while writing")
    assert target.read_bytes() == b"old content"
    assert _leftovers(tmp_path) == []


def test_disk_full_during_model_save_keeps_the_previous_model(tmp_path, full_disk):
    x = np.random.default_rng(0).random((8, 4)).astype("float32")
    model = _model()
    model.fit(x, x[:, :2], epochs=1, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    before = path.read_bytes()
    expected = model.predict(x, verbose=0)
    model.fit(x, x[:, :2], epochs=2, verbose=0)  # the weights change
    full_disk(budget=1500)
    with pytest.raises(OSError) as info:
        model.save(path)
    assert info.value.errno == errno.ENOSPC
    assert path.read_bytes() == before
    assert _leftovers(tmp_path) == []
    restored = deepfit.models.load_model(path)
    np.testing.assert_array_equal(restored.predict(x, verbose=0), expected)


def test_disk_full_during_save_weights(tmp_path, full_disk):
    model = _model()
    model.build((None, 4))
    path = tmp_path / "w.weights.h5"
    model.save_weights(path)
    before = path.read_bytes()
    full_disk(budget=100)
    with pytest.raises(OSError):
        model.save_weights(path)
    assert path.read_bytes() == before
    assert _leftovers(tmp_path) == []


def test_new_files_get_ordinary_permissions_and_existing_ones_keep_theirs(tmp_path):
    fresh = tmp_path / "fresh.bin"
    atomic.atomic_write_bytes(fresh, b"x")
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(fresh).st_mode & 0o777 == 0o666 & ~umask
    kept = tmp_path / "kept.bin"
    kept.write_bytes(b"x")
    os.chmod(kept, 0o640)
    atomic.atomic_write_bytes(kept, b"y")
    assert os.stat(kept).st_mode & 0o777 == 0o640


def test_remove_stale_temps_only_removes_this_files_leftovers(tmp_path):
    target = tmp_path / "latest.weights.h5"
    stale = tmp_path / f"{atomic.temp_prefix(target)}abc123{atomic.TEMP_SUFFIX}"
    other = tmp_path / f"{atomic.temp_prefix(tmp_path / 'other.h5')}abc{atomic.TEMP_SUFFIX}"
    stale.write_bytes(b"partial")
    other.write_bytes(b"partial")
    assert atomic.remove_stale_temps(target) == [str(stale)]
    assert other.exists() and not stale.exists()
