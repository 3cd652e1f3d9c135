"""Merging layers: NumPy references, Keras's broadcasting and error messages, mask handling, and
outputs equal to real Keras's."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch

from deepfit.layers import merging
from deepfit.layers.merging import (
    Add,
    Average,
    Concatenate,
    Dot,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
)
from tests.layer_test_utils import run_layer_test

ELEMENTWISE = {
    Add: lambda xs: sum(xs),
    Subtract: lambda xs: xs[0] - xs[1],
    Multiply: lambda xs: np.prod(np.stack(xs), axis=0),
    Average: lambda xs: sum(xs) / len(xs),
    Maximum: lambda xs: np.max(np.stack(xs), axis=0),
    Minimum: lambda xs: np.min(np.stack(xs), axis=0),
}


def _arrays(*shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=s).astype("float32") for s in shapes]


@pytest.mark.parametrize("cls", sorted(ELEMENTWISE, key=lambda c: c.__name__))
def test_elementwise_layer_contract_and_numpy_reference(cls):
    count = 2 if cls is Subtract else 3
    run_layer_test(cls, {}, [(2, 4, 3)] * count, (2, 4, 3))
    arrays = _arrays(*[(2, 4, 3)] * count)
    out = cls()([torch.tensor(a) for a in arrays])
    np.testing.assert_allclose(out.numpy(), ELEMENTWISE[cls](arrays), rtol=1e-6, atol=1e-6)


def test_broadcasting_follows_keras():
    a, b, c = _arrays((2, 3, 4), (2, 1, 4), (2, 4))
    out = Add()([torch.tensor(a), torch.tensor(b)])
    np.testing.assert_allclose(out.numpy(), a + b, rtol=1e-6)
    # A lower-rank input gets axes inserted after the batch axis: (2, 4) → (2, 1, 4).
    out = Multiply()([torch.tensor(a), torch.tensor(c)])
    np.testing.assert_allclose(out.numpy(), a * c[:, None, :], rtol=1e-6)
    assert Add().compute_output_shape([(None, 3, 4), (None, 1, 4)]) == (None, 3, 4)


def test_concatenate_and_dot_contracts():
    run_layer_test(Concatenate, {}, [(2, 3, 4), (2, 3, 2)], (2, 3, 6))
    run_layer_test(Concatenate, {"axis": 1}, [(2, 3, 4), (2, 5, 4)], (2, 8, 4))
    run_layer_test(Dot, {"axes": 1}, [(2, 4), (2, 4)], (2, 1))
    run_layer_test(Dot, {"axes": (1, 2)}, [(2, 3, 4), (2, 5, 3)], (2, 4, 5))
    run_layer_test(Dot, {"axes": -1, "normalize": True}, [(2, 3, 4), (2, 5, 4)], (2, 3, 5))
    assert Concatenate(axis=1).compute_output_shape([(None, 3, 4), (None, 5, 4)]) == (
        None, 8, 4)
    assert Dot(axes=(1, 2)).compute_output_shape([(None, 3, 4), (None, 5, 3)]) == (None, 4, 5)


@pytest.mark.parametrize("axes, shapes", [
    (1, [(3, 4), (3, 4)]), (2, [(3, 2, 4), (3, 5, 4)]), ((1, 2), [(3, 4, 2), (3, 5, 4)]),
    ((2, 1), [(3, 2, 4), (3, 4, 5, 2)]),
])
@pytest.mark.parametrize("normalize", [False, True])
def test_dot_matches_numpy(axes, shapes, normalize):
    x, y = _arrays(*shapes)
    a0, a1 = (axes, axes) if isinstance(axes, int) else axes
    if normalize:
        x = x / np.sqrt((x ** 2).sum(axis=a0, keepdims=True))
        y = y / np.sqrt((y ** 2).sum(axis=a1, keepdims=True))
    expected = np.stack([np.tensordot(x[i], y[i], axes=(a0 - 1, a1 - 1))
                         for i in range(len(x))])
    expected = expected.reshape(len(x), 1) if expected.ndim == 1 else expected
    tensors = [torch.tensor(t) for t in _arrays(*shapes)]
    out = Dot(axes=axes, normalize=normalize)(tensors)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("call, error, message", [
    (lambda: Add()([torch.zeros(2, 3), torch.zeros(2, 4)]), ValueError,
     r"Inputs have incompatible shapes. Received shapes \(3,\) and \(4,\)"),
    (lambda: Add()(torch.zeros(2, 3)), ValueError,
     "A merge layer should be called on a list of inputs"),
    (lambda: Add()([torch.zeros(2, 3), torch.zeros(3, 3)]), ValueError,
     "Cannot merge tensors with different batch sizes"),
    (lambda: Subtract()([torch.zeros(2, 3)] * 3), ValueError,
     "A `Subtract` layer should be called on exactly 2 inputs"),
    (lambda: Concatenate()([torch.zeros(2, 3, 4), torch.zeros(2, 5, 4)]), ValueError,
     "A `Concatenate` layer requires inputs with matching shapes except for the "
     "concatenation axis"),
    (lambda: Dot(axes=1)([torch.zeros(2, 3), torch.zeros(2, 4)]), ValueError,
     r"Incompatible input shapes: axis values 3 \(at axis 1\) != 4 \(at axis 1\)"),
    (lambda: Dot(axes=0)([torch.zeros(2, 3), torch.zeros(2, 3)]), ValueError,
     "cannot take the dot product over axis 0"),
    (lambda: Dot(axes=(1, 2, 3)), ValueError, "axes must contain two elements"),
    (lambda: Dot(axes="last"), TypeError, "axes must be an int or a pair of ints"),
    (lambda: Concatenate(axis=1.5), ValueError, "axis must be an int"),
])
def test_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def _masked(array, mask):
    tensor = torch.tensor(array)
    tensor._keras_mask = torch.tensor(mask)
    return tensor


def test_masks_follow_keras_rules():
    a, b = _arrays((2, 3, 2), (2, 3, 2))
    ma = np.array([[1, 1, 0], [1, 0, 0]], bool)
    mb = np.array([[1, 0, 0], [0, 1, 0]], bool)
    union = ma | mb
    out = Add()([_masked(a, ma), _masked(b, mb)])
    np.testing.assert_allclose(out.numpy(), a + b, rtol=1e-6)
    np.testing.assert_array_equal(out._keras_mask.numpy(), union)
    # Maximum ignores masked positions; where all are masked the first input's value stays.
    out = Maximum()([_masked(a, ma), _masked(b, mb)])
    ea, eb = ma[..., None].repeat(2, -1), mb[..., None].repeat(2, -1)
    expected = np.where(ea & eb, np.maximum(a, b), np.where(eb & ~ea, b, a))
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)
    # Multiply treats masked values as 1 and zeroes positions masked everywhere.
    out = Multiply()([_masked(a, ma), _masked(b, mb)])
    expected = np.where(ea, a, 1) * np.where(eb, b, 1) * (ea | eb)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)
    np.testing.assert_array_equal(out._keras_mask.numpy(), union)
    # Without a mask on every input there is no output mask.
    assert getattr(Add()([_masked(a, ma), torch.tensor(b)]), "_keras_mask", None) is None
    out = Concatenate(axis=1)([_masked(a, ma), torch.tensor(b)])
    np.testing.assert_array_equal(out._keras_mask.numpy(),
                                  np.concatenate([ma, np.ones_like(mb)], axis=1))


def test_functional_forms():
    a, b = (torch.tensor(t) for t in _arrays((2, 3), (2, 3)))
    np.testing.assert_allclose(merging.add([a, b]).numpy(), (a + b).numpy())
    np.testing.assert_allclose(merging.subtract([a, b]).numpy(), (a - b).numpy())
    np.testing.assert_allclose(merging.multiply([a, b]).numpy(), (a * b).numpy())
    np.testing.assert_allclose(merging.average([a, b]).numpy(), ((a + b) / 2).numpy())
    np.testing.assert_allclose(merging.maximum([a, b]).numpy(), torch.maximum(a, b).numpy())
    np.testing.assert_allclose(merging.minimum([a, b]).numpy(), torch.minimum(a, b).numpy())
    assert merging.concatenate([a, b], axis=0).shape == (4, 3)
    np.testing.assert_allclose(merging.dot([a, b], axes=1).numpy(),
                               (a * b).sum(1, keepdim=True).numpy(), rtol=1e-6)


@pytest.fixture(scope="module")
def keras():
    os.environ["KERAS_BACKEND"] = "torch"
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip("keras uses another backend")
    return keras


@pytest.mark.parametrize("name, kwargs, shapes", [
    ("Add", {}, [(3, 4, 5)] * 3), ("Add", {}, [(3, 4, 5), (3, 5)]),
    ("Subtract", {}, [(3, 5), (3, 5)]), ("Multiply", {}, [(3, 4, 5), (3, 1, 5)]),
    ("Average", {}, [(3, 2, 5)] * 2), ("Maximum", {}, [(3, 5)] * 3),
    ("Minimum", {}, [(3, 4, 5), (3, 5)]), ("Concatenate", {}, [(3, 4, 5), (3, 4, 2)]),
    ("Concatenate", {"axis": 1}, [(3, 4, 5), (3, 2, 5)]), ("Dot", {"axes": 1}, [(3, 5)] * 2),
    ("Dot", {"axes": (2, 2), "normalize": True}, [(3, 4, 5), (3, 6, 5)]),
    ("Dot", {"axes": (1, 2)}, [(3, 4, 5), (3, 2, 4)]),
])
def test_matches_keras(keras, name, kwargs, shapes):
    arrays = _arrays(*shapes)
    out = getattr(merging, name)(**kwargs)([torch.tensor(a) for a in arrays])
    expected = getattr(keras.layers, name)(**kwargs)(arrays)
    assert tuple(out.shape) == tuple(expected.shape)
    np.testing.assert_allclose(out.numpy(), expected.detach().cpu().numpy(), rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize("name", ["Add", "Multiply", "Maximum", "Minimum", "Concatenate"])
def test_masked_inputs_match_keras(keras, name):
    a, b = _arrays((2, 3, 2), (2, 3, 2))
    ma = np.array([[1, 1, 0], [1, 0, 0]], bool)
    mb = np.array([[1, 0, 0], [0, 1, 0]], bool)
    out = getattr(merging, name)()([_masked(a, ma), _masked(b, mb)])
    expected = getattr(keras.layers, name)()([_masked(a, ma), _masked(b, mb)])
    np.testing.assert_allclose(out.numpy(), expected.detach().cpu().numpy(), rtol=1e-6)
