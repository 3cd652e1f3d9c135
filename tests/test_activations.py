"""Activations vs NumPy formulas and vs real Keras; get/serialize; logits attached."""

import math
import os

import numpy as np
import pytest
import torch

import deepfit
from deepfit import activations

os.environ["KERAS_BACKEND"] = "torch"

X = np.concatenate([np.linspace(-6.0, 6.0, 97), [-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0]])
X2D = np.random.default_rng(0).normal(scale=3.0, size=(4, 7))

SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805
ERF = np.vectorize(math.erf)


def _softplus(x):
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


NUMPY_REFERENCE = {
    "relu": lambda x: np.maximum(x, 0),
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "linear": lambda x: x,
    "elu": lambda x: np.where(x > 0, x, np.exp(x) - 1),
    "selu": lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * (np.exp(x) - 1)),
    "gelu": lambda x: 0.5 * x * (1 + ERF(x / math.sqrt(2))),
    "softplus": _softplus,
    "softsign": lambda x: x / (np.abs(x) + 1),
    "silu": lambda x: x * _sigmoid(x),
    "swish": lambda x: x * _sigmoid(x),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.2 * x),
    "relu6": lambda x: np.clip(x, 0, 6),
    "exponential": np.exp,
    "hard_sigmoid": lambda x: np.clip(x / 6 + 0.5, 0, 1),
    "hard_silu": lambda x: x * np.clip(x / 6 + 0.5, 0, 1),
    "hard_swish": lambda x: x * np.clip(x / 6 + 0.5, 0, 1),
    "mish": lambda x: x * np.tanh(_softplus(x)),
    "softmax": _softmax,
    "log_softmax": lambda x: np.log(_softmax(x)),
    "log_sigmoid": lambda x: -_softplus(-x),
    "celu": lambda x: np.where(x >= 0, x, np.exp(x) - 1),
    "hard_tanh": lambda x: np.clip(x, -1, 1),
    "tanh_shrink": lambda x: x - np.tanh(x),
    "hard_shrink": lambda x: np.where(np.abs(x) > 0.5, x, 0),
    "soft_shrink": lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0)),
    "squareplus": lambda x: (x + np.sqrt(x * x + 4)) / 2,
    "sparse_plus": lambda x: np.where(x <= -1, 0, np.where(x < 1, (x + 1) ** 2 / 4, x)),
    "sparse_sigmoid": lambda x: np.clip((x + 1) / 2, 0, 1),
}


def _close(actual, expected, tol=1e-6):
    actual = actual.detach().cpu().numpy() if isinstance(actual, torch.Tensor) else actual
    np.testing.assert_allclose(actual, expected, rtol=tol, atol=tol)


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


@pytest.mark.parametrize("name", sorted(NUMPY_REFERENCE))
def test_matches_numpy_formula(name):
    fn = activations.get(name)
    x = X2D if name in ("softmax", "log_softmax") else X
    out = fn(torch.tensor(x, dtype=torch.float64))
    assert out.dtype == torch.float64 and out.shape == x.shape
    _close(out, NUMPY_REFERENCE[name](x))


@pytest.mark.parametrize("name", sorted(NUMPY_REFERENCE))
def test_matches_keras(keras, name):
    x = torch.tensor(X2D if name in ("softmax", "log_softmax") else X, dtype=torch.float32)
    expected = getattr(keras.activations, name)(x.clone())
    _close(activations.get(name)(x), np.asarray(keras.ops.convert_to_numpy(expected)))


RELU_CASES = [
    {"negative_slope": 0.5},
    {"max_value": 5.0},
    {"max_value": 6.0},
    {"threshold": 2.0},
    {"threshold": -1.5},
    {"negative_slope": 0.3, "max_value": 4.0},
    {"negative_slope": 0.3, "threshold": 1.0},
    {"negative_slope": 0.1, "max_value": 3.0, "threshold": 0.5},
    {"max_value": 2.0, "threshold": -1.0},
]


def _relu_reference(x, negative_slope=0.0, max_value=None, threshold=0.0):
    out = np.where(x > threshold, x, 0.0) if threshold != 0 else np.maximum(x, 0)
    if max_value is not None:
        out = np.clip(out, 0, max_value)
    return out - negative_slope * np.maximum(threshold - x, 0)


@pytest.mark.parametrize("kwargs", RELU_CASES)
def test_relu_options_match_formula_and_keras(keras, kwargs):
    x = torch.tensor(X, dtype=torch.float32)
    out = activations.relu(x, **kwargs)
    _close(out, _relu_reference(X, **kwargs))
    expected = keras.activations.relu(x.clone(), **kwargs)
    _close(out, keras.ops.convert_to_numpy(expected))


def test_relu_documented_examples():
    x = torch.tensor([-10.0, -5.0, 0.0, 5.0, 10.0])
    _close(activations.relu(x, negative_slope=0.5), [-5.0, -2.5, 0.0, 5.0, 10.0])
    _close(activations.relu(x, max_value=5.0), [0.0, 0.0, 0.0, 5.0, 5.0])
    _close(activations.relu(x, threshold=5.0), [0.0, 0.0, 0.0, 0.0, 10.0])


