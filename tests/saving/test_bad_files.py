"""Truncated, corrupt and wrong-kind files raise a FileFormatError (a ValueError) that names the
file and says what is wrong; nothing is half-loaded."""

from __future__ import annotations

import json
import zipfile

import h5py
import numpy as np
import pytest

import deepfit
from deepfit import layers
from deepfit.saving import FileFormatError, load_model


@pytest.fixture
def saved(tmp_path):
    model = deepfit.Sequential([deepfit.Input((4,)), layers.Dense(3), layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).random((8, 4)).astype("float32")
    model.fit(x, x[:, :2], epochs=1, verbose=0)
    model.save(tmp_path / "good.keras")
    model.save_weights(tmp_path / "good.weights.h5")
    return model, tmp_path


def _raises(call, path, *phrases):
    with pytest.raises(FileFormatError) as info:
        call()
    message = str(info.value)
    assert str(path) in message, message
    for phrase in phrases:
        assert phrase in message, message
    assert isinstance(info.value, ValueError)


def test_truncated_keras_file(saved):
    _, folder = saved
    data = (folder / "good.keras").read_bytes()
    for size in (len(data) // 2, len(data) - 30, 10):
        bad = folder / f"cut{size}.keras"
        bad.write_bytes(data[:size])
        _raises(lambda bad=bad: load_model(bad), bad, "truncated or corrupt")


def test_corrupt_weights_inside_the_archive(saved):
    _, folder = saved
    with zipfile.ZipFile(folder / "good.keras") as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    weights = bytearray(members["model.weights.h5"])
    weights[:64] = b"\0" * 64  # the HDF5 superblock is gone
    bad = folder / "corrupt.keras"
    with zipfile.ZipFile(bad, "w") as archive:
        for name, content in {**members, "model.weights.h5": bytes(weights)}.items():
            archive.writestr(name, content)
    _raises(lambda: load_model(bad), bad, "model.weights.h5", "not a readable HDF5 file")


def test_flipped_bytes_fail_the_zip_checksum(saved):
    _, folder = saved
    data = bytearray((folder / "good.keras").read_bytes())
    start = data.index(b'"class_name"')  # inside config.json, stored uncompressed
    data[start + 1:start + 5] = b"XXXX"
    bad = folder / "flipped.keras"
    bad.write_bytes(bytes(data))
    _raises(lambda: load_model(bad), bad, "config.json", "truncated or corrupt")


def test_wrong_kinds_of_file(saved):
    model, folder = saved
    _raises(lambda: load_model(folder / "good.weights.h5"), folder / "good.weights.h5",
            "HDF5 file", "load_weights")
    text = folder / "notes.keras"
    text.write_text("not a model")
    _raises(lambda: load_model(text), text, "not a .keras archive")
    empty = folder / "empty.keras"
    empty.write_bytes(b"")
    _raises(lambda: load_model(empty), empty, "not a .keras archive")
    other_zip = folder / "photos.keras"
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("cat.jpg", b"...")
    _raises(lambda: load_model(other_zip), other_zip, "no config.json")
    _raises(lambda: model.load_weights(text), text, "not a readable HDF5 file")
    _raises(lambda: load_model(folder), folder, "directory")
    with pytest.raises(FileNotFoundError, match="missing.keras"):
        load_model(folder / "missing.keras")


def test_bad_config_json(saved):
    _, folder = saved
    with zipfile.ZipFile(folder / "good.keras") as archive:
        members = {name: archive.read(name) for name in archive.namelist()}

    def write(name, config_bytes):
        path = folder / name
        with zipfile.ZipFile(path, "w") as archive:
            for member, content in {**members, "config.json": config_bytes}.items():
                archive.writestr(member, content)
        return path

    broken = write("broken.keras", b"{not json")
    _raises(lambda: load_model(broken), broken, "config.json is not valid JSON")
    config = json.loads(members["config.json"])
    config["config"]["layers"][1]["class_name"] = "FancyAttention"
    unknown = write("unknown.keras", json.dumps(config).encode())
    _raises(lambda: load_model(unknown), unknown, "unknown layer class 'FancyAttention'")
    not_model = write("list.keras", b"[1, 2, 3]")
    _raises(lambda: load_model(not_model), not_model, "does not describe a model")


def test_truncated_and_foreign_weights_files(saved):
    model, folder = saved
    before = model.get_weights()
    data = (folder / "good.weights.h5").read_bytes()
    cut = folder / "cut.weights.h5"
    cut.write_bytes(data[: len(data) // 2])
    _raises(lambda: model.load_weights(cut), cut, "not a readable HDF5 file")
    legacy = folder / "legacy.h5"
    with h5py.File(legacy, "w") as h5:
        h5.attrs["layer_names"] = [b"dense"]
        h5.create_group("model_weights")
    _raises(lambda: model.load_weights(legacy), legacy, "Layer count mismatch")
    foreign = folder / "foreign.h5"
    with h5py.File(foreign, "w") as h5:
        h5["images"] = np.zeros(3)
    _raises(lambda: model.load_weights(foreign), foreign, "not Keras-layout model weights")
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), before))


def test_links_in_weights_files_are_refused(saved):
    model, folder = saved
    path = folder / "linked.weights.h5"
    (folder / "good.weights.h5").replace(path)
    with h5py.File(path, "a") as h5:
        del h5["layers/dense/vars/0"]
        h5["layers/dense/vars/0"] = h5py.SoftLink("/layers/dense_1/vars/0")
    _raises(lambda: model.load_weights(path), path, "link")
