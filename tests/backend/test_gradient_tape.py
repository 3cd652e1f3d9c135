"""GradientTape against torch.autograd references: Variables, structures, watch, persistent,
nested tapes (second derivatives), stop_recording, unconnected sources, jacobian, bad input."""

import numpy as np
import pytest
import torch

from deepfit.backend import EagerTensor, GradientTape, Variable


def _reference(fn, *tensors, create_graph=False):
    leaves = [t.detach().clone().requires_grad_(True) for t in tensors]
    return torch.autograd.grad(fn(*leaves), leaves, create_graph=create_graph), leaves


def _loss(w, b, x):
    return torch.tanh(x @ w + b).pow(2).mean()


def test_gradients_of_variables_equal_autograd():
    torch.manual_seed(0)
    x = torch.randn(5, 3)
    w, b = Variable(torch.randn(3, 2)), Variable(torch.randn(2))
    with GradientTape() as tape:
        loss = _loss(w, b, x)
    dw, db = tape.gradient(loss, [w, b])
    (rw, rb), _ = _reference(lambda w_, b_: _loss(w_, b_, x), w, b)
    assert isinstance(dw, EagerTensor) and not dw.requires_grad
    np.testing.assert_allclose(dw.numpy(), rw.numpy(), rtol=1e-6)
    np.testing.assert_allclose(db.numpy(), rb.numpy(), rtol=1e-6)


def test_sources_keep_their_structure():
    w, b = Variable([1.0, 2.0]), Variable(3.0)
    with GradientTape() as tape:
        y = (w * w).sum() * b
    grads = tape.gradient(y, {"outer": [w, (b,)], "w": w})
    assert set(grads) == {"outer", "w"} and isinstance(grads["outer"][1], tuple)
    np.testing.assert_allclose(grads["w"].numpy(), [6.0, 12.0])
    np.testing.assert_allclose(grads["outer"][1][0].numpy(), 5.0)


def test_non_scalar_target_is_summed_and_output_gradients_weight_it():
    w = Variable([1.0, 2.0, 3.0])
    with GradientTape(persistent=True) as tape:
        y = w * w
    np.testing.assert_allclose(tape.gradient(y, w).numpy(), [2.0, 4.0, 6.0])
    weighted = tape.gradient(y, w, output_gradients=torch.tensor([1.0, 0.0, 2.0]))
    np.testing.assert_allclose(weighted.numpy(), [2.0, 0.0, 12.0])


def test_watch_constants_and_watch_accessed_variables():
    x = torch.tensor(3.0)
    with GradientTape() as tape:
        tape.watch(x)
        y = x ** 3
    assert float(tape.gradient(y, x)) == pytest.approx(27.0)
    v, u = Variable(2.0), Variable(5.0)
    with GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(v)
        y = v * u
    gv, gu = tape.gradient(y, [v, u])
    assert float(gv) == pytest.approx(5.0) and gu is None


def test_unwatched_constant_and_unconnected_sources():
    x, v, unused = torch.tensor(2.0), Variable(1.0), Variable([1.0, 1.0])
    with GradientTape(persistent=True) as tape:
        y = v * x
    assert tape.gradient(y, x) is None
    assert tape.gradient(y, [v, unused])[1] is None
    zeros = tape.gradient(y, unused, unconnected_gradients="zero")
    np.testing.assert_array_equal(zeros.numpy(), [0.0, 0.0])
    frozen = Variable(1.0, trainable=False)
    with GradientTape() as tape:
        y = frozen * 2.0
    assert tape.gradient(y, frozen) is None


def test_persistent_tape_answers_twice_and_plain_tape_refuses():
    w = Variable(2.0)
    with GradientTape(persistent=True) as tape:
        y, z = w * w, w * w * w
    assert float(tape.gradient(y, w)) == pytest.approx(4.0)
    assert float(tape.gradient(z, w)) == pytest.approx(12.0)
    with GradientTape() as once:
        y = w * w
    once.gradient(y, w)
    with pytest.raises(RuntimeError, match="non-persistent GradientTape"):
        once.gradient(y, w)


def test_nested_tapes_give_second_derivatives_equal_to_autograd():
    torch.manual_seed(1)
    x = Variable(torch.randn(4))
    with GradientTape() as outer:
        with GradientTape() as inner:
            y = (torch.sin(x) * x).sum()
        dy = inner.gradient(y, x)
    d2y = outer.gradient(dy, x)
    (first,), (leaf,) = _reference(lambda t: (torch.sin(t) * t).sum(), x, create_graph=True)
    (second,) = torch.autograd.grad(first.sum(), leaf)
    np.testing.assert_allclose(dy.numpy(), first.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(d2y.numpy(), second.numpy(), rtol=1e-6)


def test_stop_recording_blocks_the_gradient():
    w = Variable(3.0)
    with GradientTape() as tape:
        with tape.stop_recording():
            frozen = w * w
        y = frozen * w
    assert float(tape.gradient(y, w)) == pytest.approx(9.0)


def test_jacobian_of_a_small_function():
    x = Variable([1.0, 2.0])
    with GradientTape() as tape:
        y = torch.stack([x[0] * x[1], x[0] ** 2, x[1] * 3.0])
    jac = tape.jacobian(y, x)
    np.testing.assert_allclose(jac.numpy(), [[2.0, 1.0], [2.0, 0.0], [0.0, 3.0]])
    reference = torch.autograd.functional.jacobian(
        lambda t: torch.stack([t[0] * t[1], t[0] ** 2, t[1] * 3.0]), torch.tensor([1.0, 2.0]))
    np.testing.assert_allclose(jac.numpy(), reference.numpy())


def test_bad_sources_are_named():
    w = Variable(1.0)
    with GradientTape(persistent=True) as tape:
        y = w * 2.0
    with pytest.raises(TypeError, match=r"sources\[1\] must be a Variable"):
        tape.gradient(y, [w, "kernel"])
    with pytest.raises(TypeError, match=r"sources\[0\] has dtype torch.int64"):
        tape.gradient(y, torch.tensor([1, 2]))
    with pytest.raises(ValueError, match="unconnected_gradients"):
        tape.gradient(y, w, unconnected_gradients="sometimes")
