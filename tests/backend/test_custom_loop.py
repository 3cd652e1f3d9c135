"""Optimizers in custom loops: a GradientTape loop equals fit(shuffle=False); apply_gradients,
minimize, None gradients, learning_rate/iterations as Variables."""

import numpy as np
import pytest
import torch

import deepfit
from deepfit import layers, losses, optimizers, schedules
from deepfit.backend import GradientTape, Variable


def _mlp(seed):
    torch.manual_seed(seed)
    return deepfit.Sequential([layers.Input((4,)), layers.Dense(8, activation="tanh"),
                               layers.Dense(1)])


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_gradient_tape_loop_ends_with_fits_weights(optimizer):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = (x @ rng.normal(size=(4, 1))).astype("float32")
    by_fit, by_tape = _mlp(3), _mlp(3)
    by_tape.set_weights(by_fit.get_weights())
    by_fit.compile(optimizer=optimizers.get(optimizer), loss="mse")
    by_fit.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)

    opt, loss_fn = optimizers.get(optimizer), losses.MeanSquaredError()
    for _ in range(3):
        for start in range(0, 64, 16):
            xb, yb = x[start:start + 16], y[start:start + 16]
            with GradientTape() as tape:
                loss = loss_fn(yb, by_tape(xb, training=True))
            grads = tape.gradient(loss, by_tape.trainable_variables)
            opt.apply_gradients(zip(grads, by_tape.trainable_variables))
    assert int(opt.iterations) == 12
    for a, b in zip(by_fit.get_weights(), by_tape.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_minimize_and_apply():
    w = Variable([1.0, -2.0])
    opt = optimizers.SGD(learning_rate=0.1)
    opt.minimize(lambda: (w * w).sum(), [w])
    np.testing.assert_allclose(w.numpy(), [0.8, -1.6], rtol=1e-6)
    with GradientTape() as tape:
        loss = (w * w).sum()
    opt.minimize(loss, [w], tape=tape)
    np.testing.assert_allclose(w.numpy(), [0.64, -1.28], rtol=1e-6)
    opt.apply([torch.tensor([1.0, 1.0])], [w])
    np.testing.assert_allclose(w.numpy(), [0.54, -1.38], rtol=1e-6)
    assert int(opt.iterations) == 3
    with pytest.raises(ValueError, match="minimize: pass the GradientTape"):
        opt.minimize(loss, [w])


def test_none_gradient_warns_and_skips_and_lengths_must_match():
    a, b = Variable([1.0]), Variable([1.0])
    opt = optimizers.SGD(learning_rate=1.0)
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        opt.apply_gradients([(torch.tensor([1.0]), a), (None, b)])
    assert a.numpy().tolist() == [0.0] and b.numpy().tolist() == [1.0]
    with pytest.raises(ValueError, match="expected one gradient per variable"):
        opt.apply([torch.tensor([1.0])], [a, b])


def test_learning_rate_and_iterations_are_variables():
    opt = optimizers.Adam(learning_rate=0.01)
    lr = opt.learning_rate
    assert isinstance(lr, Variable) and lr.numpy() == np.float32(0.01)
    assert float(lr) == 0.01 and f"{lr:.3f}" == "0.010"
    lr.assign(0.5)
    assert float(opt.learning_rate) == 0.5 and opt.get_config()["learning_rate"] == 0.5
    opt.learning_rate = 0.25
    assert opt.learning_rate.numpy() == np.float32(0.25)
    assert int(opt.iterations) == 0 and opt.iterations.dtype == torch.int64
    w = Variable([1.0])
    opt.apply([torch.tensor([1.0])], [w])
    assert int(opt.iterations) == 1 and opt.iterations.numpy() == 1
    opt.iterations.assign(10)
    assert int(opt.iterations) == 10
    scheduled = optimizers.SGD(learning_rate=schedules.ExponentialDecay(1.0, 1, 0.5))
    scheduled.apply([torch.tensor([0.0])], [Variable([0.0])])
    assert float(scheduled.learning_rate) == 0.5
    with pytest.raises(TypeError, match="not settable"):
        scheduled.learning_rate.assign(0.1)


def test_learning_rate_readable_in_a_callback_during_fit():
    seen = []

    class Probe(deepfit.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(float(self.model.optimizer.learning_rate.numpy()))
            self.model.optimizer.learning_rate.assign(0.05)

    model = _mlp(0)
    model.compile(optimizer=optimizers.SGD(0.1), loss="mse")
    model.fit(np.ones((8, 4), np.float32), np.ones((8, 1), np.float32), epochs=2, verbose=0,
              callbacks=[Probe()])
    assert seen == [pytest.approx(0.1), pytest.approx(0.05)]
