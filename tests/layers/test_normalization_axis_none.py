"""Normalization(axis=None): one scalar mean and variance, adapted on a vector and then applied
to (batch, 1) columns — the flow of TensorFlow's regression tutorial (horsepower), which Keras
runs. Expected values by hand: data 1..4 has mean 2.5 and population variance 1.25."""

from __future__ import annotations

import numpy as np
import pytest

import deepfit
from deepfit import layers

SCALE = np.sqrt(1.25)


def test_scalar_statistics_apply_to_any_rank():
    data = np.array([1.0, 2.0, 3.0, 4.0], dtype="float32")
    layer = layers.Normalization(axis=None)
    layer.adapt(data)
    column = data.reshape(-1, 1)
    np.testing.assert_allclose(np.asarray(layer(column)), (column - 2.5) / SCALE, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(layer(data)), (data - 2.5) / SCALE, rtol=1e-6)


def test_adapted_on_a_vector_then_used_in_a_model_on_columns():
    normalizer = layers.Normalization(axis=None)
    normalizer.adapt(np.array([1.0, 2.0, 3.0, 4.0], dtype="float32"))
    model = deepfit.Sequential([layers.Input((1,)), normalizer])
    out = model.predict(np.array([[4.0], [1.0]], dtype="float32"), verbose=0)
    np.testing.assert_allclose(out, [[1.5 / SCALE], [-1.5 / SCALE]], rtol=1e-6)


def test_per_feature_normalization_still_checks_rank():
    layer = layers.Normalization()
    layer.adapt(np.ones((4, 3), dtype="float32"))
    with pytest.raises(ValueError, match="expected ndim=2, found ndim=3"):
        layer(np.ones((2, 2, 3), dtype="float32"))
