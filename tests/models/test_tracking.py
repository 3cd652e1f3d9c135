"""Keras's attribute tracking: layers and weights kept in lists, dicts and attributes train,
count, and save under Keras's names (checked against real Keras in a separate process)."""

from __future__ import annotations

from functools import partial

import numpy as np
import torch

import deepfit
from deepfit import layers
from tests.keras_process import run_keras

# Géron, "Hands-On Machine Learning", chapter 14: ResNet-34 as a subclassed layer.
_RESNET = """
DefaultConv2D = partial(keras.layers.Conv2D, kernel_size=3, strides=1, padding="same",
                        kernel_initializer="he_normal", use_bias=False)


class ResidualUnit(keras.layers.Layer):
    def __init__(self, filters, strides=1, activation="relu", **kwargs):
        super().__init__(**kwargs)
        self.activation = keras.activations.get(activation)
        self.main_layers = [
            DefaultConv2D(filters, strides=strides),
            keras.layers.BatchNormalization(),
            self.activation,
            DefaultConv2D(filters),
            keras.layers.BatchNormalization()
        ]
        self.skip_layers = []
        if strides > 1:
            self.skip_layers = [
                DefaultConv2D(filters, kernel_size=1, strides=strides),
                keras.layers.BatchNormalization()
            ]

    def call(self, inputs):
        Z = inputs
        for layer in self.main_layers:
            Z = layer(Z)
        skip_Z = inputs
        for layer in self.skip_layers:
            skip_Z = layer(skip_Z)
        return self.activation(Z + skip_Z)


def resnet(size, filters_list):
    model = keras.Sequential([
        DefaultConv2D(filters_list[0], kernel_size=7, strides=2, input_shape=[size, size, 3]),
        keras.layers.BatchNormalization(),
        keras.layers.Activation("relu"),
        keras.layers.MaxPool2D(pool_size=3, strides=2, padding="same"),
    ])
    prev_filters = filters_list[0]
    for filters in filters_list:
        strides = 1 if filters == prev_filters else 2
        model.add(ResidualUnit(filters, strides=strides))
        prev_filters = filters
    model.add(keras.layers.GlobalAvgPool2D())
    model.add(keras.layers.Flatten())
    model.add(keras.layers.Dense(10, activation="softmax"))
    return model
"""

_SMALL = [8, 8, 16, 16]


def _resnet_namespace():
    namespace = {"keras": deepfit, "partial": partial}
    exec(_RESNET, namespace)  # the textbook code, verbatim, with deepfit as keras
    return namespace


def test_textbook_resnet34_has_keras_parameter_count():
    resnet = _resnet_namespace()["resnet"]
    model = resnet(224, [64] * 3 + [128] * 4 + [256] * 6 + [512] * 3)
    assert model.count_params() == 21_306_826  # Keras 3 gives the same count
    unit = model.layers[4]
    assert len(unit.trainable_weights) == 6 and len(unit.non_trainable_weights) == 4
    assert len(model.layers[7].trainable_weights) == 9, "skip_layers are tracked too"


def _shifted_weights(model):
    rng = np.random.default_rng(5)
    model.set_weights([w + rng.normal(0, 0.1, w.shape).astype("float32") if w.ndim == 1
                       else w for w in model.get_weights()])


def test_weights_files_open_in_keras_both_ways(tmp_path):
    model = _resnet_namespace()["resnet"](32, _SMALL)
    _shifted_weights(model)  # moving statistics that are not 0/1, so a mix-up shows
    x = np.random.default_rng(0).normal(size=(4, 32, 32, 3)).astype("float32")
    model.save_weights(str(tmp_path / "ours.weights.h5"))
    expected = run_keras("from functools import partial\n" + _RESNET + f"""
model = resnet(32, {_SMALL})
model.load_weights(r"{tmp_path / 'ours.weights.h5'}")
results["prediction"] = model.predict(inputs["x"], verbose=0)
results["count"] = model.count_params()
rng = np.random.default_rng(9)
model.set_weights([w + rng.normal(0, 0.1, w.shape).astype("float32")
                   for w in model.get_weights()])
model.save_weights(r"{tmp_path / 'theirs.weights.h5'}")
results["theirs"] = model.predict(inputs["x"], verbose=0)
""", x=x)
    assert model.count_params() == int(expected["count"])
    np.testing.assert_allclose(model.predict(x, verbose=0), expected["prediction"], atol=1e-5)
    model.load_weights(str(tmp_path / "theirs.weights.h5"))
    np.testing.assert_allclose(model.predict(x, verbose=0), expected["theirs"], atol=1e-5)


