"""Small stand-in files in the exact formats of Keras's dataset downloads (imdb.npz of object
arrays and its word-index JSON, reuters.npz, boston/california .npz, cifar-100-python.tar.gz of
pickled dicts), generated deterministically. Shared by the tests and by
keras_datasets_reference.py, which records what real Keras's loaders return for them."""

import io
import json
import os
import pickle
import tarfile

import numpy as np


def _sequences(rng, count, vocabulary, longest):
    out = np.empty(count, dtype=object)
    for i in range(count):
        out[i] = [int(w) for w in rng.integers(1, vocabulary, int(rng.integers(3, longest)))]
    return out


def imdb_npz():
    rng = np.random.default_rng(11)
    arrays = {"x_train": _sequences(rng, 30, 60, 25), "y_train": rng.integers(0, 2, 30),
              "x_test": _sequences(rng, 20, 60, 25), "y_test": rng.integers(0, 2, 20)}
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def reuters_npz():
    rng = np.random.default_rng(12)
    buffer = io.BytesIO()
    np.savez(buffer, x=_sequences(rng, 40, 80, 30), y=rng.integers(0, 46, 40))
    return buffer.getvalue()


def word_index(size):
    return json.dumps({f"word{i}": i for i in range(1, size)}).encode()


def housing_npz(features, count, seed):
    rng = np.random.default_rng(seed)
    buffer = io.BytesIO()
    np.savez(buffer, x=rng.normal(size=(count, features)).round(3),
             y=rng.uniform(5, 50, count).round(2))
    return buffer.getvalue()


def cifar100_tar():
    rng = np.random.default_rng(13)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, count in (("train", 6), ("test", 4)):
            content = {b"data": rng.integers(0, 256, (count, 3072), dtype=np.uint8),
                       b"fine_labels": [int(v) for v in rng.integers(0, 100, count)],
                       b"coarse_labels": [int(v) for v in rng.integers(0, 20, count)],
                       b"filenames": [f"img{i}.png".encode() for i in range(count)]}
            raw = pickle.dumps(content, protocol=4)
            info = tarfile.TarInfo(f"cifar-100-python/{name}")
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    return buffer.getvalue()


FILES = {
    "imdb.npz": imdb_npz, "imdb_word_index.json": lambda: word_index(60),
    "reuters.npz": reuters_npz, "reuters_word_index.json": lambda: word_index(80),
    "boston_housing.npz": lambda: housing_npz(13, 50, 14),
    "california_housing.npz": lambda: housing_npz(8, 620, 15),
    "cifar-100-python.tar.gz": cifar100_tar,
}


def write_all(folder):
    """Write every stand-in file into `folder`; returns {name: path}."""
    os.makedirs(folder, exist_ok=True)
    paths = {}
    for name, make in FILES.items():
        paths[name] = os.path.join(folder, name)
        with open(paths[name], "wb") as handle:
            handle.write(make())
    return paths


CALLS = [
    ("imdb_default", "imdb", {}),
    ("imdb_words", "imdb", {"num_words": 20, "skip_top": 3, "seed": 7}),
    ("imdb_maxlen", "imdb", {"maxlen": 15, "oov_char": None, "start_char": None,
                             "index_from": 0}),
    ("imdb_index_from", "imdb", {"index_from": 5, "start_char": 2, "oov_char": 9,
                                 "num_words": 30}),
    ("reuters_default", "reuters", {}),
    ("reuters_split", "reuters", {"num_words": 40, "test_split": 0.3, "maxlen": 20}),
    ("boston_default", "boston_housing", {}),
    ("boston_split", "boston_housing", {"test_split": 0.1, "seed": 3}),
    ("california_large", "california_housing", {}),
    ("california_small", "california_housing", {"version": "small", "test_split": 0.25}),
    ("cifar100_fine", "cifar100", {}),
    ("cifar100_coarse", "cifar100", {"label_mode": "coarse"}),
]
