"""The tf.* tensor functions against NumPy / scikit-learn references and TensorFlow's rules."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import deepfit
import deepfit.compat.tensorflow as tf
from deepfit.backend import EagerTensor
from deepfit.compat.keras import backend as K
from deepfit.compat.keras import ops


def test_dtype_rules_of_python_numbers_arrays_and_tensors():
    assert tf.constant([1, 2]).dtype == tf.int32 and tf.constant([1.5]).dtype == tf.float32
    assert tf.constant(True).dtype == tf.bool
    assert tf.constant(np.zeros(2)).dtype == tf.float64  # NumPy keeps its dtype, as in TF
    assert tf.constant([1, 2], dtype=tf.float32).dtype is torch.float32
    assert tf.constant(3.0, shape=[2, 2]).numpy().tolist() == [[3.0, 3.0], [3.0, 3.0]]
    tensor = torch.ones(2)
    converted = tf.convert_to_tensor(tensor)  # an EagerTensor view of the same storage
    assert isinstance(converted, EagerTensor) and converted.data_ptr() == tensor.data_ptr()
    assert tf.convert_to_tensor(converted) is converted
    assert tf.constant(tensor) is not tensor
    assert tf.convert_to_tensor([tensor, tensor]).shape == (2, 2)
    assert tf.dtypes.as_dtype("int64") is tf.int64 and tf.as_dtype(np.uint8) is tf.uint8
    assert tf.float32 is torch.float32
    assert tf.constant(np.array(["a", "b"])).tolist() == ["a", "b"]  # strings stay NumPy
    with pytest.raises(TypeError, match="strings stay NumPy arrays"):
        tf.constant(np.array(["a", "b"]), dtype=tf.float32)
    with pytest.raises(TypeError, match="dtype: expected a dtype"):
        tf.cast([1], "complex256")


def test_cast_truncates_toward_zero_and_numpy_works():
    out = tf.cast([-1.7, 2.9], tf.int32)
    assert out.numpy().tolist() == [-1, 2] and out.numpy().dtype == np.int32
    assert tf.cast(np.arange(3), "float32").numpy().dtype == np.float32


@pytest.mark.parametrize("axis", [None, 0, 1, [0, 2], -1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_match_numpy(axis, keepdims):
    x = np.random.default_rng(0).normal(size=(2, 3, 4)).astype(np.float32)
    np_axis = tuple(axis) if isinstance(axis, list) else axis
    pairs = [(tf.reduce_sum, np.sum), (tf.reduce_mean, np.mean), (tf.reduce_max, np.max),
             (tf.reduce_min, np.min), (tf.reduce_prod, np.prod), (tf.math.reduce_std, np.std),
             (tf.math.reduce_variance, np.var)]
    for ours, reference in pairs:
        got = ours(x, axis=axis, keepdims=keepdims).numpy()
        np.testing.assert_allclose(got, reference(x, axis=np_axis, keepdims=keepdims),
                                   rtol=1e-5, atol=1e-6)
    expected = np.log(np.sum(np.exp(x), axis=np_axis, keepdims=keepdims))
    np.testing.assert_allclose(tf.reduce_logsumexp(x, axis, keepdims).numpy(), expected,
                               rtol=1e-5)
    np.testing.assert_array_equal(tf.reduce_any(x > 1, axis, keepdims).numpy(),
                                  np.any(x > 1, axis=np_axis, keepdims=keepdims))


def test_integer_reductions_keep_the_integer_dtype():
    assert tf.reduce_mean([1, 2]).numpy() == 1  # TF's truncated integer mean
    total = tf.reduce_sum(tf.constant([[1, 2], [3, 4]]), axis=1)
    assert total.dtype == tf.int32 and total.numpy().tolist() == [3, 7]


def test_argmax_defaults_to_axis_zero_and_int64():
    x = [[1, 9, 3], [8, 2, 7]]
    assert tf.argmax(x).numpy().tolist() == [1, 0, 1] and tf.argmax(x).dtype == tf.int64
    assert tf.argmax(x, axis=1).numpy().tolist() == [1, 0]
    assert tf.argmin(x, axis=1, output_type=tf.int32).dtype == tf.int32
    assert K.argmax(torch.tensor(x)).tolist() == [1, 0]  # Keras's axis=-1
    assert ops.argmax(x).item() == 1  # keras.ops flattens when axis is None


def test_one_hot():
    out = tf.one_hot([0, 2, 5, -1], depth=3)
    assert out.dtype == tf.float32
    assert out.numpy().tolist() == [[1, 0, 0], [0, 0, 1], [0, 0, 0], [0, 0, 0]]
    custom = tf.one_hot([1], depth=2, on_value=5, off_value=-1, axis=0)
    assert custom.dtype == tf.int32 and custom.numpy().tolist() == [[-1], [5]]


def test_confusion_matrix_matches_scikit_learn():
    from sklearn.metrics import confusion_matrix

    rng = np.random.default_rng(1)
    labels, predictions = rng.integers(0, 4, 50), rng.integers(0, 4, 50)
    ours = tf.math.confusion_matrix(labels, predictions, num_classes=4)
    assert ours.dtype == tf.int32
    np.testing.assert_array_equal(ours.numpy(), confusion_matrix(labels, predictions))
    weights = rng.uniform(size=50)
    np.testing.assert_allclose(
        tf.math.confusion_matrix(labels, predictions, weights=weights, dtype=tf.float64).numpy(),
        confusion_matrix(labels, predictions, sample_weight=weights))


def test_shape_functions():
    x = tf.reshape(tf.range(24), [2, 3, 4])
    assert x.dtype == tf.int32
    assert tf.shape(x).numpy().tolist() == [2, 3, 4] and tf.rank(x).numpy() == 3
    assert tf.size(x).numpy() == 24
    assert tuple(tf.transpose(x).shape) == (4, 3, 2)
    assert tuple(tf.transpose(x, perm=[0, 2, 1]).shape) == (2, 4, 3)
    assert tuple(tf.expand_dims(x, -1).shape) == (2, 3, 4, 1)
    assert tuple(tf.squeeze(tf.zeros([1, 3, 1])).shape) == (3,)
    assert tuple(tf.squeeze(tf.zeros([1, 3, 1]), axis=[2]).shape) == (1, 3)
    with pytest.raises(ValueError, match="axis 1 has size 3, expected 1"):
        tf.squeeze(tf.zeros([1, 3]), axis=1)
    assert tuple(tf.concat([x, x], axis=1).shape) == (2, 6, 4)
    assert tuple(tf.stack([x, x]).shape) == (2, 2, 3, 4) and len(tf.unstack(x)) == 2
    assert tf.tile([[1, 2]], [2, 2]).numpy().tolist() == [[1, 2, 1, 2], [1, 2, 1, 2]]
    assert tf.reverse([[1, 2], [3, 4]], axis=[1]).numpy().tolist() == [[2, 1], [4, 3]]


def test_indexing_functions_match_numpy():
    x = np.arange(12).reshape(3, 4)
    np.testing.assert_array_equal(tf.gather(x, [2, 0]).numpy(), x[[2, 0]])
    np.testing.assert_array_equal(tf.gather(x, [[3], [1]], axis=1).numpy(),
                                  np.take(x, [[3], [1]], axis=1))
    np.testing.assert_array_equal(tf.boolean_mask(x, [True, False, True]).numpy(), x[[0, 2]])
    np.testing.assert_array_equal(tf.where(x > 6).numpy(), np.argwhere(x > 6))
    np.testing.assert_array_equal(tf.where(x > 6, x, -x).numpy(), np.where(x > 6, x, -x))
    values, indices = tf.math.top_k([1.0, 5.0, 3.0], k=2)
    assert values.numpy().tolist() == [5.0, 3.0] and indices.numpy().tolist() == [1, 2]
    assert tf.sort([3, 1, 2], direction="DESCENDING").numpy().tolist() == [3, 2, 1]
    assert tf.argsort([3, 1, 2]).numpy().tolist() == [1, 2, 0]


def test_element_wise_math():
    x = np.array([-2.0, 0.5, 3.0], dtype=np.float32)
    np.testing.assert_allclose(tf.exp(x).numpy(), np.exp(x), rtol=1e-6)
    np.testing.assert_allclose(tf.math.log1p(np.abs(x)).numpy(), np.log1p(np.abs(x)), rtol=1e-6)
    assert tf.round([0.5, 1.5, 2.5]).numpy().tolist() == [0.0, 2.0, 2.0]  # half to even, as TF
    assert tf.clip_by_value(x, -1, 1).numpy().tolist() == [-1.0, 0.5, 1.0]
    assert tf.maximum(x, 0.0).numpy().tolist() == [0.0, 0.5, 3.0]
    assert tf.math.divide_no_nan([1.0, 2.0], [0.0, 4.0]).numpy().tolist() == [0.0, 0.5]
    assert (tf.constant([1.0]) * 2).dtype == tf.float32
    assert tf.equal([1, 2], [1, 3]).numpy().tolist() == [True, False]
    np.testing.assert_allclose(tf.math.cumsum([1, 2, 3], exclusive=True, reverse=True).numpy(),
                               [5, 3, 0])
    np.testing.assert_allclose(tf.matmul([[1.0, 2.0]], [[3.0, 4.0]], transpose_b=True).numpy(),
                               [[11.0]])
    vectors = np.array([[3.0, 4.0], [0.0, 0.0]], dtype=np.float32)
    np.testing.assert_allclose(tf.math.l2_normalize(vectors, axis=1).numpy(),
                               [[0.6, 0.8], [0.0, 0.0]], atol=1e-6)
    np.testing.assert_allclose(tf.norm(vectors).numpy(), 5.0)


def test_creation_functions():
    assert tf.range(5).numpy().tolist() == [0, 1, 2, 3, 4]
    assert tf.range(1.0, 2.0, 0.5).dtype == tf.float32
    np.testing.assert_allclose(tf.linspace(0, 1, 3).numpy(), [0.0, 0.5, 1.0])
    assert tf.zeros([2, 3]).shape == (2, 3) and tf.ones(2, dtype=tf.int64).dtype == tf.int64
    assert tf.fill([2], 7).numpy().tolist() == [7, 7]
    assert tf.eye(2).numpy().tolist() == [[1.0, 0.0], [0.0, 1.0]]


def test_nn_functions_match_their_formulas():
    logits = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]], dtype=np.float32)
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    softmax = exp / exp.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(tf.nn.softmax(logits).numpy(), softmax, rtol=1e-6)
    np.testing.assert_allclose(tf.nn.log_softmax(logits).numpy(), np.log(softmax), rtol=1e-5)
    assert tf.nn.leaky_relu([-1.0]).numpy().tolist() == pytest.approx([-0.2])  # TF's alpha
    labels = np.array([1, 2])
    np.testing.assert_allclose(
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits).numpy(),
        -np.log(softmax[[0, 1], labels]), rtol=1e-5)
    one_hot = np.eye(3)[labels]
    np.testing.assert_allclose(
        tf.nn.softmax_cross_entropy_with_logits(labels=one_hot, logits=logits).numpy(),
        -np.log(softmax[[0, 1], labels]), rtol=1e-5)
    z = np.array([0.0, 1.0], dtype=np.float32)
    x = np.array([0.3, -2.0], dtype=np.float32)
    expected = np.maximum(x, 0) - x * z + np.log1p(np.exp(-np.abs(x)))
    np.testing.assert_allclose(
        tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x).numpy(), expected, rtol=1e-6)
    mean, variance = tf.nn.moments(logits, axes=[0])
    np.testing.assert_allclose(mean.numpy(), logits.mean(0))
    np.testing.assert_allclose(variance.numpy(), logits.var(0))


def test_nn_activation_as_a_layer_activation_serializes_by_name():
    layer = tf.keras.layers.Dense(2, activation=tf.nn.relu)
    assert layer.get_config()["activation"] == "relu"
    out = layer(torch.tensor([[-5.0, 5.0]]))
    assert out.shape == (1, 2) and bool((out >= 0).all())


def test_image_functions():
    image = np.arange(12, dtype=np.float32).reshape(2, 2, 3)
    np.testing.assert_array_equal(tf.image.resize(image, [4, 4], method="nearest").numpy(),
                                  image.repeat(2, axis=0).repeat(2, axis=1))
    batch = tf.image.resize(np.zeros((5, 8, 6, 3), np.uint8), (4, 3))
    assert batch.shape == (5, 4, 3, 3) and batch.dtype == tf.float32
    np.testing.assert_array_equal(tf.image.flip_left_right(image).numpy(), image[:, ::-1])
    np.testing.assert_array_equal(tf.image.flip_up_down(image).numpy(), image[::-1])
    gray = tf.image.rgb_to_grayscale(image)
    np.testing.assert_allclose(gray.numpy()[..., 0], image @ [0.2989, 0.5870, 0.1140], rtol=1e-5)
    assert tf.image.convert_image_dtype(np.array([0, 255], np.uint8), tf.float32).numpy(
    ).tolist() == [0.0, 1.0]
    assert tf.image.convert_image_dtype(np.array([0.0, 1.0]), tf.uint8).numpy().tolist() == [
        0, 255]


def test_random_functions_follow_the_seed():
    tf.random.set_seed(7)
    first = (tf.random.normal([3]), tf.random.uniform([2], maxval=10, dtype=tf.int32))
    tf.random.set_seed(7)
    again = (tf.random.normal([3]), tf.random.uniform([2], maxval=10, dtype=tf.int32))
    assert torch.equal(first[0], again[0]) and torch.equal(first[1], again[1])
    assert bool(((first[1] >= 0) & (first[1] < 10)).all())
    assert sorted(tf.random.shuffle(tf.range(10)).numpy().tolist()) == list(range(10))
    samples = tf.random.truncated_normal([1000], stddev=2.0)
    assert float(samples.abs().max()) <= 4.0
    with pytest.raises(ValueError, match="maxval is required"):
        tf.random.uniform([2], dtype=tf.int32)


def test_config_and_test_namespaces():
    assert tf.config.list_physical_devices("CPU")[0].name == "/physical_device:CPU:0"
    gpus = tf.config.list_physical_devices("GPU")
    assert len(gpus) == torch.cuda.device_count()
    assert tf.test.is_gpu_available() == torch.cuda.is_available()
    assert tf.test.gpu_device_name() == ("/device:GPU:0" if gpus else "")
    tf.config.experimental.set_memory_growth(None, True)  # a no-op, as scripts call it
    deepfit.config.set_device(None)
    tf.config.set_visible_devices([], "GPU")
    assert deepfit.config.get_device().type == "cpu"
    assert all(d.device_type == "CPU" for d in tf.config.list_logical_devices())


def test_small_helpers():
    assert tf.executing_eagerly() is True
    decorated = tf.function(lambda v: v + 1)
    assert decorated(1) == 2 and tf.function(jit_compile=True)(abs)(-3) == 3
    assert tf.get_logger().name == "tensorflow"
    assert tf.data.experimental.cardinality(
        tf.data.Dataset.from_tensor_slices(np.zeros(10)).batch(4)).numpy() == 3
    assert tf.is_tensor(tf.constant(1)) and not tf.is_tensor(1)
    assert tf.__version__.startswith("2.") and tf.version.VERSION == tf.__version__


def test_keras_backend_functions():
    y_true = torch.tensor([[1.0], [2.0], [3.0]])
    y_pred = torch.tensor([[1.5], [2.0], [2.0]])
    r2 = 1 - K.sum(K.square(y_true - y_pred)) / (K.sum(K.square(y_true - K.mean(y_true)))
                                                 + K.epsilon())
    assert float(r2) == pytest.approx(1 - 1.25 / 2.0)
    assert K.int_shape(y_true) == (3, 1) and K.backend() == "torch"
    assert K.image_data_format() == "channels_last"
    with pytest.raises(NotImplementedError, match="channels_first"):
        K.set_image_data_format("channels_first")
    p = np.array([0.9, 0.2], dtype=np.float32)
    t = np.array([1.0, 0.0], dtype=np.float32)
    np.testing.assert_allclose(K.binary_crossentropy(t, p).numpy(),
                               -np.log([0.9, 0.8]), rtol=1e-5)
    probs = np.array([[0.7, 0.2, 0.1]], dtype=np.float32)
    np.testing.assert_allclose(K.sparse_categorical_crossentropy([0], probs).numpy(),
                               [-np.log(0.7)], rtol=1e-5)


def test_keras_ops():
    x = ops.convert_to_tensor([[1.0, 2.0], [3.0, 4.0]])
    assert ops.shape(x) == (2, 2)
    np.testing.assert_allclose(ops.convert_to_numpy(ops.mean(x, axis=0)), [2.0, 3.0])
    assert ops.concatenate([x, x]).shape == (4, 2)  # Keras's axis=0
    assert ops.one_hot([1], 3).numpy().tolist() == [[0.0, 1.0, 0.0]]
    with pytest.raises(NotImplementedError, match="keras.ops.fancy_new_op is not provided"):
        ops.fancy_new_op  # noqa: B018


def test_audio_tutorial_idioms_give_tensorflows_values_and_types():
    """What TensorFlow 2.21 gives for the simple_audio tutorial's idioms: a dataset's string
    element's `.numpy()` is bytes; argmax over booleans; a Python list minus a shape keeps the
    shape's int32."""
    import deepfit.compat.tensorflow as tf

    paths = tf.data.Dataset.from_tensor_slices(["a/yes/1.wav", "a/no/2.wav"])
    labels = [x.numpy() for x in paths.map(lambda p: tf.strings.split(p, "/")[-2])]
    assert labels == [b"yes", b"no"] and labels[0].decode("utf-8") == "yes"
    batch = next(iter(paths.batch(2))).numpy()
    assert batch.tolist() == [b"a/yes/1.wav", b"a/no/2.wav"]
    assert next(iter(tf.data.Dataset.from_tensor_slices([1.5]))).numpy() == np.float32(1.5)
    assert int(tf.argmax(np.array([False, True, True]))) == 1
    assert int(tf.argmin([True, False])) == 1
    padding = [16000] - tf.shape(tf.ones([9000]))
    assert padding.dtype == torch.int32 and padding.tolist() == [7000]
    assert tf.zeros(padding, dtype=tf.float32).shape == (7000,)
