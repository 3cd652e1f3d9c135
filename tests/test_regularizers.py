"""Regularizers and constraints: values vs formulas and vs real Keras; get/serialize/config."""

import os

import numpy as np
import pytest
import torch

from deepfit import config, constraints, regularizers

os.environ["KERAS_BACKEND"] = "torch"

W = np.random.default_rng(0).normal(size=(5, 4))
CONV_W = np.random.default_rng(1).normal(size=(3, 3, 2, 4))


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


def _np(t):
    return t.detach().cpu().numpy()


# ----------------------------------------------------------------------------- regularizers


def test_l1_l2_formulas():
    w = torch.tensor(W)
    assert regularizers.L1(0.3)(w).item() == pytest.approx(0.3 * np.abs(W).sum(), rel=1e-12)
    assert regularizers.L2(0.1)(w).item() == pytest.approx(0.1 * (W**2).sum(), rel=1e-12)
    both = regularizers.L1L2(l1=0.2, l2=0.05)(w).item()
    assert both == pytest.approx(0.2 * np.abs(W).sum() + 0.05 * (W**2).sum(), rel=1e-12)
    assert regularizers.L2(2.0)(torch.ones(5, 5)).item() == 50.0  # Keras's docstring example


def test_penalty_is_scalar_tensor_with_weight_dtype_and_gradient():
    w = torch.tensor(W, dtype=torch.float32, requires_grad=True)
    for reg in (regularizers.L1(), regularizers.L2(), regularizers.L1L2(0.1, 0.1),
                regularizers.L1L2(), regularizers.OrthogonalRegularizer()):
        out = reg(w)
        assert out.shape == () and out.dtype == torch.float32 and out.device == w.device
    regularizers.L2(0.5)(w).backward()
    np.testing.assert_allclose(_np(w.grad), 2 * 0.5 * W, rtol=1e-6)
    assert regularizers.L1L2()(w).item() == 0.0


def test_orthogonal_regularizer_formula():
    def reference(x, factor, mode):
        x = x if mode == "rows" else x.T
        unit = x / np.linalg.norm(x, axis=1, keepdims=True)
        product = unit @ unit.T
        size = x.shape[0]
        off = np.abs(product).sum() - np.abs(np.diag(product)).sum()
        return factor * 0.5 * off / (size * (size - 1) / 2)

    for mode in ("rows", "columns"):
        got = regularizers.OrthogonalRegularizer(0.2, mode)(torch.tensor(W)).item()
        assert got == pytest.approx(reference(W, 0.2, mode), rel=1e-10)
    assert regularizers.OrthogonalRegularizer(1.0)(torch.eye(3)).item() == 0.0
    with pytest.raises(ValueError, match="rank-2"):
        regularizers.OrthogonalRegularizer()(torch.ones(2, 2, 2))
    with pytest.raises(ValueError, match="mode"):
        regularizers.OrthogonalRegularizer(mode="diagonal")


def test_regularizers_match_keras(keras):
    w = torch.tensor(W, dtype=torch.float32)
    pairs = [
        (regularizers.L1(0.3), keras.regularizers.L1(0.3)),
        (regularizers.L2(0.1), keras.regularizers.L2(0.1)),
        (regularizers.L1L2(0.2, 0.05), keras.regularizers.L1L2(0.2, 0.05)),
        (regularizers.OrthogonalRegularizer(0.2, "rows"),
         keras.regularizers.OrthogonalRegularizer(0.2, "rows")),
        (regularizers.OrthogonalRegularizer(0.2, "columns"),
         keras.regularizers.OrthogonalRegularizer(0.2, "columns")),
    ]
    for ours, theirs in pairs:
        expected = float(keras.ops.convert_to_numpy(theirs(w.clone())))
        assert ours(w).item() == pytest.approx(expected, rel=1e-6)
        if not isinstance(ours, regularizers.OrthogonalRegularizer):
            assert ours.get_config() == pytest.approx(theirs.get_config())


def test_penalty_factor_validation():
    for bad in (-0.1, float("nan"), float("inf"), "0.1"):
        with pytest.raises(ValueError, match="l2: expected a non-negative finite float"):
            regularizers.L2(bad)
    assert regularizers.L1(None).l1 == 0.01 and regularizers.L1L2(None, 0.1).l1 == 0.0


