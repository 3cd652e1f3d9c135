"""tf.image.crop_to_bounding_box and pad_to_bounding_box against TensorFlow (keras-io's CutMix
example cuts a box out of one image and pads it back into a canvas): values for one image and
batches, tensor offsets, TensorFlow's errors."""

from __future__ import annotations

import os
import re

import numpy as np
import pytest
import torch

from deepfit.compat.tensorflow import image as tf_image
from tests.trainer.keras_process import run_keras

PEERS_PYTHON = "/work/main/.venv-peers/bin/python"

_TF = """
import tensorflow as tf
one, batch = inputs["one"], inputs["batch"]
result["crop_one"] = tf.image.crop_to_bounding_box(one, 1, 2, 3, 4).numpy()
result["crop_batch"] = tf.image.crop_to_bounding_box(batch, 0, 3, 5, 2).numpy()
result["pad_one"] = tf.image.pad_to_bounding_box(one, 2, 1, 9, 8).numpy()
result["pad_batch"] = tf.image.pad_to_bounding_box(batch, 0, 2, 6, 9).numpy()
crop = tf.image.crop_to_bounding_box(one, tf.constant(2), tf.constant(1), 3, 3)
result["cutmix"] = tf.image.pad_to_bounding_box(crop, tf.constant(2), tf.constant(1), 6, 7).numpy()
"""


@pytest.mark.skipif(not os.path.exists(PEERS_PYTHON), reason="needs the peers venv (TF)")
def test_crop_and_pad_match_tensorflow():
    rng = np.random.default_rng(0)
    data = {"one": rng.normal(size=(6, 7, 3)).astype("float32"),
            "batch": rng.normal(size=(2, 5, 6, 2)).astype("float32")}
    expected = run_keras(_TF, python=PEERS_PYTHON, backend="tensorflow", **data)
    one, batch = data["one"], data["batch"]
    crop = tf_image.crop_to_bounding_box(one, torch.tensor(2), torch.tensor(1), 3, 3)
    ours = {"crop_one": tf_image.crop_to_bounding_box(one, 1, 2, 3, 4),
            "crop_batch": tf_image.crop_to_bounding_box(batch, 0, 3, 5, 2),
            "pad_one": tf_image.pad_to_bounding_box(one, 2, 1, 9, 8),
            "pad_batch": tf_image.pad_to_bounding_box(batch, 0, 2, 6, 9),
            "cutmix": tf_image.pad_to_bounding_box(crop, torch.tensor(2), torch.tensor(1), 6, 7)}
    assert sorted(ours) == sorted(expected)
    for key, value in expected.items():
        np.testing.assert_array_equal(np.asarray(ours[key]), value, err_msg=key)


@pytest.mark.parametrize("call, message", [
    (lambda x: tf_image.crop_to_bounding_box(x, -1, 0, 2, 2), "offset_height must be >= 0."),
    (lambda x: tf_image.crop_to_bounding_box(x, 0, 0, 0, 2), "target_height must be > 0."),
    (lambda x: tf_image.crop_to_bounding_box(x, 3, 0, 3, 2), "height must be >= target + offset."),
    (lambda x: tf_image.crop_to_bounding_box(x, 0, 4, 2, 2), "width must be >= target + offset."),
    (lambda x: tf_image.pad_to_bounding_box(x, 0, 1, 5, 5), "width must be <= target - offset"),
    (lambda x: tf_image.pad_to_bounding_box(x, 1, 0, 5, 6), "height must be <= target - offset"),
    (lambda x: tf_image.pad_to_bounding_box(x[0, 0], 0, 0, 5, 5), "must have either 3 or 4"),
])
def test_bad_boxes_raise_tensorflow_errors(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call(np.zeros((5, 5, 1), "float32"))
