"""`History.to_json`, `save_report` and `plot` write atomically: a failure half-way (a full
disk) leaves the previous file byte for byte and no temporary file behind."""

from __future__ import annotations

import errno
import os

import numpy as np
import pytest

import deepfit
from deepfit.saving import atomic


class _FullDiskAfter:
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


@pytest.fixture(scope="module")
def history():
    model = deepfit.Sequential([deepfit.Input((3,)), deepfit.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).random((16, 3)).astype("float32")
    return model.fit(x, x[:, :1], epochs=2, validation_split=0.25, verbose=0)


def _fail_after(monkeypatch, budget):
    real_open = atomic._open
    monkeypatch.setattr(atomic, "_open",
                        lambda path, mode: _FullDiskAfter(real_open(path, mode), budget))


def _check_untouched(path, before):
    assert path.read_bytes() == before
    assert [n for n in os.listdir(path.parent) if n.endswith(".tmp")] == []


@pytest.mark.parametrize("kind", ["to_json", "save_report", "plot"])
def test_a_failed_write_leaves_the_previous_file(tmp_path, monkeypatch, history, kind):
    if kind == "plot":
        pytest.importorskip("matplotlib")
    suffix = {"to_json": ".json", "save_report": ".html", "plot": ".png"}[kind]
    target = tmp_path / f"out{suffix}"
    getattr(history, kind)(str(target))
    first = target.read_bytes()
    assert len(first) > 100
    target.write_bytes(b"previous version")
    _fail_after(monkeypatch, 50)
    with pytest.raises(OSError, match="No space"):
        getattr(history, kind)(str(target))
    _check_untouched(target, b"previous version")
    monkeypatch.undo()
    getattr(history, kind)(str(target))
    if kind != "plot":  # PNG metadata may differ; the text formats are deterministic
        assert target.read_bytes() == first
    else:
        assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
