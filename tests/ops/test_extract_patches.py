"""`keras.ops.image.extract_patches` / `extract_patches_3d` and `tf.image.extract_patches`
against real Keras and TensorFlow (keras-io's vision-transformer example stopped on the missing
op): patch order, strides, dilation, 'same' padding, channels first, one image, volumes."""

from __future__ import annotations

import os

import numpy as np
import pytest

import deepfit
from deepfit import ops
from deepfit.compat.tensorflow import image as tf_image
from tests.trainer.keras_process import run_keras

PEERS_PYTHON = "/work/main/.venv-peers/bin/python"

CASES = {
    "plain": ("x", dict(size=(5, 5))),
    "int_size": ("x", dict(size=4)),
    "overlap": ("x", dict(size=(3, 2), strides=(2, 1))),
    "dilated": ("x", dict(size=(2, 3), strides=1, dilation_rate=2)),
    "same": ("x", dict(size=(4, 3), strides=(3, 2), padding="same")),
    "single": ("one", dict(size=(3, 3), strides=(1, 1))),
    "first": ("x_first", dict(size=(2, 3), data_format="channels_first")),
    "volume": ("vol", dict(size=(2, 3, 2))),
    "volume_3d_op": ("vol", dict(size=2, strides=(1, 2, 2), padding="same")),
}

_KERAS = "import tensorflow as tf\nCASES = " + repr(CASES) + """
for key, (name, kwargs) in CASES.items():
    op = keras.ops.image.extract_patches_3d if key == "volume_3d_op" else (
        keras.ops.image.extract_patches)
    result[key] = keras.ops.convert_to_numpy(op(inputs[name], **kwargs))
for padding in ("VALID", "SAME"):
    result["tf_" + padding] = tf.image.extract_patches(
        inputs["x"], sizes=[1, 3, 4, 1], strides=[1, 2, 3, 1], rates=[1, 1, 1, 1],
        padding=padding).numpy()
result["tf_rates"] = tf.image.extract_patches(
    inputs["x"], sizes=[1, 2, 2, 1], strides=[1, 1, 1, 1], rates=[1, 2, 3, 1],
    padding="VALID").numpy()
"""


def _data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 11, 10, 3)).astype("float32")
    return {"x": x, "one": x[0].copy(), "x_first": np.moveaxis(x, -1, 1).copy(),
            "vol": rng.normal(size=(2, 5, 7, 6, 2)).astype("float32")}


@pytest.mark.skipif(not os.path.exists(PEERS_PYTHON), reason="needs the peers venv (TF)")
def test_patches_match_keras_and_tensorflow():
    data = _data()
    expected = run_keras(_KERAS, python=PEERS_PYTHON, backend="tensorflow", **data)
    ours = {}
    for key, (name, kwargs) in CASES.items():
        op = ops.image.extract_patches_3d if key == "volume_3d_op" else ops.image.extract_patches
        ours[key] = op(data[name], **kwargs)
    for padding in ("VALID", "SAME"):
        ours["tf_" + padding] = tf_image.extract_patches(data["x"], [1, 3, 4, 1], [1, 2, 3, 1],
                                                         [1, 1, 1, 1], padding)
    ours["tf_rates"] = tf_image.extract_patches(data["x"], [1, 2, 2, 1], [1, 1, 1, 1],
                                                [1, 2, 3, 1], "VALID")
    assert sorted(ours) == sorted(expected)
    for key, value in expected.items():
        np.testing.assert_array_equal(np.asarray(ours[key]), value, err_msg=key)


def test_patch_layout_by_hand_and_symbolic_shape():
    image = np.arange(2 * 4 * 4 * 2, dtype="float32").reshape(2, 4, 4, 2)
    patches = ops.image.extract_patches(image, 2)
    assert tuple(patches.shape) == (2, 2, 2, 8)
    # the bottom-right patch of the second image: rows 2-3, columns 2-3, both channels
    np.testing.assert_array_equal(patches[1, 1, 1].numpy(), image[1, 2:4, 2:4].reshape(-1))
    symbolic = ops.image.extract_patches(deepfit.Input((12, 12, 3)), (4, 4))
    assert tuple(symbolic.shape) == (None, 3, 3, 48)


def test_bad_arguments_raise_keras_errors():
    image = np.zeros((1, 8, 8, 1), "float32")
    with pytest.raises(TypeError, match="Invalid `size` argument. Expected an int or a tuple"):
        ops.image.extract_patches(image, "3")
    with pytest.raises(ValueError, match="Expected a tuple of length 2 or 3"):
        ops.image.extract_patches(image, (2, 2, 2, 2))
    with pytest.raises(ValueError, match=r"sizes must be \[1, rows, cols, 1\]"):
        tf_image.extract_patches(image, [2, 2], [1, 1, 1, 1], [1, 1, 1, 1], "VALID")
