"""Dataset elements answer TensorFlow's `.numpy()`, and are plain NumPy arrays otherwise."""

from __future__ import annotations

import numpy as np

import deepfit


def test_elements_have_numpy_and_behave_as_arrays():
    images = np.arange(24, dtype="float32").reshape(6, 2, 2)
    dataset = deepfit.data.Dataset.from_tensor_slices((images, np.arange(6))).batch(4)
    batch_images, batch_labels = next(iter(dataset))
    first = batch_images[0].numpy()
    assert type(first) is np.ndarray
    np.testing.assert_array_equal(first.astype("uint8"), images[0].astype("uint8"))
    assert int(batch_labels[1]) == 1 and float(batch_images.sum()) == float(images[:4].sum())
    plain_images, _ = next(dataset.as_numpy_iterator())
    assert type(plain_images) is np.ndarray


def test_mapped_and_unbatched_elements_too():
    dataset = deepfit.data.Dataset.from_tensor_slices(np.ones((4, 3))).map(lambda x: x * 2)
    element = next(iter(dataset))
    np.testing.assert_array_equal(element.numpy(), np.full(3, 2.0))
