"""The GRU's own backward through time (layers/recurrent/gru_sequence.py) against torch's GRU
under autograd, and the layers' choice of path."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest
import torch

import deepfit as keras
from deepfit.layers.recurrent import gru_sequence as module
from deepfit.layers.recurrent.gru_sequence import gru_sequence


def _torch_gru(x, h0, kernel, recurrent_kernel, input_bias, recurrent_bias, reverse):
    """torch's GRU from Keras-layout weights (z, r, h → torch's r, z, n)."""
    def torch_order(t):
        z, r, h = t.chunk(3, -1)
        return torch.cat([r, z, h], -1)

    params = [torch_order(kernel).t(), torch_order(recurrent_kernel).t(),
              torch_order(input_bias), torch_order(recurrent_bias)]
    steps = x.flip(1) if reverse else x
    out, h = torch._VF.gru(steps, h0[None], params, True, 1, 0.0, True, False, True)
    return (out.flip(1) if reverse else out), h[0]


def _inputs(batch=3, steps=6, features=4, units=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    draw = lambda *shape: torch.randn(*shape, generator=g).mul(0.5).requires_grad_()  # noqa: E731
    return (draw(batch, steps, features), draw(batch, units), draw(features, 3 * units),
            draw(units, 3 * units), draw(3 * units), draw(3 * units))


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("loss_on", ["both", "outputs", "final"])
def test_values_and_every_gradient_equal_torch_autograd(reverse, loss_on):
    args = _inputs()
    ours = lambda: gru_sequence(*args, reverse=reverse)  # noqa: E731
    _assert_same_values_and_gradients(ours, lambda: _torch_gru(*args, reverse), args, loss_on)


def _assert_same_values_and_gradients(ours, theirs, leaves, loss_on):
    """`ours()` and `theirs()` give the same (outputs, final state) and, for a loss on either or
    both, the same gradient of every leaf."""
    results = []
    for run in (ours, theirs):
        for leaf in leaves:
            leaf.grad = None
        out, h = run()
        weights_out = torch.randn(out.shape, generator=torch.Generator().manual_seed(1))
        loss = {"both": (out * weights_out).sum() + (h ** 3).sum(),
                "outputs": (out * weights_out).sum(), "final": (h ** 3).sum()}[loss_on]
        loss.backward()
        results.append([out.detach().clone(), h.detach().clone()]
                       + [leaf.grad.clone() for leaf in leaves])
    for ours_value, theirs_value in zip(*results):
        np.testing.assert_allclose(ours_value.numpy(), theirs_value.numpy(), rtol=1e-5,
                                   atol=1e-6)


def test_no_bias_and_the_path_choice():
    x, h0, kernel, recurrent_kernel, _, _ = _inputs()
    zeros = torch.zeros(15)
    out, _ = gru_sequence(x, h0, kernel, recurrent_kernel, None, None)
    want, _ = _torch_gru(x, h0, kernel, recurrent_kernel, zeros, zeros, False)
    np.testing.assert_allclose(out.detach().numpy(), want.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert module.applies(x, [kernel])
    with torch.no_grad():
        assert not module.applies(x, [kernel])  # inference keeps torch's kernel
    assert not module.applies(x.detach(), [kernel.detach()])  # nothing to differentiate
    assert not module.applies(x.double(), [kernel])


def _text_model(recurrent, seed=3):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((12,), dtype="int32"), keras.layers.Embedding(50, 6),
                              *recurrent, keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy",
                  metrics=["accuracy"])
    return model


@pytest.mark.parametrize("make", [
    lambda: [keras.layers.GRU(7)],
    lambda: [keras.layers.GRU(7, go_backwards=True, return_sequences=True),
             keras.layers.GlobalAveragePooling1D()],
    lambda: [keras.layers.Bidirectional(keras.layers.GRU(4, return_sequences=True)),
             keras.layers.GRU(3)],
], ids=["gru", "go_backwards", "bidirectional"])
def test_fit_equals_the_step_by_step_path(make, monkeypatch):
    """fit through gru_sequence gives the History and weights of deepfit's per-step GRU (the path
    that runs Keras's cell equations one step at a time under autograd)."""
    rng = np.random.default_rng(0)
    x = rng.integers(1, 50, (96, 12)).astype("int32")
    y = (x[:, :3].sum(1) > 75).astype("float32")
    calls = []
    original = module._GRUSequences.apply
    monkeypatch.setattr(module._GRUSequences, "apply", lambda *a: calls.append(1) or original(*a))
    fast = _text_model(make())
    slow = _text_model(make())
    for layer in slow.layers:
        for inner in (layer, getattr(layer, "forward_layer", None),
                      getattr(layer, "backward_layer", None)):
            if inner is not None and hasattr(inner, "_fused_allowed"):
                inner._fused_allowed = False
    slow.set_weights(fast.get_weights())
    keras.utils.set_random_seed(0)
    got = fast.fit(x, y, batch_size=32, epochs=3, verbose=0, shuffle=False).history
    assert calls  # the fast path really ran
    keras.utils.set_random_seed(0)
    want = slow.fit(x, y, batch_size=32, epochs=3, verbose=0, shuffle=False).history
    for key in want:
        np.testing.assert_allclose(got[key], want[key], rtol=1e-5, atol=1e-6)
    for a, b in zip(fast.get_weights(), slow.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    assert got["accuracy"][-1] > got["accuracy"][0] or got["loss"][-1] < got["loss"][0]


@pytest.fixture
def torch_threads(request):
    """Run the test with `request.param` torch threads, then restore the count."""
    before = torch.get_num_threads()
    torch.set_num_threads(request.param)
    yield request.param
    torch.set_num_threads(before)


@pytest.mark.parametrize("torch_threads", [1, 2], indirect=True,
                         ids=["batched-loop", "loop-per-thread"])
@pytest.mark.parametrize("loss_on", ["both", "outputs", "final"])
def test_two_directions_side_by_side_equal_torch_autograd_per_direction(loss_on, torch_threads):
    """`gru_sequences` steps both directions of a Bidirectional GRU together (one thread: one
    loop, each step's operations batched; more: a loop per direction, on two threads); each
    direction's outputs, final state and every gradient equal torch's GRU run on its own."""
    assert len(module._groups(6, 2, True)) == torch_threads
    forward, backward = _inputs(seed=0), _inputs(seed=5)
    x = forward[0]
    leaves = [x, *forward[1:], *backward[1:]]

    def run_ours():
        stacked = [torch.stack([a, b]) for a, b in zip(forward[1:], backward[1:])]
        return module.gru_sequences(x, *stacked, True)

    def run_torch():
        (out_f, h_f), (out_b, h_b) = (_torch_gru(x, *args[1:], reverse)
                                      for args, reverse in ((forward, False), (backward, True)))
        return torch.cat([out_f, out_b], -1), torch.stack([h_f, h_b])

    _assert_same_values_and_gradients(run_ours, run_torch, leaves, loss_on)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("torch_threads", [2], indirect=True)
def test_a_forked_child_starts_its_own_helper_thread(torch_threads):
    """The helper thread does not survive a fork: the child starts its own instead of waiting
    forever for the parent's. (The child runs no torch operation: OpenMP's threads are not
    fork-safe either, which is why DataLoader workers run on one thread.)"""
    forward, backward = _inputs(seed=0), _inputs(seed=5)
    stacked = [torch.stack([a, b]).detach() for a, b in zip(forward[1:], backward[1:])]
    module.gru_sequences(forward[0], *stacked, True)[0].sum().backward()
    assert module._helper is not None  # the parent's helper thread exists
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        signal.alarm(30)  # a child waiting for a thread that is gone dies instead of hanging
        try:
            both = module._in_parallel(lambda name: name.upper(), [("a",), ("b",)])
            os.write(write, "".join(both).encode())
        finally:
            os._exit(0)
    os.close(write)
    _, status = os.waitpid(child, 0)
    assert os.read(read, 2) == b"AB" and status == 0
