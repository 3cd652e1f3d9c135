"""`layer.input` / `layer.output` (feature extraction), the Keras order of a Functional
model's layers and weights (a ResNet-style block, against real Keras), and inputs that arrive
as a dict or without their trailing axis of 1 (the structured-data example)."""

from __future__ import annotations

import numpy as np
import pytest

import deepfit
from deepfit import layers
from tests.trainer.keras_process import run_keras

_BLOCK = """
first = keras.Input((6,), name="x")
shortcut = layers.Dense(8, name="proj")(first)
shortcut = layers.BatchNormalization(name="proj_bn")(shortcut)
h = layers.Dense(4, activation="relu", name="a1")(first)
h = layers.Dense(8, name="a2")(h)
h = layers.BatchNormalization(name="a2_bn")(h)
side = keras.Input((3,), name="side")
joined = layers.Add(name="add")([shortcut, h])
out = layers.Dense(2, name="head")(layers.Concatenate(name="cat")([joined, side]))
model = keras.Model([first, side], out, name="block")
"""


def _block():
    namespace = {"keras": deepfit, "layers": layers}
    exec(_BLOCK, namespace)
    return namespace["model"]


def test_layer_order_and_weights_order_equal_keras():
    rng = np.random.default_rng(0)
    x, side = rng.normal(size=(5, 6)).astype("float32"), rng.normal(size=(5, 3)).astype(
        "float32")
    keras = run_keras("from keras import layers\n" + _BLOCK + """
results = result
results["names"] = [l.name for l in model.layers]
rng = np.random.default_rng(1)
model.set_weights([rng.uniform(0.5, 1.5, w.shape).astype("float32") for w in model.weights])
results["weights"] = [np.asarray(w) for w in model.get_weights()]
results["out"] = np.asarray(model.predict([inputs["x"], inputs["side"]], verbose=0))
""", x=x, side=side)
    model = _block()
    assert [layer.name for layer in model.layers] == keras["names"]
    # "proj" runs first in the graph, but Keras lists it after "a1" and "a2" (equal depth)
    assert [layer.name for layer in model.layers][:4] == ["x", "a1", "proj", "a2"]
    model.set_weights(keras["weights"])  # Keras's weights list, by position
    np.testing.assert_allclose(model.predict([x, side], verbose=0), keras["out"], rtol=1e-5,
                               atol=1e-5)


def test_layer_input_and_output_give_feature_extraction():
    model = _block()
    assert model.get_layer("cat").input[1] is model.inputs[1]
    assert model.get_layer("a1").output.shape == (None, 4)
    features = deepfit.Model(model.input, [layer.output for layer in model.layers])
    rng = np.random.default_rng(2)
    x, side = rng.normal(size=(3, 6)).astype("float32"), rng.normal(size=(3, 3)).astype(
        "float32")
    outputs = features.predict([x, side], verbose=0)
    assert len(outputs) == len(model.layers)
    a1 = model.get_layer("a1")
    kernel, bias = (w.detach().numpy() for w in a1.weights)
    np.testing.assert_allclose(outputs[1], np.maximum(x @ kernel + bias, 0), rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(outputs[-1], model.predict([x, side], verbose=0), rtol=1e-6)


def test_a_layer_never_called_has_no_output():
    dense = layers.Dense(2)
    with pytest.raises(AttributeError, match="has never been called and thus has no defined "
                                             "output"):
        dense.output  # noqa: B018 - the probe is the test
    assert not hasattr(dense, "input")

    class Holder(layers.Layer):
        def __init__(self):
            super().__init__()
            self.output = layers.Dense(3)  # a sublayer of that name still wins

    assert isinstance(Holder().output, layers.Dense)


def test_inputs_by_name_and_without_their_trailing_axis():
    """Keras's structured-data example: a dict of (batch,) columns, strings among them, for a
    model whose inputs are a list of `Input(shape=(1,))` in another order."""
    num = deepfit.Input((1,), name="num")
    txt = deepfit.Input((1,), name="txt", dtype="string")
    encoded = layers.StringLookup(vocabulary=["x", "y"], output_mode="one_hot")(txt)
    out = layers.Dense(1)(layers.concatenate([num, encoded]))
    model = deepfit.Model([num, txt], out)
    model.compile("sgd", "mse")
    rng = np.random.default_rng(3)
    columns = {"txt": np.array(["x", "y", "y", "x", "z", "y"]),
               "num": rng.normal(size=6).astype("float32")}
    y = rng.normal(size=(6, 1)).astype("float32")
    model.fit(columns, y, validation_data=(columns, y), epochs=1, verbose=0)
    by_name = model.predict(columns, verbose=0)
    as_list = model.predict([columns["num"][:, None], columns["txt"][:, None]], verbose=0)
    np.testing.assert_allclose(by_name, as_list, rtol=1e-6)
    assert by_name.shape == (6, 1)
