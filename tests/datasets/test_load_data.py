"""load_data() of mnist, fashion_mnist, cifar10 and digits, from generated files (no network).

Generated files cannot have the real files' sha256, so tests that use a cached or served copy
set the module's FILE_HASH to the generated file's hash; ORIGIN always points at 127.0.0.1.
"""

import gzip
import hashlib
import io
import os
import pickle
import tarfile

import numpy as np
import pytest

from deepfit.datasets import cifar10, digits, fashion_mnist, mnist
from deepfit.datasets.storage import RestrictedUnpickler
from deepfit.utils.file_utils import DownloadError


def mnist_arrays(seed=0):
    rng = np.random.default_rng(seed)
    return {
        "x_train": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, 6, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, 3, dtype=np.uint8),
    }


def write_npz(path, arrays):
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **arrays)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_mnist_equal(loaded, arrays):
    (x_train, y_train), (x_test, y_test) = loaded
    for got, key in [(x_train, "x_train"), (y_train, "y_train"), (x_test, "x_test"),
                     (y_test, "y_test")]:
        assert got.dtype == np.uint8 and np.array_equal(got, arrays[key])


@pytest.fixture()
def offline_mnist(monkeypatch, closed_port_url):
    monkeypatch.setattr(mnist, "ORIGIN", f"{closed_port_url}/mnist.npz")
    return mnist


def test_same_origins_and_hashes_as_keras():
    os.environ["KERAS_BACKEND"] = "torch"
    pytest.importorskip("keras")
    import inspect

    from keras.src.datasets import cifar10 as keras_cifar10
    from keras.src.datasets import fashion_mnist as keras_fashion
    from keras.src.datasets import mnist as keras_mnist

    mnist_source = inspect.getsource(keras_mnist)
    assert mnist.FILE_HASH in mnist_source and mnist.ORIGIN.rsplit("/", 1)[0] in mnist_source
    cifar_source = inspect.getsource(keras_cifar10)
    assert cifar10.FILE_HASH in cifar_source and cifar10.ORIGIN in cifar_source
    fashion_source = inspect.getsource(keras_fashion)
    assert fashion_mnist.BASE_URL in fashion_source
    assert all(name in fashion_source for name in fashion_mnist.FILES.values())


def test_mnist_from_deepfit_cache(homes, offline_mnist, monkeypatch):
    arrays = mnist_arrays()
    digest = write_npz(homes["deepfit"] / "datasets" / "mnist.npz", arrays)
    monkeypatch.setattr(mnist, "FILE_HASH", digest)
    assert_mnist_equal(mnist.load_data(), arrays)


@pytest.mark.parametrize("where", ["home", "keras_home"])
def test_mnist_from_keras_cache(homes, offline_mnist, monkeypatch, tmp_path, where):
    arrays = mnist_arrays(1)
    if where == "home":
        keras_dir = homes["home"] / ".keras"
    else:
        keras_dir = tmp_path / "custom_keras"
        monkeypatch.setenv("KERAS_HOME", str(keras_dir))
    digest = write_npz(keras_dir / "datasets" / "mnist.npz", arrays)
    monkeypatch.setattr(mnist, "FILE_HASH", digest)
    assert_mnist_equal(mnist.load_data(), arrays)
    assert not (homes["deepfit"] / "datasets" / "mnist.npz").exists()  # used in place


def test_mnist_download_then_cached(homes, server, monkeypatch):
    arrays = mnist_arrays(2)
    digest = write_npz(server.root / "mnist.npz", arrays)
    monkeypatch.setattr(mnist, "ORIGIN", f"{server.url}/mnist.npz")
    monkeypatch.setattr(mnist, "FILE_HASH", digest)
    assert_mnist_equal(mnist.load_data(), arrays)
    assert (homes["deepfit"] / "datasets" / "mnist.npz").is_file()
    server.stop()
    assert_mnist_equal(mnist.load_data(), arrays)
    assert server.requests == ["/mnist.npz"]


def test_mnist_explicit_path(tmp_path, offline_mnist, monkeypatch, homes):
    arrays = mnist_arrays(3)
    digest = write_npz(tmp_path / "elsewhere" / "my_mnist.npz", arrays)
    monkeypatch.setattr(mnist, "FILE_HASH", digest)
    assert_mnist_equal(mnist.load_data(path=str(tmp_path / "elsewhere" / "my_mnist.npz")), arrays)


