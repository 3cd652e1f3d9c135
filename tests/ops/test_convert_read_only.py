"""convert_to_tensor on a read-only NumPy array (keras.ops.one_hot on a loaded data set in
keras-io's mixup example): a copy, with no torch warning about non-writable arrays, as
TensorFlow copies; on a list of arrays (the ViT example's [image]): no torch warning either."""

from __future__ import annotations

import warnings

import numpy as np

from deepfit import ops


def test_read_only_array_is_copied_without_a_warning():
    array = np.arange(6, dtype="float32").reshape(2, 3)
    array.setflags(write=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tensor = ops.convert_to_tensor(array)
    tensor += 1
    np.testing.assert_array_equal(array, np.arange(6, dtype="float32").reshape(2, 3))
    np.testing.assert_array_equal(tensor.numpy(), array + 1)


def test_writable_array_still_converts():
    array = np.ones(3, dtype="int64")
    assert ops.convert_to_tensor(array).tolist() == [1, 1, 1]


def test_list_of_arrays_converts_quietly_with_the_same_values_and_dtype():
    images = [np.full((2, 3), 7, dtype="uint8"), np.zeros((2, 3), dtype="uint8")]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tensor = ops.convert_to_tensor(images)
    # Keras with TensorFlow: a list of integer arrays becomes int32
    assert tuple(tensor.shape) == (2, 2, 3) and str(tensor.dtype) == "torch.int32"
    np.testing.assert_array_equal(tensor.numpy(), np.stack(images))
    floats = ops.convert_to_tensor([np.ones(2, "float32")])
    assert str(floats.dtype) == "torch.float32" and tuple(floats.shape) == (1, 2)
