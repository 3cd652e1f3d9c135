"""`compile(loss=[fn, None])` on a two-output model, fitted with one target (as the Keras
example "Text generation with a miniature GPT" does): the target goes to the output that has
a loss, as in Keras."""

from __future__ import annotations

import numpy as np

import deepfit
from tests.trainer.keras_process import run_keras

_PROGRAM = """
def train(inputs):
    inp = keras.Input((3,))
    hidden = keras.layers.Dense(4, activation="tanh")(inp)
    out = keras.layers.Dense(2)(hidden)
    model = keras.Model(inp, [out, hidden])
    model.set_weights([inputs["w0"], inputs["b0"], inputs["w1"], inputs["b1"]])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss=["mse", None])
    history = model.fit(inputs["x"], inputs["y"], batch_size=8, epochs=3, shuffle=False,
                        verbose=0).history
    return {"loss": np.asarray(history["loss"]), "keys": sorted(history)}
"""


def test_one_target_goes_to_the_output_with_a_loss():
    rng = np.random.default_rng(0)
    data = {"x": rng.normal(size=(24, 3)).astype("float32"),
            "y": rng.normal(size=(24, 2)).astype("float32"),
            "w0": rng.normal(size=(3, 4)).astype("float32"), "b0": np.zeros(4, "float32"),
            "w1": rng.normal(size=(4, 2)).astype("float32"), "b1": np.zeros(2, "float32")}
    expected = run_keras(_PROGRAM + "result.update(train(inputs))\n", **data)
    scope = {"keras": deepfit, "np": np}
    exec(_PROGRAM, scope)  # noqa: S102 - the shared program text above
    ours = scope["train"](data)
    assert ours["keys"] == list(expected["keys"])
    np.testing.assert_allclose(ours["loss"], expected["loss"], rtol=1e-4, atol=1e-6)