def test_layers_appended_later_and_kept_in_dicts_train():
    class Blocks(deepfit.Model):
        def __init__(self):
            super().__init__()
            self.blocks = []
            for units in (8, 4):
                self.blocks.append(layers.Dense(units, activation="tanh"))
            self.heads = {"out": layers.Dense(1)}
            self.scale = torch.nn.Parameter(torch.ones(()))

        def call(self, inputs):
            for block in self.blocks:
                inputs = block(inputs)
            return self.heads["out"](inputs) * self.scale

    model = Blocks()
    x = np.random.default_rng(1).normal(size=(64, 3)).astype("float32")
    y = np.sin(x.sum(axis=1, keepdims=True)).astype("float32")
    model(x[:2])
    assert model.count_params() == (3 * 8 + 8) + (8 * 4 + 4) + (4 + 1) + 1
    assert [tuple(w.shape) for w in model.weights][0] == (), "own weights first, as Keras"
    model.compile(optimizer=deepfit.optimizers.Adam(0.02), loss="mse")
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(x, y, epochs=30, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert all(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    assert isinstance(model.blocks, list) and isinstance(model.heads, dict)
    assert "blocks.0.kernel" in model.state_dict()


def test_mixed_lists_keep_their_other_items_and_torch_containers_still_work():
    class Mixed(layers.Layer):
        def __init__(self):
            super().__init__()
            self.steps = [layers.Dense(2), torch.tanh, 3]
            self.torch_list = torch.nn.ModuleList([torch.nn.Linear(2, 2)])
            self.sizes = (1, 2)

        def call(self, inputs):
            return self.torch_list[0](self.steps[1](self.steps[0](inputs)))

    layer = Mixed()
    layer(torch.ones(1, 3))
    assert layer.steps[2] == 3 and layer.sizes == (1, 2)
    assert layer.count_params() == 8 + 6


def test_a_layer_used_twice_in_sequential_shares_its_weights():
    shared = layers.Dense(4, activation="tanh")
    model = deepfit.Sequential([deepfit.Input((4,)), shared, shared, layers.Dense(1)])
    assert model.count_params() == 20 + 5
    assert [layer.name for layer in model.layers].count(shared.name) == 2
    x = torch.randn(3, 4)
    expected = model.layers[2](shared(shared(x)))
    torch.testing.assert_close(model(x), expected)
    model.pop()
    model.pop()
    assert model.count_params() == 20


def test_keras_files_of_the_textbook_resnet_open_both_ways(tmp_path):
    # ResidualUnit writes no get_config: its constructor's arguments are the config, in Keras
    # (Layer.__new__ records them) and in deepfit.
    namespace = _resnet_namespace()
    model = namespace["resnet"](32, _SMALL)
    _shifted_weights(model)
    assert model.layers[4].get_config()["filters"] == 8
    x = np.random.default_rng(1).normal(size=(3, 32, 32, 3)).astype("float32")
    model.save(str(tmp_path / "ours.keras"))
    expected = run_keras("from functools import partial\n" + _RESNET + f"""
custom = {{"ResidualUnit": ResidualUnit}}
ours = keras.models.load_model(r"{tmp_path / 'ours.keras'}", custom_objects=custom)
results["ours"] = ours.predict(inputs["x"], verbose=0)
results["filters"] = [layer.get_config().get("filters", 0) for layer in ours.layers]
theirs = resnet(32, {_SMALL})
rng = np.random.default_rng(9)
theirs.set_weights([w + rng.normal(0, 0.1, w.shape).astype("float32")
                    for w in theirs.get_weights()])
theirs.save(r"{tmp_path / 'theirs.keras'}")
results["theirs"] = theirs.predict(inputs["x"], verbose=0)
""", x=x)
    np.testing.assert_allclose(expected["ours"], model.predict(x, verbose=0), atol=1e-5)
    assert list(expected["filters"][4:8]) == _SMALL
    loaded = deepfit.models.load_model(str(tmp_path / "theirs.keras"),
                                       custom_objects={"ResidualUnit": namespace["ResidualUnit"]})
    assert [layer.get_config()["filters"] for layer in loaded.layers[4:8]] == _SMALL
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected["theirs"], atol=1e-5)
