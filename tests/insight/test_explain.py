"""model.explain_step: the numbers match a plain-torch computation of the same step, apply=False
leaves everything as it was, and the flags fire on vanishing/exploding gradients and dead ReLUs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import deepfit
from deepfit import layers


def _batch(rows=16, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 3)).astype("float32")
    return x, x.sum(axis=1, keepdims=True).astype("float32")


def _small_model(optimizer):
    model = deepfit.Sequential([layers.Dense(4, activation="relu", name="hidden"),
                                layers.Dense(1, name="out")])
    model.compile(optimizer=optimizer, loss="mse")
    return model


def test_numbers_match_a_torch_computation_of_the_step():
    x, y = _batch()
    model = _small_model(deepfit.optimizers.SGD(0.1))
    model.predict(x, verbose=0)
    w1, b1, w2, b2 = (torch.tensor(w, requires_grad=True) for w in model.get_weights())
    hidden = torch.relu(torch.from_numpy(x) @ w1 + b1)
    loss = ((hidden @ w2 + b2 - torch.from_numpy(y)) ** 2).mean()
    grads = torch.autograd.grad(loss, [w1, b1, w2, b2])

    explanation = model.explain_step(x, y, verbose=False)

    assert explanation.loss == pytest.approx(loss.item(), rel=1e-6)
    assert explanation.batch_size == 16 and explanation.applied
    first, second = explanation.layers
    assert (first.name, first.type, first.output_shape) == ("hidden", "Dense", (16, 4))
    assert first.mean == pytest.approx(hidden.mean().item(), rel=1e-5)
    assert first.std == pytest.approx(hidden.std(unbiased=False).item(), rel=1e-5)
    dead = (hidden <= 0).all(dim=0).float().mean().item()
    assert first.dead_fraction == pytest.approx(dead)
    assert second.output_shape == (16, 1) and second.dead_fraction is None
    names = [w.name for w in explanation.weights]
    assert names == ["hidden/kernel", "hidden/bias", "out/kernel", "out/bias"]
    for stats, weight, grad in zip(explanation.weights, (w1, b1, w2, b2), grads):
        assert stats.shape == tuple(weight.shape)
        assert stats.weight_norm == pytest.approx(weight.norm().item(), rel=1e-5, abs=1e-7)
        assert stats.grad_norm == pytest.approx(grad.norm().item(), rel=1e-5)
        # Plain SGD: the update is -learning_rate * gradient.
        assert stats.update_norm == pytest.approx(0.1 * grad.norm().item(), rel=1e-4)
        if stats.weight_norm > 0:
            assert stats.relative_update == pytest.approx(stats.update_norm / stats.weight_norm)
    expected = [(w - 0.1 * g).detach().numpy() for w, g in zip((w1, b1, w2, b2), grads)]
    for after, want in zip(model.get_weights(), expected):
        np.testing.assert_allclose(after, want, rtol=1e-5, atol=1e-6)
    assert explanation.to_dict()["weights"][0]["name"] == "hidden/kernel"


def test_apply_false_leaves_weights_optimizer_state_and_rng_unchanged():
    x, y = _batch()
    model = deepfit.Sequential([layers.Dense(8, activation="relu"), layers.Dropout(0.5),
                                layers.BatchNormalization(), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=1, verbose=0)
    weights = model.get_weights()                 # includes the moving mean and variance
    state = model.optimizer.get_state()
    rng = torch.random.get_rng_state()

    explanation = model.explain_step(x, y, apply=False, verbose=False)

    assert not explanation.applied
    assert all(w.update_norm > 0 for w in explanation.weights)   # the step did happen
    for before, after in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(before, after)
    after_state = model.optimizer.get_state()
    assert after_state["iterations"] == state["iterations"] == 1
    for key, value in state.items():
        if isinstance(value, torch.Tensor):
            assert torch.equal(value, after_state[key]), key
    assert torch.equal(torch.random.get_rng_state(), rng)


def test_vanishing_gradients_in_a_deep_sigmoid_network_are_flagged():
    x, y = _batch()
    model = deepfit.Sequential([layers.Dense(32, activation="sigmoid") for _ in range(12)]
                               + [layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    explanation = model.explain_step(x, y, apply=False, verbose=False)
    assert explanation.weights[0].flag == "vanishing"
    assert explanation.weights[-2].flag is None
    assert any(flag.startswith("vanishing gradients in") for flag in explanation.flags)
    assert all(layer.saturated_fraction is not None for layer in explanation.layers[:-1])


def test_exploding_gradients_are_flagged():
    x, y = _batch()
    model = _small_model("sgd")
    explanation = model.explain_step(x, y * 1e6, apply=False, verbose=False)
    assert explanation.weights[-2].flag == "exploding"
    assert any(flag.startswith("exploding gradients in") for flag in explanation.flags)


def test_dead_relus_are_flagged_and_their_gradients_vanish():
    x, y = _batch()
    model = _small_model("sgd")
    model.predict(x, verbose=0)
    kernel, bias, *rest = model.get_weights()
    model.set_weights([kernel, bias - 100.0, *rest])
    explanation = model.explain_step(x, y, apply=False, verbose=False)
    assert explanation.layers[0].dead_fraction == 1.0
    assert "dead ReLUs: 100% of the units of 'hidden' output 0 for every sample of the batch" \
        in explanation.flags
    assert explanation.weights[0].grad_norm == 0.0
    assert explanation.weights[0].flag == "vanishing"


def test_prints_a_table(capsys):
    x, y = _batch()
    explanation = _small_model("adam").explain_step(x, y)
    out = capsys.readouterr().out
    assert out.strip() == str(explanation).strip()
    for text in ("One training step on a batch of 16 (applied)", "Forward pass",
                 "hidden (Dense)", "Loss: ", "Backward pass and update", "hidden/kernel"):
        assert text in out


def test_requires_compile():
    model = deepfit.Sequential([layers.Dense(1)])
    with pytest.raises(RuntimeError, match="compile"):
        model.explain_step(*_batch())
