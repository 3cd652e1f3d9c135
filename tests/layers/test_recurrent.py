"""Recurrent layers: shapes and parameter counts, plain-torch references (nn.LSTM/GRU/RNN with
the gate reordering), Keras's masking rule, go_backwards, dropout per gate, stateful runs, and
outputs equal to real Keras's given the same weights."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch

import deepfit
from deepfit.layers import recurrent
from deepfit.layers.embedding import Embedding
from deepfit.layers.recurrent import (
    GRU,
    LSTM,
    RNN,
    Bidirectional,
    GRUCell,
    LSTMCell,
    SimpleRNN,
    SimpleRNNCell,
)
from deepfit.layers.recurrent import cells as recurrent_cells
from tests.layer_test_utils import run_layer_test

MASK = np.array([[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0], [0, 0, 1, 1, 1, 1],
                 [1, 1, 0, 1, 1, 0]], bool)


def _x(shape=(4, 6, 3), seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def _randomize(layer, seed=1, scale=0.5):
    rng = np.random.default_rng(seed)
    weights = [(rng.normal(size=w.shape) * scale).astype("float32") for w in layer.get_weights()]
    layer.set_weights(weights)
    return weights


def _np(tensor):
    return tensor.detach().cpu().numpy()


# --------------------------------------------------------------------------- contract
@pytest.mark.parametrize("cls, kwargs, out_shape, params", [
    (SimpleRNN, {"units": 4}, (2, 4), 4 * (3 + 4) + 4),
    (SimpleRNN, {"units": 4, "return_sequences": True, "activation": "relu"}, (2, 5, 4), 32),
    (LSTM, {"units": 4}, (2, 4), 4 * (4 * (3 + 4) + 4)),
    (LSTM, {"units": 4, "return_sequences": True, "use_bias": False}, (2, 5, 4), 112),
    (LSTM, {"units": 4, "return_state": True}, [(2, 4), (2, 4), (2, 4)], 128),
    (GRU, {"units": 4}, (2, 4), 3 * 4 * (3 + 4) + 2 * 12),
    (GRU, {"units": 4, "reset_after": False, "return_sequences": True}, (2, 5, 4), 96),
    (GRU, {"units": 4, "return_state": True, "go_backwards": True}, [(2, 4), (2, 4)], 108),
])
def test_layer_contract(cls, kwargs, out_shape, params):
    run_layer_test(cls, kwargs, (2, 5, 3), out_shape, expected_params=params,
                   expected_trainable_weights=2 if kwargs.get("use_bias") is False else 3)


def test_generic_rnn_and_bidirectional_contract():
    run_layer_test(RNN, {"cell": LSTMCell(4), "return_sequences": True}, (2, 5, 3), (2, 5, 4),
                   expected_params=128)
    run_layer_test(Bidirectional, {"layer": LSTM(4, return_sequences=True)}, (2, 5, 3),
                   (2, 5, 8), expected_params=256, expected_trainable_weights=6)
    run_layer_test(Bidirectional, {"layer": GRU(4), "merge_mode": "sum"}, (2, 5, 3), (2, 4),
                   expected_params=216)
    run_layer_test(Bidirectional, {"layer": SimpleRNN(4, return_state=True),
                                   "merge_mode": None},
                   (2, 5, 3), [(2, 4), (2, 4), (2, 4), (2, 4)], expected_params=64)


def test_weights_live_in_a_keras_style_cell():
    layer = LSTM(5, name="lstm")
    layer(torch.zeros(2, 3, 4))
    assert isinstance(layer.cell, LSTMCell) and layer.cell.name == "lstm_cell"
    assert [tuple(w.shape) for w in layer.weights] == [(4, 20), (5, 20), (20,)]
    assert list(layer.state_dict()) == ["cell.kernel", "cell.recurrent_kernel", "cell.bias"]
    assert layer.units == 5 and layer.recurrent_activation.__name__ == "sigmoid"
    bias = _np(layer.cell.bias)  # unit_forget_bias: 1 for the forget gate, 0 elsewhere
    np.testing.assert_array_equal(bias, np.r_[np.zeros(5), np.ones(5), np.zeros(10)])
    layer.trainable = False
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 3


# --------------------------------------------------------------------------- torch references
def _torch_reference(layer, x):
    """The same computation with torch.nn modules built from our Keras-layout weights."""
    cell = layer.cell
    kernel, recurrent_kernel = cell.kernel.detach(), cell.recurrent_kernel.detach()
    units, features = cell.units, kernel.shape[0]
    if isinstance(cell, LSTMCell):  # Keras's i, f, c, o is torch's i, f, g, o
        module = torch.nn.LSTM(features, units, batch_first=True)
        w_ih, w_hh, b_ih, b_hh = kernel.T, recurrent_kernel.T, cell.bias.detach(), 0
    elif isinstance(cell, GRUCell):  # Keras's z, r, h is torch's r, z, n
        module = torch.nn.GRU(features, units, batch_first=True)

        def order(t):
            z, r, h = t.split(units, -1)
            return torch.cat([r, z, h], -1)

        w_ih, w_hh = order(kernel).T, order(recurrent_kernel).T
        b_ih, b_hh = order(cell.bias.detach()[0]), order(cell.bias.detach()[1])
    else:
        module = torch.nn.RNN(features, units, batch_first=True, nonlinearity="tanh")
        w_ih, w_hh, b_ih, b_hh = kernel.T, recurrent_kernel.T, cell.bias.detach(), 0
    with torch.no_grad():
        module.weight_ih_l0.copy_(w_ih)
        module.weight_hh_l0.copy_(w_hh)
        module.bias_ih_l0.copy_(b_ih)
        module.bias_hh_l0.fill_(0) if isinstance(b_hh, int) else module.bias_hh_l0.copy_(b_hh)
        return module(x)[0]


@pytest.mark.parametrize("cls", [SimpleRNN, LSTM, GRU])
@pytest.mark.parametrize("fused", [True, False])
def test_matches_torch_modules(cls, fused):
    x = torch.tensor(_x())
    layer = cls(5, return_sequences=True)
    layer._fused_allowed = fused  # what use_cudnn=False sets
    layer(x)
    _randomize(layer)
    np.testing.assert_allclose(_np(layer(x)), _np(_torch_reference(layer, x)), rtol=1e-5,
                               atol=1e-5)


@pytest.mark.parametrize("cls, kwargs", [
    (LSTM, {}), (GRU, {}), (GRU, {"reset_after": False}), (SimpleRNN, {"activation": "relu"}),
])
def test_fused_and_step_paths_agree_in_values_and_gradients(cls, kwargs):
    x = torch.tensor(_x())
    fused, stepped = cls(4, return_sequences=True, **kwargs), cls(4, return_sequences=True,
                                                                    **kwargs)
    stepped._fused_allowed = False
    fused(x)
    stepped(x)
    stepped.set_weights(_randomize(fused))
    out_f, out_s = fused(x), stepped(x)
    np.testing.assert_allclose(_np(out_f), _np(out_s), rtol=1e-5, atol=1e-5)
    (out_f ** 2).sum().backward()
    (out_s ** 2).sum().backward()
    for a, b in zip(fused.trainable_weights, stepped.trainable_weights):
        np.testing.assert_allclose(_np(a.grad), _np(b.grad), rtol=1e-4, atol=1e-5)


def _gru_reset_before_reference(x, kernel, recurrent_kernel, bias):
    """NumPy GRU with reset_after=False (Keras's older form), z/r/h gate order."""
    sigmoid = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    units = recurrent_kernel.shape[0]
    h = np.zeros((x.shape[0], units), "float32")
    for t in range(x.shape[1]):
        xz, xr, xh = np.split(x[:, t] @ kernel + bias, 3, axis=-1)
        z = sigmoid(xz + h @ recurrent_kernel[:, :units])
        r = sigmoid(xr + h @ recurrent_kernel[:, units:2 * units])
        hh = np.tanh(xh + (r * h) @ recurrent_kernel[:, 2 * units:])
        h = z * h + (1 - z) * hh
    return h


def test_gru_reset_before_matches_numpy():
    x = _x()
    layer = GRU(5, reset_after=False)
    layer(torch.tensor(x))
    weights = _randomize(layer)
    np.testing.assert_allclose(_np(layer(torch.tensor(x))),
                               _gru_reset_before_reference(x, *weights), rtol=1e-5, atol=1e-5)


# --------------------------------------------------------------------------- masks and direction
def _masked_reference(layer, x, mask, zero_output=False):
    """Keras's rule by hand: at a masked step keep the states and repeat the previous output."""
    cell = layer.cell
    states = cell.get_initial_state(x.shape[0], device=x.device)
    previous = torch.zeros(x.shape[0], cell.units)
    outputs = []
    for t in range(x.shape[1]):
        output, new_states = cell(x[:, t], states)
        keep = mask[:, t:t + 1]
        output = torch.where(keep, output, torch.zeros_like(output) if zero_output else previous)
        states = [torch.where(keep, n, s) for n, s in zip(new_states, states)]
        outputs.append(output)
        previous = output
    return torch.stack(outputs, 1), states


@pytest.mark.parametrize("cls", [SimpleRNN, LSTM, GRU])
def test_masked_steps_are_skipped_as_in_keras(cls):
    x, mask = torch.tensor(_x()), torch.tensor(MASK)
    layer = cls(5, return_sequences=True, return_state=True)
    layer(x)
    _randomize(layer)
    outputs, *states = layer(x, mask=mask)
    expected, expected_states = _masked_reference(layer, x, mask)
    np.testing.assert_allclose(_np(outputs), _np(expected), rtol=1e-5, atol=1e-5)
    for got, want in zip(states, expected_states):
        np.testing.assert_allclose(_np(got), _np(want), rtol=1e-5, atol=1e-5)
    assert outputs._keras_mask is mask  # passed on with return_sequences, as Keras does
    # Sample 1's last two steps are padding: its output there repeats step 3's.
    np.testing.assert_array_equal(_np(outputs[1, 4]), _np(outputs[1, 3]))


def test_embedding_mask_reaches_the_rnn():
    ids = torch.tensor([[3, 4, 0, 0, 0], [1, 2, 3, 4, 5], [0, 0, 7, 8, 0]])
    embedding = Embedding(10, 3, mask_zero=True)
    lstm, second = LSTM(4, return_sequences=True), GRU(2)
    out = second(lstm(embedding(ids)))
    vectors = embedding(ids)
    explicit = second(lstm(vectors.detach().clone(), mask=ids != 0), mask=ids != 0)
    np.testing.assert_allclose(_np(out), _np(explicit), rtol=1e-6)
    unmasked = second(lstm(vectors.detach().clone()))
    assert not np.allclose(_np(out), _np(unmasked))


@pytest.mark.parametrize("cls", [LSTM, GRU])
def test_go_backwards_reads_the_sequence_reversed(cls):
    x = torch.tensor(_x())
    forward, backward = cls(4, return_sequences=True), cls(4, return_sequences=True,
                                                            go_backwards=True)
    forward(x)
    backward(x)
    backward.set_weights(forward.get_weights())
    np.testing.assert_allclose(_np(backward(x)), _np(forward(x.flip(1))), rtol=1e-6)


# --------------------------------------------------------------------------- dropout
def test_dropout_only_in_training_and_per_gate_masks(monkeypatch):
    x = torch.tensor(_x())
    layer = LSTM(4, dropout=0.3, recurrent_dropout=0.4, return_sequences=True)
    inference = layer(x)
    np.testing.assert_allclose(_np(layer(x, training=False)), _np(inference))
    assert not np.allclose(_np(layer(x, training=True)), _np(inference))

    # With fixed masks the step must equal Keras's "implementation 1" formulas.
    generator = torch.Generator().manual_seed(0)

    def fixed_masks(rate, count, like, training):
        if not training or rate == 0:
            return None
        keep = torch.rand((count, *like.shape), generator=generator) > rate
        return keep.float() / (1 - rate)

    monkeypatch.setattr(recurrent_cells, "_dropout_masks", fixed_masks)
    generator.manual_seed(0)
    out = layer(x, training=True)
    generator.manual_seed(0)
    in_masks = fixed_masks(0.3, 4, x[:, 0], True)
    rec_masks = fixed_masks(0.4, 4, torch.zeros(4, 4), True)
    cell, sigmoid = layer.cell, torch.sigmoid
    k, rk, b = cell.kernel.split(4, 1), cell.recurrent_kernel.split(4, 1), cell.bias.split(4)
    h = c = torch.zeros(4, 4)
    for t in range(x.shape[1]):
        pre = [(x[:, t] * in_masks[g]) @ k[g] + b[g] + (h * rec_masks[g]) @ rk[g]
               for g in range(4)]
        c = sigmoid(pre[1]) * c + sigmoid(pre[0]) * torch.tanh(pre[2])
        h = sigmoid(pre[3]) * torch.tanh(c)
        np.testing.assert_allclose(_np(out[:, t]), _np(h), rtol=1e-5, atol=1e-6)


def test_input_dropout_alone_keeps_the_fused_kernel_with_one_mask(monkeypatch):
    x = torch.tensor(_x())
    layer = GRU(4, dropout=0.5, return_sequences=True)
    layer(x)
    ones = lambda rate, count, like, training: (  # noqa: E731
        torch.ones((count, *like.shape)) if training and rate else None)
    monkeypatch.setattr(recurrent_cells, "_dropout_masks", ones)
    np.testing.assert_allclose(_np(layer(x, training=True)), _np(layer(x)), rtol=1e-6)
    assert layer.cell._mask_count() == 1 and GRU(4, recurrent_dropout=0.1).cell._mask_count() == 3


# --------------------------------------------------------------------------- states
def test_initial_state_and_stateful_runs():
    x = torch.tensor(_x())
    layer = LSTM(4, return_state=True)
    _, h, c = layer(x[:, :3])
    full, *_ = layer(x)
    resumed, *_ = layer(x[:, 3:], initial_state=[h, c])
    np.testing.assert_allclose(_np(resumed), _np(full), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="expected 2 initial state tensor"):
        layer(x, initial_state=[h])

    stateful = LSTM(4, stateful=True)
    stateful(x[:, :3])
    stateful.set_weights(layer.get_weights())
    stateful.reset_states()
    stateful(x[:, :3])
    np.testing.assert_allclose(_np(stateful(x[:, 3:])), _np(full), rtol=1e-5, atol=1e-6)
    stateful.reset_states()
    np.testing.assert_allclose(_np(stateful(x[:, 3:])),
                               _np(layer(x[:, 3:])[0]), rtol=1e-5, atol=1e-6)


def test_generic_rnn_with_a_custom_cell():
    class MinimalCell(deepfit.Layer):
        state_size = 3

        def call(self, inputs, states):
            output = torch.tanh(inputs[:, :3] + states[0])
            return output, [output]

    class PlainCell:  # not a layer: only `call` and `state_size`, as Keras asks
        state_size = [3]

        def call(self, inputs, states, training=None):
            return MinimalCell.call(self, inputs, states)

    x = torch.tensor(_x((2, 4, 5)))
    for cell in (MinimalCell(), PlainCell()):
        out = RNN(cell, return_sequences=True)(x, mask=torch.tensor(MASK[2:, :4]))
        h = torch.zeros(2, 3)
        for t in range(4):
            new = torch.tanh(x[:, t, :3] + h)
            h = torch.where(torch.tensor(MASK[2:, t:t + 1]), new, h)
            np.testing.assert_allclose(_np(out[:, t]), _np(h), rtol=1e-6)


def test_cells_run_single_steps():
    for cell, states in ((SimpleRNNCell(3), 1), (LSTMCell(3), 2), (GRUCell(3), 1)):
        layer = RNN(cell, return_sequences=True)
        x = torch.tensor(_x((2, 4, 5)))
        outputs = layer(x)
        state = cell.get_initial_state(2)
        assert len(state) == states
        out, state = cell(x[:, 0], state)
        np.testing.assert_allclose(_np(out), _np(outputs[:, 0]), rtol=1e-6)


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize("call, message", [
    (lambda: LSTM(0), "units must be a positive int"),
    (lambda: GRU(4, use_cudnn="maybe"), "use_cudnn must be 'auto', True or False"),
    (lambda: SimpleRNN(4, dropout="a lot"), "dropout must be a float"),
    (lambda: Bidirectional(LSTM(3), merge_mode="max"), "merge_mode must be one of"),
    (lambda: Bidirectional("lstm"), "layer must be a deepfit layer instance"),
    (lambda: Bidirectional(LSTM(3), backward_layer=LSTM(3)), "different go_backwards"),
    (lambda: RNN(object()), "cell must be a layer with a `call` method"),
])
def test_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_wrong_input_rank_names_the_layer():
    layer = LSTM(3, name="lstm")
    layer(torch.zeros(2, 5, 4))
    with pytest.raises(ValueError, match=r"Input 0 of layer 'lstm' is incompatible with the "
                                         r"layer: expected ndim=3, found ndim=2. Full shape "
                                         r"received: \(32, 784\)"):
        layer(torch.zeros(32, 784))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 4"):
        layer(torch.zeros(2, 5, 7))
    with pytest.raises(ValueError, match=r"expected inputs of shape \(batch, steps, features\)"):
        GRU(3)(torch.zeros(4, 3))


def test_activity_regularizer_and_bidirectional_state_order():
    layer = SimpleRNN(2, activity_regularizer="l2", kernel_initializer="ones",
                      recurrent_initializer="zeros")
    out = layer(torch.ones(3, 2, 1))
    np.testing.assert_allclose(float(layer.losses[-1].detach()),
                               0.01 * float((out ** 2).sum().detach()) / 3, rtol=1e-5)
    bidi = Bidirectional(LSTM(3, return_state=True))
    x = torch.tensor(_x((2, 4, 3)))
    out, h_f, c_f, h_b, c_b = bidi(x)
    np.testing.assert_allclose(_np(out), _np(torch.cat([h_f, h_b], -1)), rtol=1e-6)
    _, h_ref, c_ref = bidi.backward_layer(x)  # the step-by-step path of one direction
    np.testing.assert_allclose(_np(c_b), _np(c_ref), rtol=1e-5, atol=1e-6)
    assert [bidi.forward_layer.name, bidi.backward_layer.name] == [
        f"forward_{bidi.forward_layer.name[8:]}", f"backward_{bidi.forward_layer.name[8:]}"]


# --------------------------------------------------------------------------- parity with Keras
@pytest.fixture(scope="module")
def keras():
    os.environ["KERAS_BACKEND"] = "torch"
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip("keras uses another backend")
    return keras


def _flat(result):
    return list(result) if isinstance(result, (list, tuple)) else [result]


def _compare_with_keras(ours, ref, x, mask=None):
    mask_t = None if mask is None else torch.tensor(mask)
    ours(torch.tensor(x), mask=mask_t)
    ref(x, mask=mask) if mask is not None else ref(x)
    assert ours.count_params() == ref.count_params()
    ref.set_weights(_randomize(ours))
    got = _flat(ours(torch.tensor(x), mask=mask_t))
    want = _flat(ref(x, mask=mask) if mask is not None else ref(x))
    assert [tuple(t.shape) for t in got] == [tuple(t.shape) for t in want]
    for a, b in zip(got, want):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-5, atol=1e-5)


