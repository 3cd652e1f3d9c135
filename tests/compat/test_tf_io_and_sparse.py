"""`tf.io.read_file` / `decode_png`, `tf.strings.reduce_join(...).numpy()`, `tf.SparseTensor`,
`tf.sparse.to_dense`, `tf.compat.v1.scan` / `gather_nd` / `nn.ctc_loss` against TensorFlow
(the peers' venv), and the CTC layer of keras.io's captcha OCR example running in a model."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch

import deepfit.compat.tensorflow as tf
from deepfit import ops
from tests.trainer.keras_process import run_keras

PEERS_PYTHON = "/work/main/.venv-peers/bin/python"
RNG = np.random.default_rng(5)
LOGITS = RNG.normal(size=(7, 3, 5)).astype("float32")  # time-major, blank = 4
INDICES = np.array([[0, 0], [0, 1], [0, 2], [1, 0], [2, 0], [2, 1]], "int64")
VALUES = np.array([1, 3, 1, 2, 0, 0], "int32")


def _peers():
    if not os.path.exists(PEERS_PYTHON):
        pytest.skip("TensorFlow (the peers' venv) is not installed")


def _png(tmp_path, mode):
    from PIL import Image

    array = RNG.integers(0, 256, (6, 5, 3) if mode == "RGB" else (6, 5), dtype=np.uint8)
    path = tmp_path / f"image_{mode}.png"
    Image.fromarray(array, mode).save(path)
    return str(path)


def test_against_tensorflow(tmp_path):
    _peers()
    gray, rgb = _png(tmp_path, "L"), _png(tmp_path, "RGB")
    theirs = run_keras(f"""
import tensorflow as tf
result["gray"] = tf.io.decode_png(tf.io.read_file({gray!r}), channels=1).numpy()
result["rgb"] = tf.io.decode_png(tf.io.read_file({rgb!r})).numpy()
result["rgb_gray"] = tf.io.decode_png(tf.io.read_file({gray!r}), channels=3).numpy()
sparse = tf.SparseTensor(inputs["indices"], inputs["values"], [3, 4])
result["dense"] = tf.sparse.to_dense(sparse, default_value=-1).numpy()
result["ctc"] = tf.compat.v1.nn.ctc_loss(
    labels=sparse, inputs=inputs["logits"], sequence_length=[7, 5, 6]).numpy()
lengths = tf.constant([2, 0, 3])
result["scan"] = tf.compat.v1.scan(
    lambda acc, n: tf.expand_dims(tf.range(4), 0) < tf.fill([4], n), lengths,
    initializer=tf.cast(tf.fill([1, 4], 0), tf.bool)).numpy()