def test_offline_with_nothing_cached_names_url_and_path(homes, offline_mnist):
    with pytest.raises(DownloadError) as caught:
        mnist.load_data()
    message = str(caught.value)
    assert mnist.ORIGIN in message
    assert f"place it at {homes['deepfit'] / 'datasets' / 'mnist.npz'}" in message
    assert os.path.join("~", ".keras", "datasets", "mnist.npz") in message


def test_cached_file_with_wrong_hash_offline(homes, offline_mnist):
    write_npz(homes["deepfit"] / "datasets" / "mnist.npz", mnist_arrays())  # real hash kept
    with pytest.raises(DownloadError, match="hash does not match"):
        mnist.load_data()


def test_corrupt_file_error_names_file_and_says_delete(homes, offline_mnist, monkeypatch):
    path = homes["deepfit"] / "datasets" / "mnist.npz"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"PK\x03\x04 truncated zip")
    monkeypatch.setattr(mnist, "FILE_HASH", hashlib.sha256(path.read_bytes()).hexdigest())
    with pytest.raises(ValueError, match="delete it") as caught:
        mnist.load_data()
    assert str(path) in str(caught.value)


@pytest.mark.parametrize("change", ["missing_key", "wrong_dtype", "wrong_rank", "length"])
def test_wrong_structure_is_reported(homes, offline_mnist, monkeypatch, change):
    arrays = mnist_arrays()
    if change == "missing_key":
        del arrays["y_test"]
    elif change == "wrong_dtype":
        arrays["x_train"] = arrays["x_train"].astype(np.float32)
    elif change == "wrong_rank":
        arrays["x_test"] = arrays["x_test"].reshape(3, -1)
    else:
        arrays["y_train"] = arrays["y_train"][:4]
    path = homes["deepfit"] / "datasets" / "mnist.npz"
    monkeypatch.setattr(mnist, "FILE_HASH", write_npz(path, arrays))
    with pytest.raises(ValueError, match="not a valid MNIST file") as caught:
        mnist.load_data()
    assert str(path) in str(caught.value)


# ----- fashion_mnist ----------------------------------------------------------------------------


def idx_bytes(array, labels):
    magic = 2049 if labels else 2051
    header = np.array([magic, *array.shape], dtype=">u4").tobytes()
    return gzip.compress(header + array.astype(np.uint8).tobytes())


def test_fashion_mnist_from_cache_and_corrupt_header(homes, monkeypatch, closed_port_url):
    monkeypatch.setattr(fashion_mnist, "BASE_URL", f"{closed_port_url}/")
    rng = np.random.default_rng(4)
    arrays = {"x_train": rng.integers(0, 256, (5, 28, 28)), "y_train": rng.integers(0, 10, 5),
              "x_test": rng.integers(0, 256, (2, 28, 28)), "y_test": rng.integers(0, 10, 2)}
    folder = homes["deepfit"] / "datasets" / "fashion-mnist"
    folder.mkdir(parents=True)
    for key, name in fashion_mnist.FILES.items():
        (folder / name).write_bytes(idx_bytes(arrays[key], labels=key.startswith("y")))
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    assert x_train.shape == (5, 28, 28) and x_train.dtype == np.uint8 and y_test.shape == (2,)
    assert np.array_equal(x_train, arrays["x_train"]) and np.array_equal(y_test, arrays["y_test"])
    broken = folder / fashion_mnist.FILES["x_test"]
    broken.write_bytes(idx_bytes(arrays["x_test"], labels=True))  # wrong magic number
    with pytest.raises(ValueError, match="delete it") as caught:
        fashion_mnist.load_data()
    assert str(broken) in str(caught.value)


# ----- cifar10 ----------------------------------------------------------------------------------


def cifar_batch(rng, count, protocol):
    content = {b"data": rng.integers(0, 256, (count, 3072), dtype=np.uint8),
               b"labels": rng.integers(0, 10, count).tolist(), b"batch_label": b"x"}
    return content, pickle.dumps(content, protocol=protocol)


def cifar_tar(rng, prefix="cifar-10-batches-py"):
    buffer, originals = io.BytesIO(), {}
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for index, name in enumerate(cifar10.BATCHES):
            content, raw = cifar_batch(rng, 4 if name != "test_batch" else 3, 2 + index % 3)
            originals[name] = content
            info = tarfile.TarInfo(f"{prefix}/{name}")
            info.size = len(raw)
            archive.addfile(info, io.BytesIO(raw))
    return buffer.getvalue(), originals


