"""`add_loss`, activity regularizers and weight penalties in the training loss exactly as Keras
adds `model.losses` (reference: real Keras in a separate process, same weights, same data)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import deepfit
from deepfit import layers, regularizers
from tests.keras_process import run_keras


def _data():
    rng = np.random.default_rng(11)
    x = rng.normal(size=(96, 4)).astype("float32")
    y = (x @ np.array([[0.5], [-1.0], [2.0], [0.1]], dtype="float32")).astype("float32")
    return x, y


class Sparsity(layers.Layer):
    """Adds 0.3 * mean |x| to the loss and passes its input through."""

    def call(self, inputs):
        self.add_loss(0.3 * inputs.abs().mean())
        return inputs


_KERAS_SPARSITY = """
class Sparsity(layers.Layer):
    def call(self, inputs):
        self.add_loss(0.3 * ops.mean(ops.abs(inputs)))
        return inputs
"""

CASES = {
    "activity_l2_1000": (
        lambda: [layers.Dense(8, activation="tanh",
                              activity_regularizer=regularizers.L2(1000.0)), layers.Dense(1)],
        "[layers.Dense(8, activation='tanh', activity_regularizer=keras.regularizers.L2(1000.0)),"
        " layers.Dense(1)]"),
    "add_loss": (
        lambda: [layers.Dense(8, activation="relu"), Sparsity(), layers.Dense(1)],
        "[layers.Dense(8, activation='relu'), Sparsity(), layers.Dense(1)]"),
    "frozen_regularized_weights": (
        lambda: [layers.Dense(8, kernel_regularizer=regularizers.L2(0.5), trainable=False),
                 layers.Dense(1, kernel_regularizer=regularizers.L1(0.05))],
        "[layers.Dense(8, kernel_regularizer=keras.regularizers.L2(0.5), trainable=False),"
        " layers.Dense(1, kernel_regularizer=keras.regularizers.L1(0.05))]"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_training_loss_matches_keras(case):
    make_layers, keras_layers = CASES[case]
    x, y = _data()
    ours = deepfit.Sequential([deepfit.Input((4,)), *make_layers()])
    ours.compile(optimizer=deepfit.optimizers.SGD(1e-4), loss="mse")
    weights = ours.get_weights()
    expected = run_keras(_KERAS_SPARSITY + f"""
model = keras.Sequential([keras.Input((4,)), *{keras_layers}])
model.compile(optimizer=keras.optimizers.SGD(1e-4), loss="mse")
model.set_weights([inputs[f"w{{i}}"] for i in range({len(weights)})])
history = model.fit(inputs["x"], inputs["y"], batch_size=16, epochs=3, shuffle=False,
                    verbose=0, validation_split=0.25)
results.update({{k: v for k, v in history.history.items()}})
results["evaluate"] = model.evaluate(inputs["x"], inputs["y"], batch_size=32, verbose=0)
model(inputs["x"][:5])
results["n_losses"] = len(model.losses)
""", x=x, y=y, **{f"w{i}": w for i, w in enumerate(weights)})
    history = ours.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0,
                       validation_split=0.25).history
    for key in ("loss", "val_loss"):
        np.testing.assert_allclose(history[key], expected[key], rtol=1e-4, err_msg=key)
    np.testing.assert_allclose(ours.evaluate(x, y, batch_size=32, verbose=0),
                               expected["evaluate"], rtol=1e-4)
    ours(x[:5])
    assert len(ours.losses) == int(expected["n_losses"])


def test_activity_penalty_changes_the_loss_and_losses_do_not_grow():
    x, y = _data()
    plain = deepfit.Sequential([deepfit.Input((4,)), layers.Dense(1)])
    penalized = deepfit.Sequential([deepfit.Input((4,)),
                                    layers.Dense(1, activity_regularizer=regularizers.L2(1000.0))])
    penalized.set_weights(plain.get_weights())
    for model in (plain, penalized):
        model.compile(optimizer="sgd", loss="mse")
    assert penalized.fit(x, y, epochs=1, verbose=0).history["loss"][0] > 10 * plain.fit(
        x, y, epochs=1, verbose=0).history["loss"][0]
    counts = []
    for _ in range(3):
        penalized.train_on_batch(x, y)
        counts.append(len(penalized.losses))
    assert counts == [1, 1, 1]


def test_losses_are_reset_at_each_outermost_call_and_kept_by_inner_layers():
    class Twice(deepfit.Model):
        def __init__(self):
            super().__init__()
            self.inner = Sparsity()

        def call(self, inputs):
            return self.inner(self.inner(inputs))

    model = Twice()
    sparsity = model.inner
    x = torch.ones(2, 3)
    model(x)
    model(x)
    assert len(model.losses) == 2 and len(sparsity.losses) == 2
    torch.testing.assert_close(model.losses[0], torch.tensor(0.3))
    sparsity(x)  # an outermost call of its own
    assert len(sparsity.losses) == 1


def test_add_loss_refuses_a_non_tensor():
    layer = layers.Dense(2)
    with pytest.raises(ValueError, match="add_loss"):
        layer.add_loss(0.5)
