"""imdb, reuters, boston_housing, california_housing and cifar100 from stand-in files in the
exact upstream formats (standins.py), compared with what real Keras's loaders returned for the
same files (recorded by keras_datasets_reference.py); downloads come from 127.0.0.1."""

from __future__ import annotations

import hashlib
import json
import os

import numpy as np
import pytest

from deepfit.datasets import boston_housing, california_housing, cifar100, imdb, reuters
from tests.datasets.standins import CALLS, FILES, write_all

with open(os.path.join(os.path.dirname(__file__), "reference",
                       "keras_datasets_reference.json")) as _f:
    REFERENCE = json.load(_f)

MODULES = {"imdb": imdb, "reuters": reuters, "boston_housing": boston_housing,
           "california_housing": california_housing, "cifar100": cifar100}
FILE_OF = {"imdb": "imdb.npz", "reuters": "reuters.npz", "boston_housing": "boston_housing.npz",
           "california_housing": "california_housing.npz",
           "cifar100": "cifar-100-python.tar.gz"}


def _digest(name: str) -> str:
    return hashlib.sha256(FILES[name]()).hexdigest()


@pytest.fixture()
def keras_cache(homes, monkeypatch):
    """The stand-ins in Keras's cache (~/.keras/datasets), with their hashes as the known ones."""
    folder = homes["home"] / ".keras" / "datasets"
    paths = write_all(str(folder))
    os.replace(paths["cifar-100-python.tar.gz"], folder / "cifar-100-python-target_archive")
    for module, name in FILE_OF.items():
        monkeypatch.setattr(MODULES[module], "FILE_HASH", _digest(name))
    for module, name in (("imdb", "imdb_word_index.json"), ("reuters",
                                                            "reuters_word_index.json")):
        monkeypatch.setattr(MODULES[module], "WORD_INDEX_HASH",
                            hashlib.md5(FILES[name]()).hexdigest())
    return folder


def _check(got, expected):
    for value, want in zip(got, expected):
        if want["dtype"] == "object":
            assert value.dtype == object
            assert [list(row) for row in value] == want["values"]
        else:
            assert str(value.dtype) == want["dtype"] and list(value.shape) == want["shape"]
            np.testing.assert_array_equal(value.reshape(-1), np.array(want["values"],
                                                                      dtype=value.dtype))


@pytest.mark.parametrize("name, module, kwargs", CALLS, ids=[c[0] for c in CALLS])
def test_same_arrays_as_keras(keras_cache, name, module, kwargs):
    (x_train, y_train), (x_test, y_test) = MODULES[module].load_data(**kwargs)
    _check((x_train, y_train, x_test, y_test), REFERENCE[name])


def test_word_indices_and_label_names(keras_cache):
    assert imdb.get_word_index() == REFERENCE["imdb_word_index"]
    assert reuters.get_word_index()["word3"] == 3
    assert list(reuters.get_label_names()) == REFERENCE["reuters_labels"]


def test_imdb_download_from_server(homes, server, monkeypatch):
    digest = server.add("imdb.npz", FILES["imdb.npz"]())
    monkeypatch.setattr(imdb, "ORIGIN", f"{server.url}/imdb.npz")
    monkeypatch.setattr(imdb, "FILE_HASH", digest)
    (x_train, _), _ = imdb.load_data(num_words=20, skip_top=3, seed=7)
    _check((x_train,), REFERENCE["imdb_words"][:1])
    assert (homes["deepfit"] / "datasets" / "imdb.npz").is_file()
    imdb.load_data()
    assert server.requests == ["/imdb.npz"]  # the second call uses the cache


def test_cifar100_download_and_extract(homes, server, monkeypatch):
    digest = server.add("cifar-100-python.tar.gz", FILES["cifar-100-python.tar.gz"]())
    monkeypatch.setattr(cifar100, "ORIGIN", f"{server.url}/cifar-100-python.tar.gz")
    monkeypatch.setattr(cifar100, "FILE_HASH", digest)
    (x_train, y_train), (x_test, y_test) = cifar100.load_data(label_mode="coarse")
    _check((x_train, y_train, x_test, y_test), REFERENCE["cifar100_coarse"])


def test_bad_arguments_and_corrupt_files(keras_cache, monkeypatch):
    with pytest.raises(ValueError, match="label_mode"):
        cifar100.load_data(label_mode="medium")
    with pytest.raises(ValueError, match="version"):
        california_housing.load_data(version="tiny")
    with pytest.raises(ValueError, match="test_split"):
        boston_housing.load_data(test_split=1.0)
    with pytest.raises(ValueError, match="maxlen"):
        imdb.load_data(maxlen=2)
    (keras_cache / "reuters.npz").write_bytes(b"not a zip file")
    monkeypatch.setattr(reuters, "FILE_HASH", hashlib.sha256(b"not a zip file").hexdigest())
    with pytest.raises(ValueError, match="delete it"):
        reuters.load_data()


def test_pickles_other_than_arrays_are_refused(keras_cache, monkeypatch):
    import io

    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    buffer = io.BytesIO()
    np.savez(buffer, x=np.array([Evil()], dtype=object), y=np.array([1]))
    data = buffer.getvalue()
    (keras_cache / "reuters.npz").write_bytes(data)
    monkeypatch.setattr(reuters, "FILE_HASH", hashlib.sha256(data).hexdigest())
    with pytest.raises(ValueError, match="refusing to load posix.system|refusing"):
        reuters.load_data()
