"""The TensorFlow pieces the time-series tutorial uses around Keras: `tf.signal` transforms,
`set_shape` on eager tensors and dataset elements (also inside `Dataset.map` run by `fit`),
`Dataset.element_spec`, and slices of a layer's kernel as eager tensors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

import deepfit
import deepfit.compat.tensorflow as tf
from deepfit.backend.tensor import EagerTensor


def test_rfft_and_its_inverse_match_numpy():
    values = pd.Series(np.random.default_rng(0).normal(size=64))
    spectrum = tf.signal.rfft(values)
    assert spectrum.dtype == torch.complex128  # float64 values stay float64, as in TF
    np.testing.assert_allclose(spectrum.numpy(), np.fft.rfft(values.to_numpy()), atol=1e-9)
    np.testing.assert_allclose(np.abs(spectrum), np.abs(np.fft.rfft(values.to_numpy())),
                               atol=1e-9)
    single = tf.signal.rfft(tf.constant(values.to_numpy(), dtype=tf.float32), fft_length=[16])
    assert single.dtype == torch.complex64 and single.shape == (9,)
    np.testing.assert_allclose(single.numpy(), np.fft.rfft(values.to_numpy()[:16]), atol=1e-4)
    back = tf.signal.irfft(spectrum)
    np.testing.assert_allclose(back.numpy(), values.to_numpy(), atol=1e-9)
    with pytest.raises(ValueError, match="fft_length"):
        tf.signal.rfft(values, fft_length=[1, 2])
    with pytest.raises(deepfit.compat.namespace.NotProvidedError, match="tf.signal.dct"):
        getattr(tf.signal, "dct")  # noqa: B009


def test_fft_2d_and_windows():
    x = np.random.default_rng(1).normal(size=(4, 6))
    np.testing.assert_allclose(tf.signal.fft2d(x).numpy(), np.fft.fft2(x), atol=1e-9)
    np.testing.assert_allclose(tf.signal.ifft(tf.signal.fft(x)).numpy().real, x, atol=1e-9)
    np.testing.assert_allclose(tf.signal.hann_window(8).numpy(),
                               0.5 - 0.5 * np.cos(2 * np.pi * np.arange(8) / 8), atol=1e-6)


def test_set_shape_checks_and_keeps_the_shape():
    t = tf.stack([np.zeros((6, 2), np.float32)] * 3)
    assert isinstance(t, EagerTensor)
    t.set_shape([None, 6, None])
    t.set_shape(None)
    assert t.shape == (3, 6, 2)
    with pytest.raises(ValueError, match=r"not compatible with supplied shape \[None, 5, None\]"):
        t.set_shape([None, 5, None])
    with pytest.raises(ValueError, match="not compatible"):
        t.set_shape([3, 6])


def _windows():
    data = np.arange(40 * 3, dtype=np.float32).reshape(40, 3)
    dataset = tf.keras.utils.timeseries_dataset_from_array(
        data, targets=None, sequence_length=5, batch_size=8, shuffle=False)

    def split(features):
        inputs = features[:, :4, :]
        labels = tf.stack([features[:, 4:, 0]], axis=-1)
        inputs.set_shape([None, 4, None])
        labels.set_shape([None, 1, None])
        return inputs, labels

    return dataset.map(split)


def test_element_spec_of_a_batched_and_mapped_dataset():
    inputs, labels = _windows().element_spec
    assert isinstance(inputs, tf.TensorSpec)
    assert inputs.shape == (None, 4, 3) and inputs.dtype == tf.float32
    assert repr(labels) == "TensorSpec(shape=(None, 1, 1), dtype=tf.float32, name=None)"
    rows = deepfit.data.Dataset.from_tensor_slices({"a": np.zeros((5, 2), np.int32)})
    assert rows.element_spec == {"a": tf.TensorSpec((2,), tf.int32)}
    assert rows.batch(2, drop_remainder=True).element_spec["a"].shape == (2, 2)
    with pytest.raises(ValueError, match="empty"):
        _ = rows.take(0).element_spec


def test_map_functions_get_eager_tensors_inside_fit():
    model = deepfit.Sequential([deepfit.Input((4, 3)), deepfit.layers.Flatten(),
                                deepfit.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    windows = _windows()
    history = model.fit(windows, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert model.evaluate(windows, verbose=0) > 0


def test_a_slice_of_a_kernel_is_an_eager_tensor():
    layer = deepfit.layers.Dense(2)
    layer.build((None, 3))
    column = layer.kernel[:, 0]
    assert isinstance(column, EagerTensor)
    np.testing.assert_array_equal(column.numpy(), layer.kernel.numpy()[:, 0])
