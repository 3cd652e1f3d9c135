"""EagerTensor manners (what TensorFlow's eager tensors do for user code) and Variables as
model weights."""

import numpy as np
import pytest
import torch

import deepfit
from deepfit import layers
from deepfit.backend import EagerTensor, TensorShape, Variable, to_eager


def _model():
    torch.manual_seed(0)
    model = deepfit.Sequential([layers.Input((3,)), layers.Dense(4, activation="relu"),
                                layers.Dense(2)])
    return model


def test_outer_model_call_gives_an_eager_tensor_with_numpy():
    model = _model()
    y = model(np.ones((5, 3), np.float32))
    assert isinstance(y, EagerTensor) and isinstance(y, torch.Tensor)
    assert y.requires_grad  # still differentiable for a GradientTape
    values = y.numpy()
    assert values.shape == (5, 2) and values.dtype == np.float32
    assert y.shape == (5, 2) and y.shape.as_list() == [5, 2] and y.shape[-1] == 2
    assert np.asarray(y).shape == (5, 2)


def test_arithmetic_with_numpy_both_orders_and_numpy_functions():
    t = to_eager(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    a = np.array([[1.0, 1.0], [1.0, 1.0]], np.float32)
    for result, expected in [(a + t, [[2, 3], [4, 5]]), (t - a, [[0, 1], [2, 3]]),
                             (a - t, [[0, -1], [-2, -3]]), (2 * t, [[2, 4], [6, 8]]),
                             (a / t, [[1, 0.5], [1 / 3, 0.25]])]:
        assert isinstance(result, EagerTensor)
        np.testing.assert_allclose(result.numpy(), expected, rtol=1e-6)
    assert (a < t).numpy().tolist() == [[False, True], [True, True]]
    np.testing.assert_allclose(np.mean(t, axis=0), [2.0, 3.0])
    assert np.sum(t) == pytest.approx(10.0) and np.max(t, axis=1).tolist() == [2.0, 4.0]
    assert float(t[1, 1]) == 4.0 and int(t[0, 1]) == 2
    assert [row.numpy().tolist() for row in t] == [[1.0, 2.0], [3.0, 4.0]]


def test_inner_layer_calls_and_training_steps_stay_plain():
    seen = []

    class Probe(layers.Layer):
        def call(self, inputs):
            seen.append(type(inputs))
            return inputs * 2.0

    model = deepfit.Sequential([layers.Input((3,)), Probe(), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model(to_eager(torch.ones(2, 3)))
    model.fit(np.ones((4, 3), np.float32), np.ones((4, 1), np.float32), verbose=0)
    assert set(seen) == {torch.Tensor}


def test_tensor_shape():
    shape = TensorShape((None, 3))
    assert shape == (None, 3) and shape == [None, 3] and shape.as_list() == [None, 3]
    assert shape.rank == 2 and shape.num_elements() is None and not shape.is_fully_defined()
    assert TensorShape((2, 3)).num_elements() == 6 and TensorShape((2, 3))[1:] == (3,)


def test_model_weights_are_variables_assigned_in_place():
    model = _model()
    kernel = model.layers[0].kernel
    assert all(isinstance(v, Variable) for v in model.trainable_variables)
    assert isinstance(kernel, torch.nn.Parameter)
    assert kernel.name == "kernel" and kernel.path.endswith("/kernel")
    assert kernel.shape == (3, 4) and kernel.trainable
    kernel.assign(np.zeros((3, 4), np.float32))
    model.layers[1].kernel.assign(np.zeros((4, 2), np.float32))
    model.layers[1].bias.assign([1.0, -1.0])
    np.testing.assert_array_equal(model(np.ones((1, 3), np.float32)).numpy(), [[1.0, -1.0]])
    model.layers[1].bias.assign_sub([1.0, 1.0])
    np.testing.assert_array_equal(model.layers[1].bias.numpy(), [0.0, -2.0])
    with pytest.raises(ValueError, match="assign: cannot assign a value of shape"):
        kernel.assign(np.zeros((2, 2)))


def test_variable_api():
    v = Variable(2.0, name="scale")
    assert v.dtype == torch.float32 and v.shape == () and v.name == "scale"
    assert isinstance(v * 3, EagerTensor) and float(v * 3) == 6.0
    v.assign_add(1.0)
    assert v.numpy() == 3.0 and float(v.read_value()) == 3.0
    counter = Variable(0)
    assert counter.dtype == torch.int32 and not counter.trainable
    counter.assign_add(2)
    assert int(counter) == 2
    ones = Variable(lambda shape, dtype: torch.ones(shape, dtype=dtype), shape=(2,))
    assert ones.numpy().tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match="initial_value"):
        Variable()


def test_scalar_repr_shows_the_value_as_tensorflow_does():
    assert repr(to_eager(torch.tensor(1.0))) == "<tf.Tensor: shape=(), dtype=float32, numpy=1.0>"
    assert repr(to_eager(torch.tensor(3, dtype=torch.int32))) == (
        "<tf.Tensor: shape=(), dtype=int32, numpy=3>")


def test_values_on_several_lines_start_on_their_own_line_as_tensorflow_prints():
    """TensorFlow 2.21's own output for these tensors (print and repr)."""
    from deepfit.compat import tensorflow as tf

    matrix = tf.constant([[1, 2], [3, 4]])
    assert str(matrix) == "tf.Tensor(\n[[1 2]\n [3 4]], shape=(2, 2), dtype=int32)"
    assert repr(matrix) == ("<tf.Tensor: shape=(2, 2), dtype=int32, numpy=\n"
                            "array([[1, 2],\n       [3, 4]], dtype=int32)>")
    assert repr(tf.constant([1.5, 2.0])) == (
        "<tf.Tensor: shape=(2,), dtype=float32, numpy=array([1.5, 2. ], dtype=float32)>")
    assert str(tf.constant(3)) == "tf.Tensor(3, shape=(), dtype=int32)"
