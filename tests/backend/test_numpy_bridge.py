"""Arrays torch cannot share — negative strides (`x[::-1]`, `np.flip`) and read-only memory —
are accepted everywhere a NumPy array is, with the numbers their contiguous copy gives."""

import numpy as np
import pytest
import torch

import deepfit as keras
from deepfit.ops import numpy_bridge


def _flipped(shape=(8, 4), seed=0):
    array = np.random.default_rng(seed).random(shape, dtype=np.float32)[::-1]
    assert array.strides[0] < 0
    return array


def test_as_tensor_copies_only_what_torch_cannot_share():
    plain = np.arange(6.0)
    assert numpy_bridge.as_tensor(plain).data_ptr() == plain.ctypes.data  # shared, as torch
    flipped = plain[::-1]
    assert numpy_bridge.as_tensor(flipped).tolist() == [5.0, 4.0, 3.0, 2.0, 1.0, 0.0]
    read_only = np.arange(3.0)
    read_only.flags.writeable = False
    tensor = numpy_bridge.as_tensor(read_only)
    assert tensor.data_ptr() != read_only.ctypes.data and tensor.tolist() == [0.0, 1.0, 2.0]


def test_layer_fit_predict_and_evaluate_take_negative_strides():
    x, y = _flipped(), (np.arange(8)[::-1] % 2)
    results = []
    for inputs, labels in ((x, y), (x.copy(), y.copy())):
        keras.utils.set_random_seed(3)
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        history = model.fit(inputs, labels, epochs=2, batch_size=4, verbose=0, shuffle=False)
        results.append((history.history["loss"], model.evaluate(inputs, labels, verbose=0),
                        model.predict(inputs, verbose=0), np.asarray(model(inputs))))
    flipped, copied = results
    assert flipped[0] == copied[0] and flipped[1] == copied[1]
    np.testing.assert_array_equal(flipped[2], copied[2])
    np.testing.assert_array_equal(flipped[3], copied[3])


@pytest.mark.parametrize("call", [
    lambda x: keras.ops.matmul(x, x.T[::-1]),
    lambda x: keras.ops.convert_to_tensor(x[:, ::-1]),
    lambda x: keras.losses.MeanSquaredError()(x, x[::-1]),
    lambda x: keras.losses.mean_squared_error(x, x[::-1]),
    lambda x: keras.metrics.MeanAbsoluteError()(x, x[::-1]),
    lambda x: keras.metrics.categorical_accuracy(x, x[::-1]),
    lambda x: keras.Variable(x),
])
def test_ops_losses_metrics_and_variables_take_negative_strides(call):
    x = _flipped()
    np.testing.assert_array_equal(np.asarray(call(x)), np.asarray(call(np.ascontiguousarray(x))))


def test_set_weights_and_normalization_adapt_take_negative_strides():
    x = _flipped()
    layer = keras.layers.Dense(4)
    layer.build((None, 4))
    layer.set_weights([x[:4], x[0]])
    np.testing.assert_array_equal(layer.get_weights()[0], x[:4])
    norm = keras.layers.Normalization(axis=-1)
    norm.adapt(x)
    np.testing.assert_allclose(np.asarray(norm.mean).ravel(), x.mean(axis=0), rtol=1e-6)
    assert isinstance(norm(x), torch.Tensor)
