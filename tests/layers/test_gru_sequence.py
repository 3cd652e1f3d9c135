"""The GRU's own backward through time (layers/recurrent/gru_sequence.py) against torch's GRU
under autograd, and the layers' choice of path."""

from __future__ import annotations

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
    weights_out = torch.randn(3, 6, 5, generator=torch.Generator().manual_seed(1))
    results = []
    for run in (gru_sequence, _torch_gru):
        for a in args:
            a.grad = None
        out, h = run(*args, reverse=reverse) if run is gru_sequence else run(*args, reverse)
        loss = {"both": (out * weights_out).sum() + (h ** 3).sum(),
                "outputs": (out * weights_out).sum(), "final": (h ** 3).sum()}[loss_on]
        loss.backward()
        results.append([out.detach().clone(), h.detach().clone()]
                       + [a.grad.clone() for a in args])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6)


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
    original = module._GRUSequence.apply
    monkeypatch.setattr(module._GRUSequence, "apply", lambda *a: calls.append(1) or original(*a))
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
