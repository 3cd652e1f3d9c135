"""model.to_json() and keras.models.model_from_json(): the architecture as Keras's JSON, both
ways between deepfit and real Keras 3 (torch backend)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import deepfit

X = np.random.default_rng(0).random((5, 6)).astype("float32")


def _functional():
    inputs = deepfit.Input((6,), name="features")
    hidden = deepfit.layers.Dense(4, activation="relu", name="hidden")(inputs)
    outputs = deepfit.layers.Dense(2, activation="softmax", name="probabilities")(
        deepfit.layers.Dropout(0.2)(hidden))
    return deepfit.Model(inputs, outputs, name="classifier")


@pytest.mark.parametrize("build", [
    _functional,
    lambda: deepfit.Sequential([deepfit.Input((6,)), deepfit.layers.Dense(3, "tanh"),
                                deepfit.layers.Dense(1)], name="regressor"),
], ids=["functional", "sequential"])
def test_round_trip_gives_the_same_architecture(build):
    model = build()
    text = model.to_json(indent=2)
    clone = deepfit.models.model_from_json(text)
    assert clone.name == model.name and type(clone) is type(model)
    assert [layer.get_config() for layer in clone.layers] == [
        layer.get_config() for layer in model.layers]
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict(X, verbose=0), model.predict(X, verbose=0))
    assert json.loads(clone.to_json()) == json.loads(text)


def test_keras_json_loads_here_and_ours_loads_in_keras():
    from tests.trainer.keras_process import run_keras

    ours = _functional()
    theirs = run_keras("""
inputs = keras.Input((6,), name="features")
hidden = keras.layers.Dense(4, activation="relu", name="hidden")(inputs)
outputs = keras.layers.Dense(2, activation="softmax", name="probabilities")(
    keras.layers.Dropout(0.2)(hidden))
model = keras.Model(inputs, outputs, name="classifier")
result["json"] = model.to_json()
loaded = keras.models.model_from_json(inputs_json)
result["loaded"] = json.dumps([type(l).__name__ for l in loaded.layers] + [loaded.name])
""".replace("inputs_json", repr(ours.to_json())))
    from_keras = deepfit.models.model_from_json(theirs["json"])
    assert [type(layer).__name__ for layer in from_keras.layers] == [
        type(layer).__name__ for layer in ours.layers]
    assert json.loads(theirs["loaded"]) == [type(layer).__name__ for layer in ours.layers] + [
        "classifier"]
    with pytest.raises(ValueError, match="model_from_json"):
        deepfit.models.model_from_json("not json")