result["scan_sum"] = tf.compat.v1.scan(lambda a, x: a + x, tf.constant([1, 2, 3, 4])).numpy()
result["gather_nd"] = tf.compat.v1.gather_nd(inputs["logits"], [[0, 1], [6, 2]]).numpy()
""", python=PEERS_PYTHON, backend="tensorflow", indices=INDICES, values=VALUES, logits=LOGITS)
    np.testing.assert_array_equal(tf.io.decode_png(tf.io.read_file(gray), channels=1),
                                  theirs["gray"])
    np.testing.assert_array_equal(tf.io.decode_png(tf.io.read_file(rgb)), theirs["rgb"])
    np.testing.assert_array_equal(tf.io.decode_png(tf.io.read_file(gray), channels=3),
                                  theirs["rgb_gray"])
    sparse = tf.SparseTensor(INDICES, VALUES, [3, 4])
    np.testing.assert_array_equal(tf.sparse.to_dense(sparse, default_value=-1), theirs["dense"])
    loss = tf.compat.v1.nn.ctc_loss(labels=sparse, inputs=LOGITS, sequence_length=[7, 5, 6])
    np.testing.assert_allclose(np.asarray(loss), theirs["ctc"], rtol=1e-5, atol=1e-5)
    scanned = tf.compat.v1.scan(
        lambda acc, n: tf.expand_dims(tf.range(4), 0) < tf.fill([4], n), tf.constant([2, 0, 3]),
        initializer=tf.cast(tf.fill([1, 4], 0), tf.bool))
    np.testing.assert_array_equal(np.asarray(scanned), theirs["scan"])
    np.testing.assert_array_equal(
        np.asarray(tf.compat.v1.scan(lambda a, x: a + x, tf.constant([1, 2, 3, 4]))),
        theirs["scan_sum"])
    np.testing.assert_allclose(np.asarray(tf.compat.v1.gather_nd(LOGITS, [[0, 1], [6, 2]])),
                               theirs["gather_nd"])


def test_reduce_join_numpy_gives_bytes_and_sparse_cast_keeps_it_sparse():
    joined = tf.strings.reduce_join(np.array(["a", "b", "c"], dtype=object))
    assert joined.numpy() == b"abc" and joined.numpy().decode("utf-8") == "abc"
    sparse = ops.cast(tf.SparseTensor(INDICES, VALUES, [3, 4]), "float32")
    assert isinstance(sparse, tf.SparseTensor) and sparse.dtype == torch.float32
    with pytest.raises(TypeError, match="Input must be a SparseTensor"):
        tf.sparse.to_dense(torch.zeros(2, 2))
    with pytest.raises(ValueError, match="could not decode the image"):
        tf.io.decode_png(b"not a png")


def test_the_captcha_ctc_layer_trains():
    """keras.io's captcha OCR CTC layer (Keras 2's ctc_batch_cost written with ops and
    tf.compat.v1) as the endpoint of a small model: the loss goes down."""
    import deepfit as keras
    from deepfit.compat.keras import backend

    def dense_to_sparse(labels, label_lengths):
        shape = ops.shape(labels)
        mask = tf.compat.v1.scan(
            lambda old, n: ops.expand_dims(ops.arange(ops.shape(old)[1]), 0) < tf.fill(
                ops.stack([shape[1]]), n),
            label_lengths, initializer=ops.cast(tf.fill([1, shape[1]], 0), "bool"))[:, 0, :]
        columns = ops.reshape(ops.tile(ops.arange(0, shape[1]), ops.stack([shape[0]])), shape)
        rows = ops.transpose(ops.reshape(ops.tile(ops.arange(0, shape[0]),
                                                  ops.stack([shape[1]])),
                                         tf.reverse(shape, [0])))
        indices = ops.transpose(ops.reshape(ops.concatenate(
            [tf.compat.v1.boolean_mask(rows, mask), tf.compat.v1.boolean_mask(columns, mask)],
            axis=0), [2, -1]))
        return tf.SparseTensor(ops.cast(indices, "int64"), tf.compat.v1.gather_nd(labels, indices),
                               ops.cast(shape, "int64"))

    class CTCLayer(keras.layers.Layer):
        def call(self, y_true, y_pred):
            batch = ops.shape(y_true)[0]
            steps = ops.shape(y_pred)[1] * ops.ones((batch,), "int32")
            lengths = ops.shape(y_true)[1] * ops.ones((batch,), "int32")
            sparse = ops.cast(dense_to_sparse(y_true, lengths), "int32")
            logits = ops.log(ops.transpose(y_pred, axes=[1, 0, 2]) + backend.epsilon())
            self.add_loss(ops.expand_dims(tf.compat.v1.nn.ctc_loss(
                inputs=logits, labels=sparse, sequence_length=steps), 1))
            return y_pred

    keras.utils.set_random_seed(0)
    x = RNG.normal(size=(64, 12, 4)).astype("float32")
    y = (np.argmax(x[:, ::4, :3], axis=-1) + 1).astype("float32")  # 3 labels of 1..3
    images = keras.Input((12, 4))
    labels = keras.Input((3,))
    probabilities = keras.layers.Dense(5, activation="softmax")(
        keras.layers.Dense(32, activation="relu")(images))
    model = keras.Model([images, labels], CTCLayer()(labels, probabilities))
    model.compile(keras.optimizers.Adam(0.02))
    history = model.fit([x, y], epochs=15, batch_size=16, verbose=0).history
    assert history["loss"][-1] < 0.5 * history["loss"][0]
