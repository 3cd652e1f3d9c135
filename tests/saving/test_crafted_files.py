"""Crafted files: links out of the file, FIFOs, oversized declarations, zip bombs, encrypted or
oddly compressed archives, absurd nesting and half-bad files. Each is refused with an error that
names the file, costs no more memory than the model's own weights, and leaves the model (and its
optimizer) bit for bit as it was."""

from __future__ import annotations

import json
import os
import threading
import tracemalloc
import zipfile

import h5py
import numpy as np
import pytest

import deepfit
from deepfit import layers
from deepfit.callbacks import BackupAndRestore
from deepfit.saving import FileFormatError, load_model
from tests.saving.test_bad_files import _raises as _refused

X = np.random.default_rng(0).random((8, 4)).astype("float32")


def _model():
    model = deepfit.Sequential([deepfit.Input((4,)), layers.Dense(3), layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(X, X[:, :2], epochs=1, batch_size=4, verbose=0)
    return model


@pytest.fixture
def saved(tmp_path):
    model = _model()
    model.save(tmp_path / "good.keras")
    model.save_weights(tmp_path / "good.weights.h5")
    fresh = _model()  # other weights, other optimizer state: what must survive a failed load
    return fresh, tmp_path


def _snapshot(model):
    return ([w.detach().clone() for w in model.weights], model.optimizer.get_state())


def _unchanged(model, snapshot):
    weights, state = snapshot
    assert all(torch_equal(a, b) for a, b in zip(model.weights, weights))
    now = model.optimizer.get_state()
    assert now.keys() == state.keys()
    for key, value in state.items():
        assert torch_equal(now[key], value) if hasattr(value, "shape") else now[key] == value


def torch_equal(a, b):
    return bool((a.detach() == b.detach()).all()) and a.dtype == b.dtype


def _copy(folder, name):
    path = folder / name
    path.write_bytes((folder / "good.weights.h5").read_bytes())
    return path


# ----------------------------------------------------------------------------- HDF5 links
def test_an_external_link_does_not_pull_data_from_another_file(saved):
    model, folder = saved
    victim = folder / "victim.h5"
    with h5py.File(victim, "w") as h5:
        h5["secret"] = np.full((4, 3), 7.0, dtype="float32")  # the shape the kernel needs
    for where in ("layers/dense/vars/0", "layers/dense_1", "layers"):
        path = _copy(folder, f"external_{where.count('/')}.weights.h5")
        with h5py.File(path, "a") as h5:
            del h5[where]
            h5[where] = h5py.ExternalLink(str(victim), "/secret")
        before = _snapshot(model)
        _refused(lambda path=path: model.load_weights(path), path, "external link")
        _unchanged(model, before)


def test_a_soft_link_is_refused(saved):
    model, folder = saved
    path = _copy(folder, "soft.weights.h5")
    with h5py.File(path, "a") as h5:
        del h5["layers/dense_1/vars"]
        h5["layers/dense_1/vars"] = h5py.SoftLink("/layers/dense/vars")
    before = _snapshot(model)
    _refused(lambda: model.load_weights(path), path, "soft or external link")
    _unchanged(model, before)


def _finishes(call, seconds=20):
    """Run `call` in a thread; fail (instead of hanging the suite) if it blocks."""
    outcome = {}

    def run():
        try:
            call()
        except Exception as err:  # noqa: BLE001 - handed to the test
            outcome["error"] = err

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "the load blocked"
    return outcome.get("error")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_neither_as_the_file_nor_behind_a_link_blocks(saved):
    model, folder = saved
    fifo = folder / "pipe"
    os.mkfifo(fifo)
    error = _finishes(lambda: model.load_weights(fifo))
    assert isinstance(error, FileFormatError) and "FIFO" in str(error) and str(fifo) in str(error)
    path = _copy(folder, "to_fifo.weights.h5")
    with h5py.File(path, "a") as h5:
        del h5["layers/dense/vars/0"]
        h5["layers/dense/vars/0"] = h5py.ExternalLink(str(fifo), "/x")
    error = _finishes(lambda: model.load_weights(path))
    assert isinstance(error, FileFormatError) and str(path) in str(error), error


def test_external_and_virtual_datasets_are_refused(saved):
    model, folder = saved
    raw = folder / "raw.bin"
    raw.write_bytes(np.ones(12, dtype="float32").tobytes())
    path = _copy(folder, "raw.weights.h5")
    with h5py.File(path, "a") as h5:
        del h5["layers/dense/vars/0"]
        h5["layers/dense/vars"].create_dataset("0", (4, 3), "float32",
                                               external=[(str(raw), 0, 48)])
    _refused(lambda: model.load_weights(path), path, "outside the file")


# ----------------------------------------------------------------------------- expansion
def _peak_bytes(call):
    tracemalloc.start()
    try:
        error = None
        try:
            call()
        except FileFormatError as err:
            error = err
        return tracemalloc.get_traced_memory()[1], error
    finally:
        tracemalloc.stop()


def test_a_tiny_file_declaring_huge_datasets_costs_nothing(saved):
    model, folder = saved
    path = _copy(folder, "huge.weights.h5")
    with h5py.File(path, "a") as h5:
        del h5["layers/dense/vars/0"]
        # 40 GB declared; unallocated compressed chunks read back as the fill value.
        h5["layers/dense/vars"].create_dataset("0", (100_000, 100_000), "float32",
                                               chunks=(1000, 1000), compression="gzip",
                                               fillvalue=1.0)
        del h5["optimizer/vars/2"]
        h5["optimizer/vars"].create_dataset("2", (50_000, 50_000), "float64", chunks=True,
                                            compression="gzip")
    assert path.stat().st_size < 100_000
    before = _snapshot(model)
    peak, error = _peak_bytes(lambda: model.load_weights(path))
    assert error is not None and "(100000, 100000)" in str(error) and str(path) in str(error)
    assert peak < 20 << 20, peak
    _unchanged(model, before)


def test_a_huge_optimizer_variable_is_not_read(saved):
    model, folder = saved
    path = _copy(folder, "huge_opt.weights.h5")
    with h5py.File(path, "a") as h5:
        del h5["optimizer/vars/2"]
        h5["optimizer/vars"].create_dataset("2", (50_000, 50_000), "float64", chunks=True,
                                            compression="gzip")
    before = _snapshot(model)
    tracemalloc.start()
    with pytest.warns(UserWarning, match="Skipping the optimizer state"):
        model.load_weights(path)  # the layers load; the odd optimizer state is skipped
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 20 << 20, peak
    assert model.optimizer.get_state()["iterations"] == before[1]["iterations"]


def test_string_datasets_are_refused(saved):
    model, folder = saved
    path = _copy(folder, "strings.weights.h5")
    with h5py.File(path, "a") as h5:
        del h5["layers/dense/vars/1"]
        h5["layers/dense/vars/1"] = np.array([b"a" * 1000] * 3)
    _refused(lambda: model.load_weights(path), path, "not a numeric weight")


def _rewrite(source, target, replace, compress=zipfile.ZIP_STORED):
    with zipfile.ZipFile(source) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members.update(replace)
    with zipfile.ZipFile(target, "w", compression=compress) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return target


def test_zip_bombs_are_capped_by_the_models_size(saved):
    model, folder = saved
    zeros = b"\0" * (64 << 20)  # 64 MiB of weights for a model of 23 parameters
    bomb = _rewrite(folder / "good.keras", folder / "bomb.keras", {"model.weights.h5": zeros},
                    zipfile.ZIP_DEFLATED)
    assert bomb.stat().st_size < 1 << 20
    for call in (lambda: load_model(bomb), lambda: model.load_weights(bomb)):
        before = _snapshot(model)
        peak, error = _peak_bytes(call)
        assert error is not None and "zip bomb" in str(error) and str(bomb) in str(error)
        assert peak < 8 << 20, peak
        _unchanged(model, before)
    config_bomb = _rewrite(folder / "good.keras", folder / "config_bomb.keras",
                           {"config.json": b" " * (80 << 20)}, zipfile.ZIP_DEFLATED)
    peak, error = _peak_bytes(lambda: load_model(config_bomb))
    assert error is not None and "config.json" in str(error) and "zip bomb" in str(error)
    assert peak < 8 << 20, peak


def _patch_headers(path, offset_local, offset_central, value: bytes):
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", offset_local), (b"PK\x01\x02", offset_central)):
        start = data.find(signature)
        while start != -1:
            data[start + offset:start + offset + len(value)] = value
            start = data.find(signature, start + 4)
    path.write_bytes(bytes(data))


def test_encrypted_and_unsupported_compression_archives_name_the_file(saved):
    model, folder = saved
    encrypted = _rewrite(folder / "good.keras", folder / "encrypted.keras", {})
    _patch_headers(encrypted, 6, 8, b"\x01\x00")  # general purpose flag bit 0: encrypted
    _refused(lambda: load_model(encrypted), encrypted, "encrypted")
    odd = _rewrite(folder / "good.keras", folder / "odd.keras", {})
    _patch_headers(odd, 8, 10, b"\x63\x00")  # method 99 (AES), which zipfile cannot read
    _refused(lambda: load_model(odd), odd, "compression method")
    before = _snapshot(model)
    _refused(lambda: model.load_weights(odd), odd, "compression method")
    _unchanged(model, before)


def test_absurd_nesting_names_the_file(saved):
    _, folder = saved
    deep_json = _rewrite(folder / "good.keras", folder / "deep.keras",
                         {"config.json": b"[" * 200_000 + b"]" * 200_000})
    _refused(lambda: load_model(deep_json), deep_json, "config.json", "nested too deeply")
    config = {"class_name": "Dense", "config": {"units": 1}}
    for _ in range(300):  # JSON reads it; rebuilding 300 nested models recurses too deeply
        config = {"class_name": "Sequential", "config": {"name": "s", "layers": [config]}}
    deep_model = _rewrite(folder / "good.keras", folder / "deep_model.keras",
                          {"config.json": json.dumps(config, check_circular=False).encode()})
    _refused(lambda: load_model(deep_model), deep_model, "nested too deeply")


# ----------------------------------------------------------------------------- all or nothing
def test_a_half_bad_weights_file_leaves_the_model_exactly_as_it_was(saved):
    model, folder = saved
    path = _copy(folder, "half_bad.weights.h5")
    with h5py.File(path, "a") as h5:
        kernel = h5["layers/dense_1/vars/0"][()]
        del h5["layers/dense_1/vars/0"]
        h5["layers/dense_1/vars"].create_dataset("0", data=kernel, chunks=kernel.shape,
                                                 fletcher32=True)
        offset = h5["layers/dense_1/vars/0"].id.get_chunk_info(0).byte_offset
    data = bytearray(path.read_bytes())
    data[offset:offset + 4] = b"\xff\xff\xff\xff"  # the checksum no longer matches
    path.write_bytes(bytes(data))
    before = _snapshot(model)
    _refused(lambda: model.load_weights(path), path)
    _unchanged(model, before)


def test_an_optimizer_state_that_fails_late_is_rolled_back(saved, monkeypatch):
    model, folder = saved
    from deepfit.saving import optimizer_variables

    def broken(*args, **kwargs):
        raise ValueError("simulated failure after the layers were read")

    monkeypatch.setattr("deepfit.saving.weights_file.load_optimizer_arrays", broken)
    assert optimizer_variables.load_optimizer_arrays is not broken
    before = _snapshot(model)
    _refused(lambda: model.load_weights(folder / "good.weights.h5"),
             folder / "good.weights.h5", "simulated failure")
    _unchanged(model, before)


def test_backup_and_restore_is_all_or_nothing(tmp_path):
    backup = tmp_path / "backup"
    first = _model()
    first.fit(X, X[:, :2], epochs=1, verbose=0,
              callbacks=[BackupAndRestore(backup, delete_checkpoint=False)])
    path = backup / "latest.weights.h5"
    with h5py.File(path, "a") as h5:
        state = h5["deepfit_training_state/optimizer"]
        name = sorted(state.keys())[0]
        del state[name]
        state[name] = np.zeros((5, 5), dtype="float32")  # the wrong shape for that slot
    model = _model()
    before = _snapshot(model)
    with pytest.raises(FileFormatError) as info:
        model.fit(X, X[:, :2], epochs=2, verbose=0, callbacks=[BackupAndRestore(backup)])
    assert str(path) in str(info.value)
    _unchanged(model, before)