def test_parameterized_activations_match_keras(keras):
    x = torch.tensor(X, dtype=torch.float32)
    ka = keras.activations
    pairs = [
        (activations.elu(x, alpha=0.5), ka.elu(x.clone(), alpha=0.5)),
        (activations.gelu(x, approximate=True), ka.gelu(x.clone(), approximate=True)),
        (activations.leaky_relu(x, negative_slope=0.05), ka.leaky_relu(x.clone(), 0.05)),
        (activations.celu(x, alpha=2.0), ka.celu(x.clone(), alpha=2.0)),
        (activations.softmax(torch.tensor(X2D), axis=0), ka.softmax(torch.tensor(X2D), axis=0)),
        (activations.glu(torch.tensor(X2D[:, :6])), ka.glu(torch.tensor(X2D[:, :6]))),
        (activations.sparsemax(torch.tensor(X2D)), ka.sparsemax(torch.tensor(X2D))),
        (activations.threshold(x, 0.5, -2.0), ka.threshold(x.clone(), 0.5, -2.0)),
    ]
    for ours, theirs in pairs:
        _close(ours, keras.ops.convert_to_numpy(theirs))


def test_gelu_tanh_approximation_formula():
    x = torch.tensor(X)
    inner = math.sqrt(2 / math.pi) * (X + 0.044715 * X**3)
    _close(activations.gelu(x, approximate=True), 0.5 * X * (1 + np.tanh(inner)))


def test_sparsemax_is_sparse_distribution():
    out = activations.sparsemax(torch.tensor([[3.0, 1.0, 0.2], [0.1, 0.1, 0.1]]))
    _close(out, [[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3]])


def test_softmax_and_sigmoid_attach_logits():
    x = torch.tensor(X2D, dtype=torch.float32)
    for out in (activations.softmax(x), activations.sigmoid(x), activations.get("softmax")(x)):
        assert out._keras_logits is x
    assert not hasattr(activations.tanh(x), "_keras_logits")


def test_softmax_axis_none_normalizes_everything():
    x = torch.tensor(X2D)
    out = activations.softmax(x, axis=None)
    _close(out, np.exp(X2D) / np.exp(X2D).sum())
    assert out._keras_logits is x


def test_preserves_half_dtype():
    x = torch.linspace(-4, 4, 9, dtype=torch.bfloat16)
    for name in ("relu", "gelu", "hard_sigmoid", "mish", "sparse_plus"):
        assert activations.get(name)(x).dtype == torch.bfloat16
    assert activations.relu(x, threshold=1.0, max_value=2.0).dtype == torch.bfloat16


def test_get_resolves_identifiers():
    assert activations.get(None) is activations.linear
    assert activations.get("swish") is activations.silu
    assert activations.get("hard_swish") is activations.hard_silu
    assert activations.get({"class_name": "tanh", "config": {}}) is activations.tanh
    keras_style = {"module": "keras.activations", "class_name": "function", "config": "elu"}
    assert activations.get(keras_style) is activations.elu
    custom = lambda x: x * 2  # noqa: E731
    assert activations.get(custom) is custom


def test_get_rejects_unknown_names_listing_valid_ones():
    with pytest.raises(ValueError, match="Unknown activation: 'relux'.*'relu'.*'softmax'"):
        activations.get("relux")
    with pytest.raises(ValueError, match="activation"):
        activations.get(3)


def test_serialize_roundtrip():
    assert activations.serialize(activations.relu) == "relu"
    assert activations.serialize(activations.get("swish")) == "silu"
    for name in ("gelu", "softmax", "hard_silu", "linear"):
        fn = activations.get(name)
        assert activations.deserialize(activations.serialize(fn)) is fn

    def my_act(x):
        return x

    assert activations.serialize(my_act) == "my_act"
    assert activations.get("my_act", custom_objects={"my_act": my_act}) is my_act
    with pytest.raises(ValueError, match="named function"):
        activations.serialize(lambda x: x)


def test_activations_called_on_arrays_from_user_code_compute_as_keras_does():
    # Keras (torch backend): relu(np.array([-1., 2.])) -> tensor([0., 2.], dtype=float64);
    # softmax([[1., 2.]]) -> [[0.2689, 0.7311]]; a Python list becomes float32.
    relu = activations.relu(np.array([-1.0, 2.0]))
    assert relu.dtype == torch.float64 and relu.numpy().tolist() == [0.0, 2.0]
    soft = activations.softmax(np.array([[1.0, 2.0]]))
    np.testing.assert_allclose(soft.numpy(), [[0.26894142, 0.73105858]], rtol=1e-7)
    assert activations.get("sigmoid")([0.0]).dtype == torch.float32


def test_keras_tensor_repr_names_the_dtype_as_keras_does():
    text = repr(deepfit.Input((3,), dtype="bool"))
    assert "shape=(None, 3), dtype=bool, sparse=False, ragged=False" in text
