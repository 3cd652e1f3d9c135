"""The Functional API: graphs of layer calls, several inputs and outputs, shared layers."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import deepfit
from deepfit import layers


def _two_input_data(n=256, seed=0):
    rng = np.random.default_rng(seed)
    numbers = rng.normal(size=(n, 4)).astype("float32")
    flags = rng.integers(0, 2, size=(n, 2)).astype("float32")
    target = ((numbers[:, 0] + flags[:, 0] * 2 - 1) > 0).astype("float32")
    return numbers, flags, target


def test_two_input_model_trains_and_matches_manual_forward():
    numbers_in = deepfit.Input(shape=(4,), name="numbers")
    flags_in = deepfit.Input(shape=(2,), name="flags")
    hidden = layers.Dense(16, activation="relu", name="hidden")(numbers_in)
    merged = layers.Concatenate(name="merge")([hidden, flags_in])
    output = layers.Dense(1, activation="sigmoid", name="out")(merged)
    model = deepfit.Model(inputs=[numbers_in, flags_in], outputs=output)
    # Keras's order (by depth from the output; Keras 3.15 lists exactly this).
    assert [l.name for l in model.layers] == ["numbers", "hidden", "flags", "merge", "out"]
    assert model.count_params() == 4 * 16 + 16 + 18 + 1
    assert model.output_shape == (None, 1)

    numbers, flags, target = _two_input_data()
    k1, b1, k2, b2 = [torch.tensor(w) for w in model.get_weights()]
    expected = torch.sigmoid(torch.cat([torch.relu(torch.tensor(numbers) @ k1 + b1),
                                        torch.tensor(flags)], dim=1) @ k2 + b2)
    np.testing.assert_allclose(model.predict([numbers, flags], verbose=0), expected.numpy(),
                               rtol=1e-5, atol=1e-6)

    model.compile(optimizer=deepfit.optimizers.Adam(0.01), loss="binary_crossentropy",
                  metrics=["accuracy"])
    history = model.fit([numbers, flags], target, epochs=60, verbose=0)
    assert history.history["accuracy"][-1] > 0.95
    by_name = model.predict({"numbers": numbers, "flags": flags}, verbose=0)
    np.testing.assert_allclose(by_name, model.predict([numbers, flags], verbose=0))


def test_two_outputs_with_losses_and_weights_by_name():
    inputs = deepfit.Input(shape=(4,))
    trunk = layers.Dense(16, activation="relu")(inputs)
    value = layers.Dense(1, name="value")(trunk)
    label = layers.Dense(3, activation="softmax", name="label")(trunk)
    model = deepfit.Model(inputs, {"value": value, "label": label})
    model.compile(optimizer=deepfit.optimizers.Adam(0.01),
                  loss={"value": "mse", "label": "sparse_categorical_crossentropy"},
                  loss_weights={"value": 0.5, "label": 1.0},
                  metrics={"label": ["accuracy"]})
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 4)).astype("float32")
    targets = {"value": x.sum(axis=1, keepdims=True), "label": np.argmax(x[:, :3], axis=1)}
    history = model.fit(x, targets, epochs=40, verbose=0)
    assert set(history.history) == {"loss", "label_accuracy", "label_loss", "value_loss"}  # Keras
    assert history.history["label_accuracy"][-1] > 0.9
    assert history.history["loss"][-1] < history.history["loss"][0] / 4
    outputs = model.predict(x[:5], verbose=0)
    assert set(outputs) == {"value", "label"} and outputs["label"].shape == (5, 3)


def test_list_outputs_take_list_losses():
    inputs = deepfit.Input(shape=(3,))
    first = layers.Dense(1, name="first")(inputs)
    second = layers.Dense(1, name="second")(inputs)
    model = deepfit.Model(inputs, [first, second])
    model.compile(optimizer="sgd", loss=["mse", "mae"], loss_weights=[1.0, 0.0])
    x = np.ones((8, 3), dtype="float32")
    # Keras's order: the total, then each output's unweighted loss.
    loss, first_loss, second_loss = model.evaluate(x, [np.zeros(8), np.full(8, 100.0)],
                                                   verbose=0)
    predictions = model.predict(x, verbose=0)
    np.testing.assert_allclose(loss, np.mean(predictions[0] ** 2), rtol=1e-5)
    np.testing.assert_allclose(first_loss, loss, rtol=1e-6)
    np.testing.assert_allclose(second_loss, np.mean(np.abs(100.0 - predictions[1])), rtol=1e-5)


def test_shared_layer_is_one_set_of_weights():
    shared = layers.Dense(4, name="shared")
    left, right = deepfit.Input((3,)), deepfit.Input((3,))
    merged = layers.Add()([shared(left), shared(right)])
    model = deepfit.Model([left, right], merged)
    assert model.count_params() == 16
    x = np.ones((2, 3), dtype="float32")
    single = shared(torch.tensor(x)).detach().numpy()
    np.testing.assert_allclose(model.predict([x, x], verbose=0), 2 * single, rtol=1e-6)


def test_graph_errors_are_clear():
    inputs = deepfit.Input((3,))
    hidden = layers.Dense(2)(inputs)
    other = deepfit.Input((3,))
    with pytest.raises(ValueError, match="not connected to the given inputs"):
        deepfit.Model(other, hidden)
    # Keras cuts the graph at an intermediate input (tests/models/test_functional_cut_inputs.py)
    cut = deepfit.Model(hidden, layers.Dense(1)(hidden))
    assert type(cut.layers[0]).__name__ == "InputLayer" and cut.count_params() == 3
    model = deepfit.Model(inputs, hidden)
    with pytest.raises(ValueError, match="expects 1 input"):
        model([torch.ones(1, 3), torch.ones(1, 3)])


def test_summary_shows_connections_of_a_graph_not_of_a_chain():
    x, y = deepfit.Input((3,), name="x"), deepfit.Input((2,), name="y")
    out = layers.Dense(2, name="d")(layers.Concatenate(name="cat")([x, y]))
    lines = []
    deepfit.Model([x, y], out).summary(print_fn=lines.append, line_length=120)
    assert "Connected to" in lines[0] and "x[0][0], y[0][0]" in lines[0]
    assert "cat[0][0]" in lines[0]
    lines = []
    deepfit.Model(x, layers.Dense(2)(x)).summary(print_fn=lines.append)
    assert "Connected to" not in lines[0]  # a plain chain, as Keras prints it


def test_torch_modules_wrapped_in_a_graph_train():
    inputs = deepfit.Input((4,))
    linear = torch.nn.Linear(4, 16)
    hidden = layers.TorchModule(torch.nn.Tanh())(layers.TorchModule(linear)(inputs))
    outputs = layers.Dense(1)(hidden)
    model = deepfit.Model(inputs, outputs)
    assert [type(l).__name__ for l in model.layers[1:]] == ["TorchModule", "TorchModule",
                                                            "Dense"]
    assert model.count_params() == 4 * 16 + 16 + 16 + 1
    rng = np.random.default_rng(0)
    x = rng.normal(size=(128, 4)).astype("float32")
    model.compile(optimizer=deepfit.optimizers.Adam(0.01), loss="mse")
    before = linear.weight.detach().clone()
    history = model.fit(x, x.sum(axis=1, keepdims=True), epochs=40, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0] / 5
    assert not torch.equal(before, linear.weight), "the torch module's parameters trained"
    assert linear(torch.ones(2, 4)).shape == (2, 16), "plain PyTorch calls still work"


def test_config_round_trip_rebuilds_the_graph():
    inputs = deepfit.Input((4,), name="features")
    hidden = layers.Dense(8, activation="relu", name="hidden")(inputs)
    outputs = layers.Dense(2, activation="softmax", name="out")(
        layers.Concatenate(name="skip")([hidden, inputs]))
    model = deepfit.Model(inputs, outputs, name="graph")
    config = model.get_config()
    assert [entry["name"] for entry in config["layers"]] == ["features", "hidden", "skip", "out"]
    clone = deepfit.Model.from_config(config)
    assert clone.get_config() == config
    clone.set_weights(model.get_weights())
    x = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    np.testing.assert_allclose(clone.predict(x, verbose=0), model.predict(x, verbose=0))
