"""StackedRNNCells and `RNN([cell, ...])` against real Keras: the same weights give the same
outputs and nested states (return_state, initial_state, masks, go_backwards, stateful batches,
a user's cell with an int or list `state_size`), the same config keys, the same History of a
few fit steps; errors; a config round trip."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import deepfit
from deepfit import layers
from tests.layers.keras_parity import assert_results_match, run_both

# Runs as is on both sides: `keras` is real Keras there and deepfit here.
_PROGRAM = """
class MinimalCell(keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.recurrent = self.add_weight(shape=(self.units, self.units), name="recurrent")

    def call(self, inputs, states):
        previous = states[0]
        output = keras.ops.tanh(keras.ops.matmul(inputs, self.kernel)
                                + keras.ops.matmul(previous, self.recurrent))
        return output, [output]


class TwoStateCell(keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = [units, units]
        self.output_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")

    def call(self, inputs, states):
        a, b = states
        a = keras.ops.sigmoid(keras.ops.matmul(inputs, self.kernel) + b)
        return a * 2.0, [a, a + b]


def store(found, key, result):
    for i, part in enumerate(keras.tree.flatten(result)):
        found[f"{key}_{i}"] = keras.ops.convert_to_numpy(part)


def run(found, key, cells, x, seed, call=None, **kwargs):
    layer = keras.layers.RNN(cells, **kwargs)
    layer.build(x.shape)
    layer.set_weights(seeded_weights(layer, seed))
    store(found, key, layer(x, **(call or {})))
    found[key + "_keys"] = np.array(sorted(layer.get_config()))
    found[key + "_cell_keys"] = np.array(sorted(layer.get_config()["cell"]["config"]))
    return layer


def cases(inputs):
    L = keras.layers
    found = {}
    x = inputs["x"]
    run(found, "mixed", [L.LSTMCell(4), L.GRUCell(3), L.SimpleRNNCell(2)], x, 1,
        return_sequences=True, return_state=True)
    run(found, "stacked", L.StackedRNNCells([L.LSTMCell(3), L.LSTMCell(2)]), x, 2)
    run(found, "masked", [L.GRUCell(3), L.LSTMCell(2)], x, 3, return_sequences=True,
        return_state=True, call={"mask": inputs["mask"]})
    run(found, "backwards", [L.SimpleRNNCell(3), L.GRUCell(2, reset_after=False)], x, 4,
        go_backwards=True, return_sequences=True, call={"mask": inputs["mask"]})
    run(found, "zero_masked", [L.LSTMCell(3), L.GRUCell(2)], x, 5, return_sequences=True,
        zero_output_for_mask=True, call={"mask": inputs["mask"]})
    initial = [[inputs["h0"], inputs["c0"]], [inputs["g0"]]]
    run(found, "initial", [L.LSTMCell(3), L.GRUCell(2)], x, 6, return_state=True,
        call={"initial_state": initial})
    run(found, "custom", [MinimalCell(3), TwoStateCell(2), L.LSTMCell(2)], x, 7,
        return_sequences=True, return_state=True, call={"mask": inputs["mask"]})
    run(found, "custom_backwards", [MinimalCell(3), MinimalCell(2)], x, 8, go_backwards=True,
        return_state=True)
    layer = run(found, "stateful", [L.LSTMCell(3), L.GRUCell(2)], x, 9, stateful=True,
                return_state=True)
    store(found, "stateful_again", layer(x))
    found["initial_state_shapes"] = np.array([s.shape for s in keras.tree.flatten(
        layer.get_initial_state(5))])
    return found


def train(inputs):
    L = keras.layers
    x = keras.Input((6, 3))
    h = L.RNN([L.LSTMCell(4), L.GRUCell(3)], return_sequences=True)(x)
    h = L.RNN(L.StackedRNNCells([L.SimpleRNNCell(3), L.LSTMCell(2)]))(h)
    model = keras.Model(x, L.Dense(1)(h))
    return fit_and_collect(model, inputs, inputs["train_x"], 0.05, seeded_weights(model, 11))
"""


def _data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    mask = np.ones((5, 6), dtype=bool)
    mask[0, 4:] = False
    mask[1, :2] = False
    mask[2, 2:4] = False
    return {"x": rng.normal(size=(5, 6, 3)).astype("float32"), "mask": mask,
            "h0": rng.normal(size=(5, 3)).astype("float32"),
            "c0": rng.normal(size=(5, 3)).astype("float32"),
            "g0": rng.normal(size=(5, 2)).astype("float32"),
            "train_x": rng.normal(size=(16, 6, 3)).astype("float32"),
            "train_y": rng.normal(size=(16, 1)).astype("float32")}


def test_stacked_cells_match_keras():
    ours, expected = run_both(_PROGRAM, _data())
    assert_results_match(ours, expected, rtol=1e-4, atol=1e-5)


def test_nested_states_structure_and_shapes():
    cells = [layers.LSTMCell(4), layers.GRUCell(3), layers.SimpleRNNCell(2)]
    layer = layers.RNN(cells, return_sequences=True, return_state=True)
    output, (h1, c1), [h2], [h3] = layer(torch.randn(2, 5, 3))
    assert output.shape == (2, 5, 2) and h1.shape == c1.shape == (2, 4)
    assert h2.shape == (2, 3) and h3.shape == (2, 2)
    assert isinstance(layer.cell, layers.StackedRNNCells)
    assert layer.state_size == [[4, 4], 3, 2] and layer.cell.output_size == 2
    assert layer.compute_output_shape((None, 5, 3)) == [
        (None, 5, 2), [(None, 4), (None, 4)], (None, 3), (None, 2)]
    symbolic = layer(deepfit.Input((5, 3)))
    assert tuple(symbolic[0].shape) == (None, 5, 2)


def test_stacked_run_equals_the_step_by_step_stack():
    """The cell-by-cell fast path (fused kernels) gives the step-by-step stack's numbers and
    gradients."""
    torch.manual_seed(0)
    x = torch.randn(3, 7, 4)
    mask = torch.ones(3, 7, dtype=torch.bool)
    mask[0, 5:] = False
    fast = layers.RNN([layers.LSTMCell(5), layers.GRUCell(3)], return_sequences=True,
                      go_backwards=True)
    fast(x)
    slow = layers.RNN(layers.StackedRNNCells([layers.LSTMCell(5), layers.GRUCell(3)]),
                      return_sequences=True, go_backwards=True)
    slow(x)
    slow.set_weights(fast.get_weights())
    for call_mask in (None, mask):
        expected = slow._run_generic(x, slow.get_initial_state(3, x), call_mask, False)[1]
        got = fast(x, mask=call_mask)
        torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-6)
    fast(x).sum().backward()
    assert all(w.grad is not None for w in fast.trainable_weights)


def test_config_round_trip_and_serialization():
    layer = layers.RNN([layers.LSTMCell(3), layers.GRUCell(2)], return_sequences=True)
    x = torch.randn(2, 4, 3)
    layer(x)
    config = layer.get_config()
    assert config["cell"]["class_name"] == "StackedRNNCells"
    clone = layers.RNN.from_config(config)
    clone(x)
    clone.set_weights(layer.get_weights())
    torch.testing.assert_close(clone(x), layer(x))
    again = layers.deserialize(layers.serialize(layer))
    assert isinstance(again.cell, layers.StackedRNNCells) and len(again.cell.cells) == 2


@pytest.mark.parametrize("build, message", [
    (lambda: layers.StackedRNNCells([layers.Dense(2)]), "state_size"),
    (lambda: layers.StackedRNNCells([object()]), "call"),
    (lambda: layers.StackedRNNCells([]), "non-empty"),
])
def test_bad_cells(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_reset_state_of_stacked_states():
    """Keras's own `reset_state` fails on nested states (it assigns to a list); here the
    states go back to zeros, so the next batch gives a fresh layer's result."""
    layer = layers.RNN([layers.LSTMCell(3), layers.GRUCell(2)], stateful=True)
    x = torch.randn(2, 4, 3)
    first = layer(x)
    assert not torch.allclose(layer(x), first)
    layer.reset_state()
    torch.testing.assert_close(layer(x), first)


def test_wrong_number_of_initial_states_names_the_layer():
    layer = layers.RNN([layers.LSTMCell(3), layers.GRUCell(2)], name="stack")
    with pytest.raises(ValueError, match="stack.*2 initial state"):
        layer(torch.randn(2, 4, 3), initial_state=[torch.zeros(2, 3)])


def test_saved_stacked_model_loads_in_keras(tmp_path):
    from tests.layers.keras_parity import assert_keras_loads_same

    inputs = deepfit.Input((4, 3))
    hidden = layers.RNN([layers.LSTMCell(3), layers.GRUCell(2)], return_sequences=True)(inputs)
    outputs = layers.SpectralNormalization(layers.Dense(1))(layers.Flatten()(hidden))
    model = deepfit.Model(inputs, outputs)
    x = np.random.default_rng(1).normal(size=(2, 4, 3)).astype("float32")
    assert_keras_loads_same(model, x, tmp_path / "stacked.keras")
