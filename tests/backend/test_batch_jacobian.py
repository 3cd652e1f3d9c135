"""`GradientTape.batch_jacobian` against torch.autograd's full Jacobian (its per-example
diagonal blocks), with TensorFlow's rules for shapes, unconnected targets and bad input."""

import numpy as np
import pytest
import torch

from deepfit.backend import EagerTensor, GradientTape, Variable


def _fn(x, w):
    return torch.tanh(x @ w) * x[:, :2] ** 2


def _reference(x, w):
    full = torch.autograd.functional.jacobian(lambda x_: _fn(x_, w), x)  # (b, 2, b, 4)
    return torch.stack([full[i, :, i] for i in range(x.shape[0])])


def test_per_example_jacobian_equals_autograd_blocks():
    torch.manual_seed(0)
    x, w = torch.randn(3, 4), torch.randn(4, 2)
    with GradientTape() as tape:
        tape.watch(x)
        y = _fn(x, w)
    jac = tape.batch_jacobian(y, x)
    assert isinstance(jac, EagerTensor) and jac.shape == (3, 2, 4)
    np.testing.assert_allclose(jac.numpy(), _reference(x, w).numpy(), rtol=1e-5, atol=1e-7)


def test_target_and_source_of_higher_rank_and_a_variable_source():
    torch.manual_seed(1)
    v = Variable(torch.randn(2, 2, 3))
    with GradientTape(persistent=True) as tape:
        y = (v.sum(dim=-1, keepdim=True) * v).reshape(2, 3, 2)  # (2, 3, 2) from (2, 2, 3)
    jac = tape.batch_jacobian(y, v)
    assert jac.shape == (2, 3, 2, 2, 3)
    plain = v.detach().clone()
    full = torch.autograd.functional.jacobian(
        lambda t: (t.sum(dim=-1, keepdim=True) * t).reshape(2, 3, 2), plain)
    expected = torch.stack([full[i, :, :, i] for i in range(2)])
    np.testing.assert_allclose(jac.numpy(), expected.numpy(), rtol=1e-6)


def test_unconnected_target_gives_zeros_as_tensorflow():
    x = torch.ones(3, 2)
    with GradientTape(persistent=True) as tape:
        tape.watch(x)
        c = torch.ones(3, 5, dtype=torch.float64)
    for mode in ("none", "zero"):
        jac = tape.batch_jacobian(c, x, unconnected_gradients=mode)
        assert jac.shape == (3, 5, 2) and jac.dtype == torch.float64
        assert not jac.numpy().any()


def test_bad_input_is_a_clear_error():
    x = torch.ones(3, 2)
    with GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * 2
    with pytest.raises(ValueError, match=r"same first \(batch\) dimension.*\(2, 2\).*\(3, 2\)"):
        tape.batch_jacobian(y[:2], x)
    with pytest.raises(TypeError, match="batch_jacobian: expected a tensor as source"):
        tape.batch_jacobian(y, [x])
    once = GradientTape()
    with once:
        once.watch(x)
        z = x * 3
    once.batch_jacobian(z, x)
    with pytest.raises(RuntimeError, match="batch_jacobian: a non-persistent GradientTape"):
        once.batch_jacobian(z, x)