def expected_cifar(originals):
    def images(names):
        data = np.concatenate([originals[n][b"data"] for n in names])
        return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)

    def labels(names):
        return np.concatenate([originals[n][b"labels"] for n in names]).reshape(-1, 1)

    train = cifar10.BATCHES[:5]
    return (images(train), labels(train)), (images(["test_batch"]), labels(["test_batch"]))


def check_cifar(loaded, originals):
    (x_train, y_train), (x_test, y_test) = loaded
    (ex_train, ey_train), (ex_test, ey_test) = expected_cifar(originals)
    assert x_train.shape == (20, 32, 32, 3) and x_test.shape == (3, 32, 32, 3)
    assert y_train.shape == (20, 1) and y_train.dtype == np.uint8 and x_train.dtype == np.uint8
    assert np.array_equal(x_train, ex_train) and np.array_equal(y_train, ey_train)
    assert np.array_equal(x_test, ex_test) and np.array_equal(y_test, ey_test)
    # channel 0 of pixel (0, 0) is the first byte of the row: the red plane comes first
    assert x_test[0, 0, 0, 0] == originals["test_batch"][b"data"][0, 0]


def test_cifar10_download_extract_and_reuse(homes, server, monkeypatch):
    data, originals = cifar_tar(np.random.default_rng(5))
    digest = server.add("cifar-10-python.tar.gz", data)
    monkeypatch.setattr(cifar10, "ORIGIN", f"{server.url}/cifar-10-python.tar.gz")
    monkeypatch.setattr(cifar10, "FILE_HASH", digest)
    check_cifar(cifar10.load_data(), originals)
    assert (homes["deepfit"] / "datasets" / "cifar-10-batches-py" / "test_batch").is_file()
    server.stop()
    check_cifar(cifar10.load_data(), originals)
    assert server.requests == ["/cifar-10-python.tar.gz"]


def test_cifar10_from_keras3_unpacked_folder(homes, monkeypatch, closed_port_url):
    monkeypatch.setattr(cifar10, "ORIGIN", f"{closed_port_url}/cifar-10-python.tar.gz")
    data, originals = cifar_tar(np.random.default_rng(6))
    target = homes["home"] / ".keras" / "datasets" / "cifar-10-batches-py-target"
    target.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        archive.extractall(target, filter="data")
    check_cifar(cifar10.load_data(), originals)


def test_cifar10_corrupt_batch_and_offline(homes, monkeypatch, closed_port_url):
    monkeypatch.setattr(cifar10, "ORIGIN", f"{closed_port_url}/cifar-10-python.tar.gz")
    with pytest.raises(DownloadError, match="cifar-10-python.tar.gz"):
        cifar10.load_data()
    folder = homes["deepfit"] / "datasets" / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(7)
    for name in cifar10.BATCHES:
        (folder / name).write_bytes(cifar_batch(rng, 2, 4)[1])
    (folder / "data_batch_3").write_bytes(b"\x80\x04garbage")
    with pytest.raises(ValueError, match="delete it") as caught:
        cifar10.load_data()
    assert "data_batch_3" in str(caught.value)


def test_restricted_unpickler_refuses_code():
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo should-not-run",))

    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        RestrictedUnpickler(io.BytesIO(pickle.dumps({b"data": Evil()}))).load()


# ----- digits -----------------------------------------------------------------------------------


def test_digits_layout_and_split():
    pytest.importorskip("sklearn")
    from sklearn.datasets import load_digits

    (x_train, y_train), (x_test, y_test) = digits.load_data(test_split=0.25, seed=3)
    assert x_train.shape == (1347, 8, 8) and x_test.shape == (450, 8, 8)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    assert x_train.max() == 16 and x_train.min() == 0 and set(y_test.tolist()) == set(range(10))
    bunch = load_digits()
    order = np.arange(1797)
    np.random.RandomState(3).shuffle(order)
    assert np.array_equal(x_train, bunch.images[order[:1347]].astype(np.uint8))
    assert np.array_equal(y_test, bunch.target[order[1347:]])
    again = digits.load_data(test_split=0.25, seed=3)
    assert np.array_equal(again[0][0], x_train)
    with pytest.raises(ValueError, match="test_split"):
        digits.load_data(test_split=1.0)
