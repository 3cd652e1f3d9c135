"""Integer-like layer sizes: NumPy integers and 0-d integer arrays/tensors count (Keras takes
them, and tutorials pass `tf.math.reduce_prod(shape)`); anything else is a clear error."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from deepfit import layers
from deepfit.layers.arguments import positive_int


@pytest.mark.parametrize("value", [3, np.int32(3), np.int64(3), np.array(3, dtype=np.int32),
                                   torch.tensor(3)])
def test_integer_like_sizes_are_python_ints(value):
    assert positive_int("Dense", "units", value) == 3
    dense = layers.Dense(value)
    assert dense.units == 3 and type(dense.units) is int
    assert dense(np.ones((2, 4), dtype="float32")).shape == (2, 3)


@pytest.mark.parametrize("value", [0, -2, 2.0, True, np.array([3]), "3", None])
def test_other_sizes_are_refused_naming_the_argument(value):
    with pytest.raises(ValueError, match=r"Dense: units must be a positive int, received"):
        layers.Dense(value)
