"""The NaN localiser names the layer and pass that first produced a non-finite value and leaves
the weights at the last good step; without it nothing is watched."""

import numpy as np
import pytest
import torch

import deepfit as keras
from deepfit.insight import NonFiniteLossError


def _data(n=128, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    return x, (x.sum(axis=1, keepdims=True) > 0).astype("float32")


class _Recorder(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.weights = []

    def on_train_batch_end(self, batch, logs=None):
        self.weights.append([w.copy() for w in self.model.get_weights()])


def _overflowing_model(kernel=12.0):
    """The third layer's exponential overflows float32: tanh outputs near ±1 times a kernel of
    12 summed over 8 units reach 96, and exp(96) > 3.4e38."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.layers.Dense(8, activation="tanh", input_dim=4, name="first"),
        keras.layers.Dense(8, activation="tanh", name="second",
                           kernel_initializer=keras.initializers.Constant(1.0)),
        keras.layers.Dense(4, activation="exponential", name="third",
                           kernel_initializer=keras.initializers.Constant(kernel)),
        keras.layers.Dense(1, name="fourth"),
    ])
    model.compile(keras.optimizers.SGD(0.01), "mse")
    return model


def test_overflow_in_the_third_layer_is_named_and_weights_are_the_last_good_ones():
    x, y = _data()
    model = _overflowing_model()
    initial = model.get_weights()
    with pytest.raises(NonFiniteLossError) as raised:
        model.fit(x, y, epochs=2, batch_size=16, verbose=0, shuffle=False, debug_nan=True)
    report = raised.value.report
    assert report.phase == "forward" and report.layer == "third", str(report)
    assert report.layer_type == "Dense" and (report.epoch, report.step) == (1, 1)
    assert report.input_stats["non_finite"] == 0 and report.input_stats["max"] <= 1.0
    assert "forward pass of layer 'third' (Dense)" in str(raised.value)
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), initial))


def test_weights_go_back_to_the_step_before_the_overflow():
    x, y = _data()
    model = _overflowing_model(kernel=2.0)
    model.compile(keras.optimizers.SGD(0.5), "mse")
    recorder = _Recorder()
    with pytest.raises(NonFiniteLossError) as raised:
        model.fit(x, y, epochs=5, batch_size=16, verbose=0, shuffle=False,
                  callbacks=[recorder], debug_nan=True)
    report = raised.value.report
    assert (report.phase, report.layer, report.step) == ("forward", "third", 2), str(report)
    assert len(recorder.weights) == 1   # one good step, then the overflow
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), recorder.weights[0]))


def test_an_update_that_overflows_is_blamed_on_the_optimizer():
    x, _ = _data()
    y = np.full((len(x), 1), 1e3, dtype="float32")
    model = keras.Sequential([keras.layers.Dense(1, input_dim=4, name="linear")])
    model.compile(keras.optimizers.SGD(1e37), "mse")
    initial = model.get_weights()
    with pytest.raises(NonFiniteLossError) as raised:
        model.fit(x, y, epochs=1, verbose=0, debug_nan=True)
    report = raised.value.report
    assert (report.phase, report.layer, report.step) == ("update", "linear", 1), str(report)
    assert "lower the learning rate" in report.detail
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), initial))


def test_a_gradient_that_turns_nan_is_traced_to_its_layer():
    keras.utils.set_random_seed(1)
    x, y = _data()
    model = keras.Sequential([
        keras.layers.Dense(8, input_dim=4, name="dense_in"),
        keras.layers.Lambda(lambda t: t + torch.sqrt(t * 0.0), name="root"),  # d/dt: inf * 0
        keras.layers.Dense(1, name="dense_out"),
    ])
    model.compile("adam", "mse")
    with pytest.raises(NonFiniteLossError) as raised:
        model.fit(x, y, epochs=1, batch_size=16, verbose=0, debug_nan=True)
    report = raised.value.report
    assert (report.phase, report.layer, report.layer_type) == ("gradient", "root", "Lambda")
    assert (report.epoch, report.step) == (1, 1)
    assert "the gradient it passes to its input" in report.detail
    assert all(np.isfinite(w).all() for w in model.get_weights())


def test_a_loss_that_is_not_finite_for_finite_outputs():
    keras.utils.set_random_seed(2)
    x, _ = _data()
    y = np.zeros((len(x), 1), dtype="float32")
    model = keras.Sequential([keras.layers.Dense(1, activation="relu", input_dim=4,
                                                 kernel_initializer="zeros")])
    model.compile("sgd", loss=lambda t, p: -torch.log(p).mean())
    with pytest.raises(NonFiniteLossError) as raised:
        model.fit(x, y, epochs=1, verbose=0, debug_nan=True)
    assert raised.value.report.phase == "loss"
    assert "in the loss, from finite model outputs" in str(raised.value)


def test_terminate_on_nan_localize_prints_and_stops(capsys):
    x, y = _data()
    model = _overflowing_model()
    history = model.fit(x, y, epochs=20, batch_size=16, verbose=0, shuffle=False,
                        callbacks=[keras.callbacks.TerminateOnNaN(localize=True)])
    assert "forward pass of layer 'third'" in capsys.readouterr().out
    assert len(history.epoch) < 20
    assert all(np.isfinite(w).all() for w in model.get_weights())


def test_off_by_default_and_argument_checked():
    x, y = _data(n=32)
    model = keras.Sequential([keras.layers.Dense(1, input_dim=4)])
    model.compile("sgd", "mse")
    model.fit(x, y, verbose=0)
    assert model._trainer_state.nan_guard is None
    model.fit(x, y, verbose=0, callbacks=[keras.callbacks.TerminateOnNaN()])
    assert model._trainer_state.nan_guard is None
    weights = model.get_weights()
    with pytest.raises(TypeError, match="debug_nan"):
        model.fit(x, y, verbose=0, debug_nan="yes")
    assert all(np.array_equal(a, b) for a, b in zip(weights, model.get_weights()))