CONFIGS = [
    ("SimpleRNN", {}), ("SimpleRNN", {"activation": "relu", "return_sequences": True}),
    ("LSTM", {"return_state": True}), ("LSTM", {"return_sequences": True, "go_backwards": True}),
    ("LSTM", {"activation": "relu", "use_bias": False, "unit_forget_bias": False}),
    ("GRU", {"return_state": True, "return_sequences": True}),
    ("GRU", {"reset_after": False, "go_backwards": True}), ("GRU", {"use_bias": False}),
]


@pytest.mark.parametrize("name, kwargs", CONFIGS)
@pytest.mark.parametrize("masked", [False, True])
def test_matches_keras(keras, name, kwargs, masked):
    _compare_with_keras(getattr(recurrent, name)(5, **kwargs),
                        getattr(keras.layers, name)(5, **kwargs), _x(),
                        MASK if masked else None)


@pytest.mark.parametrize("name, kwargs, merge_mode", [
    ("LSTM", {"return_sequences": True}, "concat"), ("LSTM", {"return_state": True}, "ave"),
    ("GRU", {"return_sequences": True, "return_state": True}, None),
    ("SimpleRNN", {}, "mul"),
])
@pytest.mark.parametrize("masked", [False, True])
def test_bidirectional_matches_keras(keras, name, kwargs, merge_mode, masked):
    _compare_with_keras(
        Bidirectional(getattr(recurrent, name)(4, **kwargs), merge_mode=merge_mode),
        keras.layers.Bidirectional(getattr(keras.layers, name)(4, **kwargs),
                                   merge_mode=merge_mode), _x(), MASK if masked else None)


def test_keras_config_keys_are_accepted(keras):
    config = keras.layers.LSTM(3, return_sequences=True, dropout=0.1).get_config()
    config = {k: v for k, v in config.items() if k != "dtype"}
    for key in ("kernel_initializer", "recurrent_initializer", "bias_initializer"):
        config[key] = config[key]["class_name"]
    layer = LSTM.from_config(config)
    assert layer.return_sequences and layer.dropout == 0.1
    assert set(config) <= set(layer.get_config())
