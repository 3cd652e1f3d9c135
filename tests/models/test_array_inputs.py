"""Layers and models called directly on NumPy arrays (and pandas columns) inside a list or
dict convert them to tensors, as Keras does: `Concatenate()([a, b])` on arrays, a subclassed
or Functional model called on a dict of arrays (the TensorFlow tutorial "Load a pandas
DataFrame")."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

import deepfit
from deepfit import layers


def _columns():
    rng = np.random.default_rng(0)
    return {"b": rng.normal(size=(5, 1)), "a": rng.normal(size=(5, 1))}  # float64, as pandas


def test_concatenate_called_on_a_list_of_arrays():
    columns = _columns()
    out = layers.Concatenate(axis=1)([columns["a"], columns["b"]])
    assert out.dtype == torch.float32
    np.testing.assert_allclose(np.asarray(out), np.concatenate([columns["a"], columns["b"]], 1),
                               rtol=1e-6)


def test_a_subclassed_model_called_on_a_dict_of_arrays():
    class Stacked(deepfit.Model):
        def __init__(self):
            super().__init__()
            self.concat = layers.Concatenate(axis=1)
            self.dense = layers.Dense(1)

        def call(self, inputs):
            assert all(isinstance(v, torch.Tensor) for v in inputs.values())
            return self.dense(self.concat([inputs[k] for k in sorted(inputs)]))

    columns = _columns()
    model = Stacked()
    out = np.asarray(model(columns))
    kernel, bias = model.get_weights()
    expected = np.concatenate([columns["a"], columns["b"]], 1) @ kernel + bias
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)


def test_a_functional_model_called_on_a_dict_of_arrays_and_of_pandas_columns():
    inputs = {name: deepfit.Input(shape=(1,), name=name) for name in ("a", "b")}
    x = layers.Concatenate(axis=1)([inputs["a"], inputs["b"]])
    model = deepfit.Model(inputs, layers.Dense(1)(x))
    columns = _columns()
    kernel, bias = model.get_weights()
    expected = np.concatenate([columns["a"], columns["b"]], 1) @ kernel + bias
    np.testing.assert_allclose(np.asarray(model(columns)), expected, rtol=1e-5, atol=1e-6)
    frame = pd.DataFrame({k: v[:, 0] for k, v in columns.items()})
    np.testing.assert_allclose(np.asarray(model(dict(frame))), expected, rtol=1e-5, atol=1e-6)


def test_pandas_columns_given_to_predict_become_columns_as_in_keras():
    class Stacked(deepfit.Model):
        def __init__(self):
            super().__init__()
            self.concat = layers.Concatenate(axis=1)  # needs (n, 1) columns, not (n,)
            self.dense = layers.Dense(1)

        def call(self, inputs):
            return self.dense(self.concat([inputs[k] for k in sorted(inputs)]))

    columns = _columns()
    frame = pd.DataFrame({k: v[:, 0] for k, v in columns.items()})
    model = Stacked()
    out = model.predict(dict(frame), verbose=0)
    kernel, bias = model.get_weights()
    expected = np.concatenate([columns["a"], columns["b"]], 1) @ kernel + bias
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)
