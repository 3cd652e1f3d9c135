"""Sequential: building, weights in Keras's layout, summary, structure edits, torch interop."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import deepfit
from deepfit import layers


def test_declared_input_builds_immediately_and_counts_params():
    model = deepfit.Sequential([
        layers.Dense(128, activation="relu", input_dim=784),
        layers.Dense(10, activation="softmax"),
    ])
    assert model.built
    assert model.count_params() == 784 * 128 + 128 + 128 * 10 + 10
    kernel, bias = model.layers[0].get_weights()
    assert kernel.shape == (784, 128) and bias.shape == (128,)
    assert model.output_shape == (None, 10)


def test_input_shape_forms():
    for first in (layers.Dense(4, input_shape=(28, 28)), layers.Dense(4, input_shape=[28, 28])):
        model = deepfit.Sequential([first])
        assert model.layers[0].get_weights()[0].shape == (28, 4)
        assert model.output_shape == (None, 28, 4)
    model = deepfit.Sequential([deepfit.Input(shape=(28, 28)), layers.Flatten(),
                                layers.Dense(3)])
    assert [type(l).__name__ for l in model.layers] == ["Flatten", "Dense"]
    assert model.count_params() == 784 * 3 + 3
    model = deepfit.Sequential([layers.InputLayer(shape=(5,)), layers.Dense(2)])
    assert model.count_params() == 12


def test_model_without_input_shape_builds_on_first_batch():
    model = deepfit.Sequential([layers.Dense(25, activation="sigmoid"), layers.Dense(1)])
    assert not model.built
    with pytest.raises(ValueError, match="not been built"):
        model.count_params()
    out = model(np.ones((3, 400), dtype="float32"))
    assert tuple(out.shape) == (3, 1)
    assert model.count_params() == 400 * 25 + 25 + 26


def test_forward_equals_plain_torch():
    model = deepfit.Sequential([layers.Dense(5, activation="relu", input_dim=3),
                                layers.Dense(2, activation="softmax")])
    x = torch.randn(4, 3)
    k1, b1, k2, b2 = [torch.tensor(w) for w in model.get_weights()]
    expected = torch.softmax(torch.relu(x @ k1 + b1) @ k2 + b2, dim=-1)
    torch.testing.assert_close(model(x), expected)


def test_get_set_weights_round_trip_and_errors():
    model = deepfit.Sequential([layers.Dense(3, input_dim=2), layers.Dense(1)])
    weights = [np.full(w.shape, i, dtype="float32") for i, w in enumerate(model.get_weights())]
    model.set_weights(weights)
    for expected, actual in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(expected, actual)
    with pytest.raises(ValueError, match="expected a list of 4 arrays"):
        model.set_weights(weights[:2])
    with pytest.raises(ValueError, match=r"weight 0 has shape \(2, 3\).*\(3, 2\)"):
        model.layers[0].set_weights([np.zeros((3, 2)), np.zeros(3)])


def test_add_pop_get_layer_and_unique_names():
    model = deepfit.Sequential(name="stack")
    model.add(layers.Dense(4, input_dim=2, name="first"))
    model.add(layers.Dense(1, name="second"))
    assert model.get_layer("second") is model.layers[1]
    assert model.get_layer(index=0).name == "first"
    with pytest.raises(ValueError, match="No such layer: 'third'.*'first', 'second'"):
        model.get_layer("third")
    with pytest.raises(ValueError, match="unique names"):
        model.add(layers.Dense(1, name="second"))
    removed = model.pop()
    assert removed.name == "second" and len(model.layers) == 1
    assert model.output_shape == (None, 4)


def test_automatic_names_follow_keras():
    from deepfit.layers.layer import reset_names, snake_case

    reset_names()
    model = deepfit.Sequential([layers.Dense(2, input_dim=2), layers.Dense(2), layers.Flatten()])
    assert [l.name for l in model.layers] == ["dense", "dense_1", "flatten"]
    assert snake_case("BatchNormalization") == "batch_normalization"
    assert snake_case("Conv2D") == "conv2d" and snake_case("MaxPooling2D") == "max_pooling2d"


def test_trainable_flag_freezes_weights():
    model = deepfit.Sequential([layers.Dense(3, input_dim=2), layers.Dense(1)])
    model.layers[0].trainable = False
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 2
    frozen = model.layers[0].get_weights()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.random.rand(16, 2), np.random.rand(16), epochs=2, verbose=0)
    for before, after in zip(frozen, model.layers[0].get_weights()):
        np.testing.assert_array_equal(before, after)


def test_summary_lists_layers_shapes_and_totals():
    model = deepfit.Sequential([layers.Dense(128, activation="relu", input_dim=784, name="d1"),
                                layers.Dense(10, activation="softmax", name="d2")])
    lines = []
    model.summary(print_fn=lines.append)
    text = lines[0]
    assert "d1 (Dense)" in text and "(None, 128)" in text and "100,480" in text
    assert "d2 (Dense)" in text and "(None, 10)" in text and "1,290" in text
    assert "Total params: 101,770" in text and "Trainable params: 101,770" in text
    assert "Non-trainable params: 0" in text


def test_torch_module_inside_sequential_trains():
    model = deepfit.Sequential([deepfit.Input(shape=(4,)), torch.nn.Linear(4, 16),
                                torch.nn.Tanh(), layers.Dense(1)])
    assert model.count_params() == 4 * 16 + 16 + 16 + 1
    x = np.random.default_rng(0).random((64, 4), dtype=np.float32)
    y = x.sum(axis=1, keepdims=True)
    model.compile(optimizer=deepfit.optimizers.Adam(0.01), loss="mse")
    history = model.fit(x, y, epochs=40, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0] / 5


def test_model_is_a_torch_module_usable_in_plain_pytorch():
    model = deepfit.Sequential([layers.Dense(8, activation="relu", input_dim=3, name="hidden"),
                                layers.Dense(1, name="out")])
    assert isinstance(model, torch.nn.Module)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.randn(32, 3), torch.randn(32, 1)
    first = torch.nn.functional.mse_loss(model(x), y)
    for _ in range(50):
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
    assert loss.item() < first.item()
    assert list(model.state_dict()) == ["hidden.kernel", "hidden.bias", "out.kernel",
                                        "out.bias"]
