"""The pieces of TensorFlow's "load images" tutorial's tf.data pipeline: `Dataset.list_files`,
`tf.io.read_file`, `tf.io.decode_jpeg` (with `ratio` and libjpeg's grayscale), `decode_png`,
`decode_image` and `tf.argmax` of a bool vector (`tf.argmax(parts[-2] == class_names)`),
against TensorFlow on the same files."""

from __future__ import annotations

import io
import os

import numpy as np
import pytest

import deepfit.compat.tensorflow as tf
from deepfit.data import Dataset
from tests.trainer.keras_process import run_keras

PEERS_PYTHON = "/work/main/.venv-peers/bin/python"


def _write_images(folder) -> dict[str, str]:
    from PIL import Image

    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:37, 0:50]
    smooth = np.stack([120 + 90 * np.sin(xx / (4 + c) + yy / 9) for c in range(3)], -1)
    rgb = np.clip(smooth + rng.normal(0, 12, smooth.shape), 0, 255).astype("uint8")
    paths = {}
    for name, image, kind in [("photo.jpg", Image.fromarray(rgb), "JPEG"),
                              ("gray.jpg", Image.fromarray(rgb[..., 0]), "JPEG"),
                              ("rgba.png", Image.fromarray(np.dstack([rgb, rgb[..., :1]])), "PNG"),
                              ("gray.png", Image.fromarray(rgb[..., 1]), "PNG")]:
        path = os.path.join(folder, name)
        image.save(path, kind, quality=90) if kind == "JPEG" else image.save(path, kind)
        paths[name] = path
    return paths


_TF = """
import tensorflow as tf
paths = {PATHS}
read = lambda name: tf.io.read_file(paths[name])
jpeg = lambda name, **kw: tf.io.decode_jpeg(read(name), dct_method="INTEGER_ACCURATE", **kw)
result["jpeg"] = jpeg("photo.jpg").numpy()
result["jpeg_gray"] = jpeg("photo.jpg", channels=1).numpy()
result["jpeg_ratio"] = jpeg("photo.jpg", ratio=2).numpy()
result["gray_jpeg"] = jpeg("gray.jpg").numpy()
result["gray_jpeg_rgb"] = jpeg("gray.jpg", channels=3).numpy()
result["jpeg_fast"] = tf.io.decode_jpeg(read("photo.jpg")).numpy()
result["png"] = tf.io.decode_png(read("rgba.png")).numpy()
result["png_rgb"] = tf.io.decode_png(read("rgba.png"), channels=3).numpy()
result["png_gray"] = tf.io.decode_png(read("gray.png")).numpy()
result["image"] = tf.io.decode_image(read("rgba.png"), dtype=tf.float32).numpy()
result["bytes"] = len(read("photo.jpg").numpy())
result["listed"] = [p.decode() for p in tf.data.Dataset.list_files(
    [FOLDER + "/*.png", FOLDER + "/*.jpg"], shuffle=False).as_numpy_iterator()]
result["argmax"] = tf.argmax(tf.constant([False, True, True])).numpy()
"""


