"""Missing names are AttributeErrors too, so `hasattr`/`getattr(..., default)` probes by other
libraries (TensorBoard's `hasattr(tf.io.gfile, "join")`) work; `from x import missing` keeps the
message; `tf.io.gfile` works on local files."""

from __future__ import annotations

import pytest

from deepfit.compat import NameNotProvidedError, NotProvidedError, keras
from deepfit.compat import tensorflow as tf


def test_missing_names_are_attribute_errors_for_probes():
    assert not hasattr(tf, "no_such_function")
    assert not hasattr(keras.layers, "NoSuchLayer")
    assert getattr(keras.ops, "no_such_op", "fallback") == "fallback"
    with pytest.raises(AttributeError) as caught:
        tf.image.ssim  # noqa: B018
    assert isinstance(caught.value, NotProvidedError)
    assert isinstance(caught.value, NotImplementedError)
    assert str(caught.value) == "tf.image.ssim is not provided by deepfit"


def test_from_import_of_a_missing_name_keeps_the_message():
    with pytest.raises(ImportError, match="keras.layers.NoSuchLayer is not provided by deepfit"):
        from deepfit.compat.keras.layers import NoSuchLayer  # noqa: F401
    with pytest.raises(NotImplementedError) as caught:
        from deepfit.compat.keras.layers import NoSuchLayer  # noqa: F401, F811
    assert isinstance(caught.value, NameNotProvidedError)


def test_tensorboard_gfile_probe_and_local_files(tmp_path):
    # torch.utils.tensorboard._embedding evaluates this at import time.
    assert hasattr(tf.io.gfile, "join")
    gfile = tf.io.gfile
    folder = gfile.join(str(tmp_path), "logs", "train")
    gfile.makedirs(folder)
    gfile.makedirs(folder)  # exists already: fine, as in TensorFlow
    assert gfile.isdir(folder) and gfile.exists(folder)
    with gfile.GFile(gfile.join(folder, "a.txt"), "w") as handle:
        handle.write("hello")
    assert gfile.listdir(folder) == ["a.txt"]
    assert gfile.glob(gfile.join(folder, "*.txt")) == [gfile.join(folder, "a.txt")]
    with pytest.raises(FileExistsError, match="overwrite=True"):
        gfile.copy(gfile.join(folder, "a.txt"), gfile.join(folder, "a.txt"))
    gfile.rmtree(gfile.join(str(tmp_path), "logs"))
    assert not gfile.exists(folder)
