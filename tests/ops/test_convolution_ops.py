"""`keras.ops.conv`/`depthwise_conv`/`max_pool`/`average_pool` and `tf.nn.conv2d`,
`depthwise_conv2d`, `max_pool2d`, `avg_pool2d`, `conv1d` against real Keras and TensorFlow
(TensorFlow's 'same' padding puts the extra pixel after; 'same' averages leave the padding
out)."""

from __future__ import annotations

import os

import numpy as np
import pytest

from deepfit import ops
from deepfit.compat.tensorflow import nn as tf_nn
from tests.trainer.keras_process import run_keras

PEERS_PYTHON = "/work/main/.venv-peers/bin/python"

_KERAS = """
import tensorflow as tf
x, k, d, x1, k1 = (inputs[n] for n in ("x", "k", "d", "x1", "k1"))
for padding in ("valid", "same"):
    for strides in (1, 2):
        key = f"{padding}{strides}"
        result[f"conv_{key}"] = keras.ops.convert_to_numpy(
            keras.ops.conv(x, k, strides=strides, padding=padding))
        result[f"depthwise_{key}"] = keras.ops.convert_to_numpy(
            keras.ops.depthwise_conv(x, d, strides=strides, padding=padding))
        result[f"max_{key}"] = keras.ops.convert_to_numpy(
            keras.ops.max_pool(x, 3, strides=strides, padding=padding))
        result[f"avg_{key}"] = keras.ops.convert_to_numpy(
            keras.ops.average_pool(x, 3, strides=strides, padding=padding))
        big = padding.upper()
        result[f"tf_conv2d_{key}"] = tf.nn.conv2d(x, k, [1, strides, strides, 1], big).numpy()
        result[f"tf_depthwise_{key}"] = tf.nn.depthwise_conv2d(
            x, d, [1, strides, strides, 1], big).numpy()
        result[f"tf_max_{key}"] = tf.nn.max_pool2d(x, 3, strides, big).numpy()
        result[f"tf_avg_{key}"] = tf.nn.avg_pool2d(x, (3, 3), strides, big).numpy()
        result[f"tf_conv1d_{key}"] = tf.nn.conv1d(x1, k1, strides, big).numpy()
"""


@pytest.mark.skipif(not os.path.exists(PEERS_PYTHON), reason="needs the peers venv (TF)")
def test_convolution_and_pooling_match_keras_and_tensorflow():
    rng = np.random.default_rng(0)
    data = {"x": rng.normal(size=(2, 7, 6, 4)).astype("float32"),
            "k": rng.normal(size=(3, 2, 2, 6)).astype("float32"),  # 2 groups
            "d": rng.normal(size=(3, 3, 4, 2)).astype("float32"),
            "x1": rng.normal(size=(2, 9, 3)).astype("float32"),
            "k1": rng.normal(size=(4, 3, 2)).astype("float32")}
    expected = run_keras(_KERAS, python=PEERS_PYTHON, backend="tensorflow", **data)
    x, k, d = data["x"], data["k"], data["d"]
    ours = {}
    for padding in ("valid", "same"):
        for strides in (1, 2):
            key = f"{padding}{strides}"
            ours[f"conv_{key}"] = ops.conv(x, k, strides=strides, padding=padding)
            ours[f"depthwise_{key}"] = ops.depthwise_conv(x, d, strides=strides, padding=padding)
            ours[f"max_{key}"] = ops.max_pool(x, 3, strides=strides, padding=padding)
            ours[f"avg_{key}"] = ops.average_pool(x, 3, strides=strides, padding=padding)
            big = padding.upper()
            ours[f"tf_conv2d_{key}"] = tf_nn.conv2d(x, k, [1, strides, strides, 1], big)
            ours[f"tf_depthwise_{key}"] = tf_nn.depthwise_conv2d(x, d, [1, strides, strides, 1],
                                                                 big)
            ours[f"tf_max_{key}"] = tf_nn.max_pool2d(x, 3, strides, big)
            ours[f"tf_avg_{key}"] = tf_nn.avg_pool2d(x, (3, 3), strides, big)
            ours[f"tf_conv1d_{key}"] = tf_nn.conv1d(data["x1"], data["k1"], strides, big)
    assert sorted(ours) == sorted(expected)
    for key, value in expected.items():
        np.testing.assert_allclose(ops.convert_to_numpy(ours[key]), value, rtol=1e-4, atol=1e-4,
                                   err_msg=key)


def test_tensorflow_argument_errors_are_named():
    x = np.zeros((1, 4, 4, 1), "float32")
    with pytest.raises(ValueError, match="upper case"):
        tf_nn.conv2d(x, np.zeros((2, 2, 1, 1), "float32"), 1, "valid")
    with pytest.raises(NotImplementedError, match="explicit padding"):
        tf_nn.max_pool2d(x, 2, 2, [[0, 0], [1, 1], [1, 1], [0, 0]])
    with pytest.raises(ValueError, match="multiple"):
        ops.conv(x, np.zeros((2, 2, 3, 1), "float32"))