@pytest.mark.skipif(not os.path.exists(PEERS_PYTHON), reason="needs the peers venv (TF)")
def test_decoders_and_listing_match_tensorflow(tmp_path):
    paths = _write_images(str(tmp_path))
    code = _TF.replace("{PATHS}", repr(paths)).replace("FOLDER", repr(str(tmp_path)))
    expected = run_keras(code, python=PEERS_PYTHON, backend="tensorflow")

    def read(name):
        return tf.io.read_file(paths[name])

    ours = {
        "jpeg": tf.io.decode_jpeg(read("photo.jpg")),
        "jpeg_gray": tf.io.decode_jpeg(read("photo.jpg"), channels=1),
        "jpeg_ratio": tf.io.decode_jpeg(read("photo.jpg"), ratio=2),
        "gray_jpeg": tf.io.decode_jpeg(read("gray.jpg")),
        "gray_jpeg_rgb": tf.io.decode_jpeg(read("gray.jpg"), channels=3),
        "png": tf.io.decode_png(read("rgba.png")),
        "png_rgb": tf.io.decode_png(read("rgba.png"), channels=3),
        "png_gray": tf.io.decode_png(read("gray.png")),
        "image": tf.io.decode_image(read("rgba.png"), dtype=tf.float32),
    }
    for key, value in ours.items():
        assert value.shape == expected[key].shape, key
        difference = np.abs(value.numpy().astype(float) - expected[key]).max()
        assert difference <= 1e-6, (key, difference)
    # TensorFlow's default DCT is libjpeg's fast integer one; deepfit decodes with the
    # accurate one (TensorFlow's dct_method="INTEGER_ACCURATE", equal above): a few levels
    fast = np.abs(ours["jpeg"].numpy().astype(int) - expected["jpeg_fast"]).max()
    assert fast <= 8
    assert len(np.asarray(read("photo.jpg")).item()) == int(expected["bytes"])
    listed = list(Dataset.list_files([str(tmp_path / "*.png"), str(tmp_path / "*.jpg")],
                                     shuffle=False))
    assert [str(p) for p in listed] == list(expected["listed"])
    assert int(tf.argmax(tf.constant([False, True, True]))) == int(expected["argmax"])


def test_list_files_shuffles_by_default_and_refuses_an_empty_match(tmp_path):
    for i in range(20):
        (tmp_path / f"{i:02d}.txt").write_text("x")
    listed = [str(p) for p in Dataset.list_files(str(tmp_path / "*.txt"), seed=3)]
    assert sorted(listed) == [str(tmp_path / f"{i:02d}.txt") for i in range(20)]
    assert listed != sorted(listed)
    with pytest.raises(ValueError, match="No files matched pattern"):
        Dataset.list_files(str(tmp_path / "*.jpg"))


def test_the_tutorials_label_and_image_pipeline(tmp_path):
    from PIL import Image

    for label in ("daisy", "roses"):
        (tmp_path / label).mkdir()
        for i in range(3):
            buffer = io.BytesIO()
            Image.fromarray(np.full((8, 6, 3), 40 * i, "uint8")).save(buffer, "JPEG")
            (tmp_path / label / f"{i}.jpg").write_bytes(buffer.getvalue())
    class_names = np.array(["daisy", "roses"])

    def process_path(file_path):
        label = tf.argmax(tf.strings.split(file_path, os.path.sep)[-2] == class_names)
        image = tf.image.resize(tf.io.decode_jpeg(tf.io.read_file(file_path), channels=3), [4, 4])
        return image, label

    pairs = list(Dataset.list_files(str(tmp_path / "*/*"), shuffle=False).map(process_path))
    assert [int(label) for _, label in pairs] == [0, 0, 0, 1, 1, 1]
    assert all(tuple(image.shape) == (4, 4, 3) for image, _ in pairs)


def test_bad_inputs_raise_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.jpg"):
        tf.io.read_file(str(tmp_path / "missing.jpg"))
    with pytest.raises(ValueError, match="could not decode the image"):
        tf.io.decode_jpeg(b"not an image")
    with pytest.raises(ValueError, match="channels: expected 0, 1 or 3"):
        tf.io.decode_jpeg(b"", channels=4)
    with pytest.raises(ValueError, match="ratio: expected 1, 2, 4 or 8"):
        tf.io.decode_jpeg(b"", ratio=3)


def test_string_elements_answer_numpy_with_bytes_as_tensorflow(tmp_path):
    (tmp_path / "a.txt").write_text("x")
    (path,) = Dataset.list_files(str(tmp_path / "*.txt"))
    assert path == str(tmp_path / "a.txt") and isinstance(path, str)
    assert path.numpy() == str(tmp_path / "a.txt").encode()  # TensorFlow: b'/.../a.txt'
    (contents,) = Dataset.list_files(str(tmp_path / "*.txt")).map(tf.io.read_file)
    assert contents.numpy() == b"x"
