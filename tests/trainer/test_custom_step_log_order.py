"""The progress bar's columns for a custom `train_step` that returns
`{m.name: m.result() for m in self.metrics}` (Keras's guides): Keras sorts the step's top-level
keys and puts a nested dict's keys where its key sorts, so `compile_metrics` (`mae`) comes
before `loss`. Checked against real Keras's printed bar."""

import contextlib
import io
import re

import numpy as np

import deepfit
from tests.trainer.keras_process import run_keras

PROGRAM = """
class CustomModel(keras.Model):
    def train_step(self, data):
        x, y = data
        y_pred = self(x, training=True)
        loss = self.compute_loss(y=y, y_pred=y_pred)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def bar_columns(keras, x, y):
    inputs = keras.Input(shape=(4,))
    model = CustomModel(inputs, keras.layers.Dense(1)(inputs))
    model.compile(optimizer="sgd", loss="mse", metrics=["mae", "mse"])
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        history = model.fit(x, y, batch_size=8, epochs=1, verbose=1)
    line = [line for line in out.getvalue().splitlines() if ": " in line][-1]
    return {"bar": re.findall(r"(\\w+): [-\\d.]", line), "history": list(history.history)}
"""


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(16, 4)).astype("float32"), rng.normal(size=(16, 1)).astype("float32")


def test_nested_custom_step_logs_print_in_keras_order():
    x, y = _data()
    keras_out = run_keras(
        "import contextlib, io, re\n" + PROGRAM + "result.update(bar_columns(keras, inputs['x'], "
        "inputs['y']))", x=x, y=y)
    scope = {"io": io, "contextlib": contextlib, "re": re, "deepfit": deepfit}
    exec(PROGRAM.replace("keras.Model", "deepfit.Model"), scope)
    ours = scope["bar_columns"](deepfit, x, y)
    assert keras_out["bar"] == ["mae", "mse", "loss"]
    assert ours["bar"] == keras_out["bar"]
    assert ours["history"] == keras_out["history"]
