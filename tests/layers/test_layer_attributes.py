"""Layer attributes against real Keras: dtype_policy and the dtypes, layer and weight paths
(Sequential, Functional, subclassed models, nested layers, RNN cells), add_variable,
get_build_config/build_from_config, save_own_variables/load_own_variables; InputSpec checks
and their errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import deepfit
from deepfit import layers
from tests.layers.keras_parity import assert_results_match, run_both

# Runs as is on both sides: `keras` is real Keras there and deepfit here.
_PROGRAM = """
L = keras.layers


class Block(L.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.inner = L.Dense(2, name="inner")

    def build(self, input_shape):
        self.scale = self.add_variable((2,), "ones", name="scale")

    def call(self, x):
        return self.inner(x) * self.scale


class Net(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.block = Block(name="block")
        self.head = L.Dense(1, name="head")

    def call(self, x):
        return self.head(self.block(x))


def names(found, key, values):
    found[key] = np.array([str(v) for v in values])
    found[key + "_keys"] = found.pop(key)


def cases(inputs):
    keras.backend.clear_session()  # automatic names (the cells' stack) count from zero
    found = {}
    seq = keras.Sequential([keras.Input((4,)), L.Dense(3, name="d1"), L.Dense(2, name="d2")],
                           name="seq")
    names(found, "seq_layers", [layer.path for layer in seq.layers])
    names(found, "seq_weights", [w.path for w in seq.weights])
    x = keras.Input((5, 3))
    h = L.LSTM(4, name="lstm")(x)
    h = L.RNN([L.LSTMCell(3, name="c1"), L.GRUCell(2, name="c2")], name="stack")(
        L.RepeatVector(2, name="rep")(h))
    functional = keras.Model(x, L.Dense(1, name="out")(h))
    names(found, "functional_layers", [layer.path for layer in functional.layers[1:]])
    names(found, "functional_weights", [w.path for w in functional.weights])
    net = Net(name="net")
    net(inputs["x"])
    names(found, "net_weights", [w.path for w in net.weights])
    names(found, "net_layers", [net.block.path, net.block.inner.path, net.head.path])
    found["net_y"] = keras.ops.convert_to_numpy(net(inputs["x"]))
    dense = L.Dense(2, name="plain")
    names(found, "unbuilt", [dense.path, dense.get_build_config()])
    dense.build((None, 4))
    names(found, "built", [dense.path, dense.get_build_config()])
    rebuilt = L.Dense(2, name="rebuilt")
    rebuilt.build_from_config(dense.get_build_config())
    names(found, "rebuilt", [rebuilt.built, [tuple(w.shape) for w in rebuilt.weights]])
    mixed = L.Dense(2, dtype="mixed_float16", name="mixed")
    names(found, "dtypes", [dense.dtype_policy.name, dense.dtype, dense.compute_dtype,
                            dense.variable_dtype, dense.input_dtype, mixed.dtype_policy.name,
                            mixed.dtype, mixed.compute_dtype, mixed.variable_dtype,
                            mixed.input_dtype])
    store = {}
    net.block.save_own_variables(store)
    names(found, "store", sorted(store))
    found["store_0"] = keras.ops.convert_to_numpy(store["0"])
    return found
"""


def _data() -> dict[str, np.ndarray]:
    return {"x": np.random.default_rng(0).normal(size=(3, 4)).astype("float32")}


def test_attributes_match_keras():
    ours, expected = run_both(_PROGRAM, _data(), ("cases",))
    ours.pop("net_y"), expected.pop("net_y")  # initial weights differ; the shapes agree
    assert_results_match(ours, expected)


def test_add_variable_and_own_variables_round_trip():
    block = layers.Dense(3)
    block.build((None, 2))
    store: dict = {}
    block.save_own_variables(store)
    assert sorted(store) == ["0", "1"]
    other = layers.Dense(3)
    other.build((None, 2))
    other.load_own_variables(store)
    for a, b in zip(block.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="expected 2 variables, but received 1"):
        other.load_own_variables({"0": store["0"]})
    with pytest.raises(ValueError, match="was never built"):
        layers.Dense(3, name="never").load_own_variables(store)


def test_dtype_policy_setter_and_global_policy():
    dense = layers.Dense(2)
    dense.dtype_policy = "mixed_bfloat16"
    assert (dense.compute_dtype, dense.variable_dtype) == ("bfloat16", "float32")
    deepfit.mixed_precision.set_global_policy("mixed_float16")
    try:
        assert layers.Dense(2).compute_dtype == "float16"
    finally:
        deepfit.mixed_precision.set_global_policy("float32")


# --------------------------------------------------------------------------- InputSpec
_SPEC_PROGRAM = """
class Checked(keras.layers.Layer):
    def __init__(self, spec, **kwargs):
        super().__init__(**kwargs)
        self.input_spec = spec

    def call(self, x):
        return x


def cases(inputs):
    found = {}
    InputSpec = keras.layers.InputSpec
    specs = {
        "ndim": InputSpec(ndim=3),
        "min_ndim": InputSpec(min_ndim=3),
        "max_ndim": InputSpec(max_ndim=1),
        "axes": InputSpec(axes={-1: 5}),
        "shape": InputSpec(shape=(None, 7)),
        "squeeze": InputSpec(shape=(None, 4, 1), allow_last_axis_squeeze=True),
        "two": [InputSpec(ndim=2), InputSpec(ndim=2)],
    }
    for key, spec in specs.items():
        try:
            Checked(spec, name="checked")(inputs["x"])
            found[key + "_keys"] = np.array(["ok"])
        except ValueError as error:
            message = str(error).split(". Full shape")[0].split(" Inputs received")[0]
            found[key + "_keys"] = np.array([message])
    found["repr_keys"] = np.array([repr(InputSpec(ndim=3, axes={-1: 4})),
                                   repr(InputSpec(shape=(None, 2), dtype="float32"))])
    found["config_keys"] = np.array(sorted(InputSpec(min_ndim=2).get_config()))
    return found
"""


def test_input_spec_checks_match_keras():
    x = np.zeros((3, 4), dtype="float32")
    ours, expected = run_both(_SPEC_PROGRAM, {"x": x}, ("cases",))
    assert_results_match(ours, expected)


def test_input_spec_in_a_functional_graph_and_bad_axes():
    class Checked(layers.Layer):
        def __init__(self) -> None:
            super().__init__(name="needs3d")
            self.input_spec = layers.InputSpec(ndim=3)

        def call(self, x):
            return x

    with pytest.raises(ValueError, match="needs3d.*expected ndim=3, found ndim=2"):
        Checked()(deepfit.Input((4,)))
    assert tuple(Checked()(deepfit.Input((4, 2))).shape) == (None, 4, 2)
    with pytest.raises(TypeError, match="integer keys"):
        layers.InputSpec(axes={"last": 3})
    with pytest.raises(ValueError, match="greater than the maximum"):
        layers.InputSpec(ndim=2, axes={2: 3})
    assert deepfit.InputSpec is layers.InputSpec


def test_build_config_of_a_layer_built_by_a_call():
    dense = layers.Dense(2)
    dense(torch.zeros(5, 3))
    assert dense.get_build_config() == {"input_shape": (None, 3)}
