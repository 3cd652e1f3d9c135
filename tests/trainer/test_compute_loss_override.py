"""A model that overrides `compute_loss` (Keras 3's hook, as in the knowledge-distillation
example) trains and evaluates with that loss, exactly as real Keras does."""

from __future__ import annotations

import numpy as np

import deepfit
from tests.trainer.keras_process import run_keras

# Runs as is on both sides: `keras` is real Keras there and deepfit here.
_PROGRAM = """
class Penalized(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = keras.layers.Dense(2)

    def call(self, x):
        return self.dense(x)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None,
                     allow_empty=False):
        fit = keras.losses.MeanSquaredError()(y, y_pred)
        return fit + 0.5 * keras.ops.mean(keras.ops.square(y_pred)) + 0.0 * keras.ops.sum(x)


def train(inputs):
    model = Penalized()
    model.compile(optimizer=keras.optimizers.SGD(0.1), metrics=["mae"])
    model(inputs["x"][:1])
    model.set_weights([inputs["kernel"], inputs["bias"]])
    history = model.fit(inputs["x"], inputs["y"], batch_size=8, epochs=3, shuffle=False,
                        verbose=0).history
    evaluated = model.evaluate(inputs["x"], inputs["y"], verbose=0, return_dict=True)
    return {"loss": np.asarray(history["loss"]), "mae": np.asarray(history["mae"]),
            "eval_loss": np.asarray(evaluated["loss"]), "kernel": model.get_weights()[0]}
"""


def _data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 3)).astype("float32")
    return {"x": x, "y": (x @ np.array([[1.0, -1.0], [0.5, 2.0], [0.0, 1.0]])).astype("float32"),
            "kernel": rng.normal(size=(3, 2)).astype("float32") * 0.3,
            "bias": np.zeros(2, "float32")}


def test_compute_loss_override_trains_like_keras():
    data = _data()
    expected = run_keras(_PROGRAM + "result.update(train(inputs))\n", **data)
    scope = {"keras": deepfit, "np": np}
    exec(_PROGRAM, scope)  # noqa: S102 - the shared program text above
    ours = scope["train"](data)
    for key in ("loss", "mae", "eval_loss", "kernel"):
        np.testing.assert_allclose(ours[key], expected[key], rtol=1e-4, atol=1e-6, err_msg=key)
