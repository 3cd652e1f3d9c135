"""`Layer.input`/`output`, `Sequential.inputs`/`outputs`/`input_shape`/`output_shape` and
`Functional.input`/`output` as Keras 3 defines them: the symbolic tensors of a layer's FIRST
call on KerasTensors. A built Sequential model calls its layers on a symbolic input, so its
layers can be tapped for feature extraction (the Keras guide "The Sequential model")."""

from __future__ import annotations

import numpy as np
import pytest

import deepfit
from deepfit import layers
from tests.keras_process import run_keras


def _stack() -> deepfit.Sequential:
    return deepfit.Sequential([
        deepfit.Input(shape=(9, 9, 3)),
        layers.Conv2D(4, 3, strides=2, activation="relu"),
        layers.Conv2D(3, 3, activation="relu", name="my_intermediate_layer"),
        layers.Conv2D(2, 1),
    ])


def test_feature_extraction_from_a_sequential_model_matches_keras():
    model = _stack()
    extractor = deepfit.Model(inputs=model.inputs,
                              outputs=[layer.output for layer in model.layers])
    one = deepfit.Model(inputs=model.inputs,
                        outputs=model.get_layer(name="my_intermediate_layer").output)
    x = np.random.default_rng(0).normal(size=(2, 9, 9, 3)).astype("float32")
    ours = [np.asarray(f) for f in extractor(x)]
    expected = run_keras("""
model = keras.Sequential([
    keras.Input(shape=(9, 9, 3)),
    layers.Conv2D(4, 3, strides=2, activation="relu"),
    layers.Conv2D(3, 3, activation="relu", name="my_intermediate_layer"),
    layers.Conv2D(2, 1),
])
model.set_weights([inputs[f"w{i}"] for i in range(6)])
extractor = keras.Model(inputs=model.inputs, outputs=[l.output for l in model.layers])
for i, f in enumerate(extractor(inputs["x"])):
    results[f"f{i}"] = ops.convert_to_numpy(f)
results["input_shape"] = np.array([-1 if d is None else d for d in model.input_shape])
results["output_shape"] = np.array([-1 if d is None else d for d in model.output_shape])
results["out1_shape"] = np.array([-1 if d is None else d for d in model.layers[1].output.shape])
""", x=x, **{f"w{i}": w for i, w in enumerate(model.get_weights())})
    for i, feature in enumerate(ours):
        np.testing.assert_allclose(feature, expected[f"f{i}"], atol=1e-5)
    np.testing.assert_allclose(np.asarray(one(x)), expected["f1"], atol=1e-5)

    def keras_shape(key):
        return tuple(None if d == -1 else int(d) for d in expected[key])

    assert model.input_shape == keras_shape("input_shape") == (None, 9, 9, 3)
    assert model.output_shape == keras_shape("output_shape")
    assert model.layers[1].output.shape == keras_shape("out1_shape")
    assert model.layers[1].input is model.layers[0].output
    assert model.inputs[0] is model.layers[0].input


def test_rebuilding_after_add_keeps_the_input_and_the_first_outputs():
    model = _stack()
    first = model.layers[0].output
    model.add(layers.Flatten())
    assert model.layers[0].output is first  # Keras: the first call's output
    assert model.inputs[0] is model.layers[0].input
    extractor = deepfit.Model(model.inputs, [layer.output for layer in model.layers])
    assert [tuple(f.shape) for f in extractor(np.zeros((1, 9, 9, 3), "float32"))] == [
        (1, 4, 4, 4), (1, 2, 2, 3), (1, 2, 2, 2), (1, 8)]


def test_a_model_built_by_a_call_on_data_has_inputs_and_outputs():
    model = deepfit.Sequential([layers.Dense(2, name="a"), layers.Dense(3, name="b")])
    for name in ("inputs", "outputs", "input_shape", "output_shape"):
        with pytest.raises(AttributeError, match=f"'{model.name}' has no defined "
                                                 f"{name.replace('_', ' ')} yet"):
            getattr(model, name)
        assert not hasattr(model, name)
    with pytest.raises(AttributeError, match="The layer a has never been called"):
        _ = model.layers[0].output
    model(np.ones((3, 4), "float32"))
    assert model.inputs[0].shape[1:] == (4,) and model.outputs[0].shape[1:] == (3,)
    assert model.output_shape[1:] == (3,)
    assert model.layers[1].output is model.outputs[0]
    with pytest.raises(AttributeError, match="has never been called"):
        _ = model.output  # Keras: a Sequential model itself is not called symbolically


def test_layer_input_and_output_follow_the_first_symbolic_call():
    dense = layers.Dense(3)
    dense(np.ones((2, 2), "float32"))  # an eager call records nothing
    with pytest.raises(AttributeError, match="has never been called and thus has no defined "
                                             "output"):
        _ = dense.output
    x = deepfit.Input((4,), name="x")
    shared = layers.Dense(5)
    first, _ = shared(x), shared(x)
    assert shared.output is first and shared.input is x
    merge = layers.Concatenate()
    merged = merge([x, first])
    assert merge.input == [x, first] and merge.output is merged
    model = deepfit.Model(x, [first, merged])
    assert model.input is x and model.output == [first, merged]
    assert model.output_shape == [(None, 5), (None, 9)]
    assert model.layers[0].output is x  # the InputLayer's output is the Input tensor
