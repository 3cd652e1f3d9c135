"""keras.ops.fft / fft2 / ifft2 / rfft / irfft against real Keras (keras-io's MLP image
classification example, FNet, stopped on the missing fft2): (real, imag) pairs in and out,
symbolic use in a Functional model, Keras's errors."""

from __future__ import annotations

import numpy as np
import pytest

import deepfit
from deepfit import ops
from tests.trainer.keras_process import run_keras

_KERAS = """
real, imag, signal = inputs["real"], inputs["imag"], inputs["signal"]
for name in ("fft", "fft2", "ifft2"):
    out = getattr(keras.ops, name)((real, imag))
    result[name + "_re"], result[name + "_im"] = (keras.ops.convert_to_numpy(v) for v in out)
for length in (None, 6, 12):
    re, im = keras.ops.rfft(signal, fft_length=length)
    result[f"rfft{length}_re"] = keras.ops.convert_to_numpy(re)
    result[f"rfft{length}_im"] = keras.ops.convert_to_numpy(im)
    back = keras.ops.irfft((re, im), fft_length=length)
    result[f"irfft{length}"] = keras.ops.convert_to_numpy(back)
"""


def test_transforms_match_keras():
    rng = np.random.default_rng(0)
    data = {"real": rng.normal(size=(2, 3, 5, 4)).astype("float32"),
            "imag": rng.normal(size=(2, 3, 5, 4)).astype("float32"),
            "signal": rng.normal(size=(3, 8)).astype("float32")}
    expected = run_keras(_KERAS, **data)
    ours = {}
    pair = (data["real"], data["imag"])
    for name in ("fft", "fft2", "ifft2"):
        ours[name + "_re"], ours[name + "_im"] = getattr(ops, name)(pair)
    for length in (None, 6, 12):
        re, im = ops.rfft(data["signal"], fft_length=length)
        ours[f"rfft{length}_re"], ours[f"rfft{length}_im"] = re, im
        ours[f"irfft{length}"] = ops.irfft((re, im), fft_length=length)
    assert sorted(ours) == sorted(expected)
    for key, value in expected.items():
        np.testing.assert_allclose(np.asarray(ours[key]), value, rtol=1e-5, atol=1e-5,
                                   err_msg=key)


def test_fnet_block_in_a_functional_model():
    x = deepfit.Input((6, 4))
    real = ops.fft2((x, ops.zeros_like(x)))[0]  # FNet's token mixing, as in the example
    model = deepfit.Model(x, real)
    data = np.random.default_rng(1).normal(size=(2, 6, 4)).astype("float32")
    np.testing.assert_allclose(model.predict(data, verbose=0), np.fft.fft2(data).real,
                               rtol=1e-4, atol=1e-4)
    assert ops.math.fft2 is ops.fft2


def test_bad_pairs_raise_keras_errors():
    with pytest.raises(ValueError, match="should be a tuple of two tensors"):
        ops.fft(np.ones(3, "float32"))
    with pytest.raises(ValueError, match="Both the real and imaginary parts should have"):
        ops.fft2((np.ones((2, 2), "float32"), np.ones((2, 3), "float32")))
    with pytest.raises(ValueError, match="is not of type float"):
        ops.fft((np.ones(3, "int32"), np.ones(3, "int32")))
