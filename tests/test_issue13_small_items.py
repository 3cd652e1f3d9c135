"""Smaller Keras behaviours from issues 13 and 18, with Keras's numbers: `Constant(array)`,
`Normalization(axis=None)` then (batch, 1) input, boolean one-hot targets with 'accuracy',
schedules called on arrays and tensors, preprocessing layers given a Python list of images."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import deepfit as keras


def test_constant_initializer_broadcasts_an_array():
    # Keras 3: Constant(np.array([1., 2., 3.]))((2, 3)) == [[1, 2, 3], [1, 2, 3]]
    value = keras.initializers.Constant(np.array([1.0, 2.0, 3.0]))((2, 3))
    np.testing.assert_array_equal(value.numpy(), [[1, 2, 3], [1, 2, 3]])
    layer = keras.layers.Dense(3, bias_initializer=keras.initializers.Constant([0.5, 1.0, 2.0]))
    layer(torch.zeros(1, 2))
    np.testing.assert_array_equal(layer.bias.detach().numpy(), [0.5, 1.0, 2.0])
    config = keras.initializers.Constant([1, 2]).get_config()
    assert config == {"value": [1, 2]}
    with pytest.raises(ValueError, match=r"shape \(3,\) cannot fill a weight of shape \(2,\)"):
        keras.initializers.Constant([1.0, 2.0, 3.0])((2,))


def test_normalization_axis_none_then_a_column():
    layer = keras.layers.Normalization(axis=None)
    layer.adapt(np.arange(10.0))
    out = layer(np.arange(4.0).reshape(4, 1))
    # Keras 3 (torch backend) prints [[-1.5667], [-1.2185], [-0.8704], [-0.5222]].
    expected = (np.arange(4.0) - 4.5) / np.sqrt(8.25)
    np.testing.assert_allclose(out.numpy().ravel(), expected, rtol=1e-5)
    assert tuple(out.shape) == (4, 1)


def test_boolean_one_hot_targets_with_accuracy():
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(64, 3)).astype("float32")
    labels = (x[:, 0] > 0).astype(int)
    y_bool = np.eye(2, dtype=bool)[labels]
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y_bool, epochs=20, verbose=0, learning_rate=0.05)
    predicted = model.predict(x, verbose=0).argmax(-1)
    assert history.history["accuracy"][-1] == pytest.approx((predicted == labels).mean(),
                                                            abs=0.05)
    assert history.history["accuracy"][-1] > 0.9


@pytest.mark.parametrize("step", [np.array(5), torch.tensor(5), 5])
def test_schedules_called_on_arrays_and_tensors(step):
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)
    assert float(schedule(step)) == pytest.approx(0.1 * 0.5 ** 0.5)


def test_preprocessing_layers_take_a_python_list_of_images():
    images = [np.full((8, 8, 3), 255.0, dtype="float32"), np.zeros((8, 8, 3), "float32")]
    assert tuple(keras.layers.Resizing(4, 4)(images).shape) == (2, 4, 4, 3)
    scaled = keras.layers.Rescaling(1 / 255.0)(images)
    np.testing.assert_allclose(scaled.numpy()[:, 0, 0, 0], [1.0, 0.0])
    assert tuple(keras.layers.RandomFlip()(images).shape) == (2, 8, 8, 3)
    with pytest.raises(ValueError, match="list of 2 images of different shapes"):
        keras.layers.Resizing(4, 4)([np.zeros((8, 8, 3)), np.zeros((6, 8, 3))])
