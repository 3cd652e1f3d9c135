"""TimeDistributed against real Keras: the same weights give the same outputs, a saved model
opens in Keras, and the wrapper's config round-trips."""

from __future__ import annotations

import numpy as np
import pytest

import deepfit
from deepfit import layers
from tests.trainer.keras_process import run_keras

_PROGRAM = """
def build():
    inp = keras.Input((4, 6, 6, 2))
    x = keras.layers.TimeDistributed(keras.layers.Conv2D(3, 3, activation="relu"))(inp)
    x = keras.layers.TimeDistributed(keras.layers.Flatten())(x)
    x = keras.layers.TimeDistributed(keras.layers.Dense(2))(x)
    return keras.Model(inp, x)
"""


def test_outputs_and_saved_model_match_keras(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 4, 6, 6, 2)).astype("float32")
    scope = {"keras": deepfit}
    exec(_PROGRAM, scope)  # noqa: S102 - the shared model code above
    model = scope["build"]()
    assert tuple(model.output.shape) == (None, 4, 2)
    path = tmp_path / "td.keras"
    model.save(path)
    weights = {f"w{i}": w for i, w in enumerate(model.get_weights())}
    expected = run_keras(_PROGRAM + f"""
model = build()
model.set_weights([inputs[f"w{{i}}"] for i in range({len(weights)})])
result["y"] = keras.ops.convert_to_numpy(model(inputs["x"]))
loaded = keras.models.load_model({str(path)!r})
result["loaded"] = keras.ops.convert_to_numpy(loaded(inputs["x"]))
""", x=x, **weights)
    ours = model.predict(x, verbose=0)
    np.testing.assert_allclose(ours, expected["y"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(ours, expected["loaded"], rtol=1e-5, atol=1e-5)


def test_config_round_trip_and_bad_input():
    layer = layers.TimeDistributed(layers.Dense(3, activation="tanh"), name="steps")
    clone = layers.TimeDistributed.from_config(layer.get_config())
    assert clone.name == "steps" and clone.layer.units == 3
    with pytest.raises(ValueError, match="at least 3 axes"):
        layers.TimeDistributed(layers.Dense(2))(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match="Layer instance"):
        layers.TimeDistributed("dense")
