"""SwapEMAWeights: validation on the optimizer's moving average, training on the raw weights —
the same History and final weights as real Keras (torch backend), with and without
swap_on_epoch; and Keras's error without use_ema."""

from __future__ import annotations

import numpy as np
import pytest

import deepfit

RNG = np.random.default_rng(0)
X = RNG.normal(size=(64, 5)).astype("float32")
Y = (X @ RNG.normal(size=(5, 1))).astype("float32")
KERNEL = RNG.normal(scale=0.3, size=(5, 3)).astype("float32")
HEAD = RNG.normal(scale=0.3, size=(3, 1)).astype("float32")
X_VAL = RNG.normal(size=(16, 5)).astype("float32")
Y_VAL = (X_VAL @ RNG.normal(size=(5, 1))).astype("float32")

KERAS_SIDE = """
model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(3, activation="tanh"),
                          keras.layers.Dense(1)])
model.set_weights([inputs["kernel"], np.zeros(3, "float32"), inputs["head"],
                   np.zeros(1, "float32")])
model.compile(optimizer=keras.optimizers.Adam(0.05, use_ema=True, ema_momentum=0.9),
              loss="mse")
history = model.fit(inputs["x"], inputs["y"], batch_size=16, epochs=3, shuffle=False,
                    validation_data=(inputs["x_val"], inputs["y_val"]), verbose=0,
                    callbacks=[keras.callbacks.SwapEMAWeights(swap_on_epoch=SWAP)])
result["history"] = history.history
result["weights"] = model.get_weights()
"""


@pytest.mark.parametrize("swap_on_epoch", [False, True])
def test_history_and_weights_equal_keras(swap_on_epoch):
    from tests.trainer.keras_process import run_keras

    theirs = run_keras(KERAS_SIDE.replace("SWAP", str(swap_on_epoch)), x=X, y=Y, x_val=X_VAL,
                       y_val=Y_VAL, kernel=KERNEL, head=HEAD)
    model = deepfit.Sequential([deepfit.Input((5,)), deepfit.layers.Dense(3, activation="tanh"),
                                deepfit.layers.Dense(1)])
    model.set_weights([KERNEL, np.zeros(3, "float32"), HEAD, np.zeros(1, "float32")])
    model.compile(optimizer=deepfit.optimizers.Adam(0.05, use_ema=True, ema_momentum=0.9),
                  loss="mse")
    history = model.fit(X, Y, batch_size=16, epochs=3, shuffle=False,
                        validation_data=(X_VAL, Y_VAL), verbose=0,
                        callbacks=[deepfit.callbacks.SwapEMAWeights(swap_on_epoch)]).history
    for key, values in theirs["history"].items():
        np.testing.assert_allclose(history[key], values, rtol=1e-5, atol=1e-6, err_msg=key)
    for ours, want in zip(model.get_weights(), theirs["weights"]):
        np.testing.assert_allclose(ours, want, rtol=1e-5, atol=1e-6)
    assert history["val_loss"] != history["loss"]


def test_without_use_ema_it_says_what_to_set():
    model = deepfit.Sequential([deepfit.Input((5,)), deepfit.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    before = model.get_weights()
    with pytest.raises(ValueError, match="use_ema=True"):
        model.fit(X, Y, epochs=1, validation_data=(X_VAL, Y_VAL), verbose=0,
                  callbacks=[deepfit.callbacks.SwapEMAWeights()])
    for now, then in zip(model.get_weights(), before):  # refused before any step
        np.testing.assert_array_equal(now, then)