def test_regularizer_get_and_serialize():
    assert regularizers.get(None) is None
    assert isinstance(regularizers.get("l1"), regularizers.L1)
    assert regularizers.get("l2").l2 == 0.01
    l1l2 = regularizers.get("l1_l2")
    assert (l1l2.l1, l1l2.l2) == (0.01, 0.01)
    assert regularizers.get("L1L2").get_config() == {"l1": 0.0, "l2": 0.0}  # as Keras 3
    assert isinstance(regularizers.get("orthogonal_regularizer"),
                      regularizers.OrthogonalRegularizer)
    got = regularizers.get({"class_name": "L2", "config": {"l2": 0.3}})
    assert isinstance(got, regularizers.L2) and got.l2 == 0.3
    assert isinstance(regularizers.get(regularizers.L1), regularizers.L1)
    fn = lambda w: w.sum()  # noqa: E731
    assert regularizers.get(fn) is fn
    for reg in (regularizers.L1(0.2), regularizers.L2(0.4), regularizers.L1L2(0.1, 0.2),
                regularizers.OrthogonalRegularizer(0.3, "columns")):
        config = regularizers.serialize(reg)
        clone = regularizers.deserialize(config)
        assert type(clone) is type(reg) and clone.get_config() == reg.get_config()
    assert regularizers.serialize(regularizers.L2(0.1)) == {
        "class_name": "L2", "config": {"l2": 0.1}
    }
    with pytest.raises(ValueError, match="Unknown regularizer: 'l3'.*'l1'.*'l2'"):
        regularizers.get("l3")
    with pytest.raises(ValueError, match="regularizer"):
        regularizers.get(0.1)


# ------------------------------------------------------------------------------ constraints


def _norms(w, axis):
    return np.sqrt((w**2).sum(axis=axis, keepdims=True))


@pytest.mark.parametrize("w, axis", [(W, 0), (W, 1), (CONV_W, [0, 1, 2])])
def test_constraint_formulas(w, axis):
    eps = config.epsilon()
    t = torch.tensor(w)
    axis_np = tuple(axis) if isinstance(axis, list) else axis
    norms = _norms(w, axis_np)
    np.testing.assert_allclose(
        _np(constraints.MaxNorm(1.5, axis)(t)), w * np.clip(norms, 0, 1.5) / (eps + norms)
    )
    np.testing.assert_allclose(_np(constraints.UnitNorm(axis)(t)), w / (eps + norms))
    desired = 0.7 * np.clip(norms, 0.5, 1.2) + 0.3 * norms
    np.testing.assert_allclose(
        _np(constraints.MinMaxNorm(0.5, 1.2, 0.7, axis)(t)), w * desired / (eps + norms)
    )
    np.testing.assert_allclose(_np(constraints.NonNeg()(t)), np.maximum(w, 0))


def test_constraint_effects():
    projected = constraints.MaxNorm(1.0)(torch.tensor([[3.0, 0.1], [4.0, 0.2]]))
    torch.testing.assert_close(projected, torch.tensor([[0.6, 0.1], [0.8, 0.2]]), atol=1e-6,
                               rtol=1e-6)
    unit = constraints.UnitNorm(axis=[0, 1, 2])(torch.tensor(CONV_W))
    norms = unit.square().sum(dim=(0, 1, 2)).sqrt()
    torch.testing.assert_close(norms, torch.ones(4, dtype=torch.float64))


@pytest.mark.parametrize("axis", [0, 1, [0, 1, 2]])
def test_constraints_match_keras(keras, axis):
    w = torch.tensor(CONV_W if isinstance(axis, list) else W, dtype=torch.float32)
    pairs = [
        (constraints.MaxNorm(1.5, axis), keras.constraints.MaxNorm(1.5, axis)),
        (constraints.UnitNorm(axis), keras.constraints.UnitNorm(axis)),
        (constraints.MinMaxNorm(0.5, 1.2, 0.7, axis),
         keras.constraints.MinMaxNorm(0.5, 1.2, 0.7, axis)),
        (constraints.NonNeg(), keras.constraints.NonNeg()),
    ]
    for ours, theirs in pairs:
        expected = keras.ops.convert_to_numpy(theirs(w.clone()))
        np.testing.assert_allclose(_np(ours(w)), expected, rtol=1e-6, atol=1e-6)
        assert ours.get_config() == theirs.get_config()


def test_constraint_get_and_serialize():
    assert constraints.get(None) is None
    for name, cls in [("max_norm", constraints.MaxNorm), ("MaxNorm", constraints.MaxNorm),
                      ("non_neg", constraints.NonNeg), ("unit_norm", constraints.UnitNorm),
                      ("min_max_norm", constraints.MinMaxNorm)]:
        assert isinstance(constraints.get(name), cls)
    got = constraints.get({"class_name": "MaxNorm", "config": {"max_value": 3, "axis": [0, 1]}})
    assert (got.max_value, got.axis) == (3, [0, 1])
    assert isinstance(constraints.get(constraints.NonNeg), constraints.NonNeg)
    fn = lambda w: w.clamp(-1, 1)  # noqa: E731
    assert constraints.get(fn) is fn
    for c in (constraints.MaxNorm(3, 1), constraints.NonNeg(), constraints.UnitNorm([0, 1]),
              constraints.MinMaxNorm(0.1, 2.0, 0.5, 1)):
        clone = constraints.deserialize(constraints.serialize(c))
        assert type(clone) is type(c) and clone.get_config() == c.get_config()
    with pytest.raises(ValueError, match="Unknown constraint: 'maxnorm2'.*'max_norm'"):
        constraints.get("maxnorm2")
    with pytest.raises(ValueError, match="axis: expected an int or a list of ints"):
        constraints.MaxNorm(axis="0")
    with pytest.raises(ValueError, match="min_value"):
        constraints.MinMaxNorm(2.0, 1.0)
