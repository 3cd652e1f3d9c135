"""The .keras archive and .weights.h5 files: round trips, Keras's HDF5 layout, exact optimizer
state, load_weights/skip_mismatch, safe mode, custom objects and clone_model."""

from __future__ import annotations

import io
import json
import zipfile

import h5py
import numpy as np
import pytest
import torch

import deepfit
from deepfit import layers
from deepfit.saving import FileFormatError, clone_model, load_model


def _data(n=32, features=6, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, features)).astype("float32"), rng.integers(0, classes, n)


def _classifier(optimizer="adam"):
    model = deepfit.Sequential([deepfit.Input((6,)), layers.Dense(8, activation="relu"),
                                layers.BatchNormalization(), layers.Dropout(0.2),
                                layers.Dense(3, activation="softmax")])
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def _weights_equal(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a.get_weights(), b.get_weights()))


def _two_branch():
    inputs = deepfit.Input((5,), name="features")
    aux = deepfit.Input((2,), name="aux")
    shared = layers.Dense(4, activation="relu", name="shared")
    left = shared(inputs)
    right = layers.Dense(4, name="right")(shared(layers.Dense(5, name="pre")(inputs)))
    merged = layers.Concatenate(name="merge")([left, right, aux])
    out_a = layers.Dense(1, name="out_a")(merged)
    out_b = layers.Dense(2, activation="softmax", name="out_b")(right)
    return deepfit.Model([inputs, aux], [out_b, out_a], name="two_branch")


def test_sequential_round_trip_restores_predictions_compile_and_optimizer(tmp_path):
    x, y = _data()
    model = _classifier()
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    model.save(tmp_path / "model.keras")
    restored = load_model(tmp_path / "model.keras")
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))
    assert type(restored.optimizer) is type(model.optimizer)
    assert restored.optimizer.learning_rate == model.optimizer.learning_rate
    expected, got = model.optimizer.get_state(), restored.optimizer.get_state()
    assert expected.keys() == got.keys() and expected["iterations"] == 8
    for key in expected:
        assert np.array_equal(np.asarray(expected[key]), np.asarray(got[key])), key
    assert [layer.name for layer in restored.layers] == [layer.name for layer in model.layers]
    assert restored.evaluate(x, y, verbose=0) == model.evaluate(x, y, verbose=0)


def test_training_continues_bitwise_identically_after_a_save_and_load(tmp_path):
    x, y = _data()
    model = _classifier()
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    model.save(tmp_path / "model.keras")
    state = torch.get_rng_state()
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    restored = load_model(tmp_path / "model.keras")
    torch.set_rng_state(state)
    restored.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert _weights_equal(model, restored)


def test_the_archive_and_weights_follow_keras_layout(tmp_path):
    x, y = _data()
    model = _classifier(optimizer=deepfit.optimizers.SGD(0.1, momentum=0.9))
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["config.json", "metadata.json",
                                              "model.weights.h5"]
        config = json.loads(archive.read("config.json"))
        weights = archive.read("model.weights.h5")
    assert config["module"] == "keras" and config["class_name"] == "Sequential"
    entries = config["config"]["layers"]
    assert [e["class_name"] for e in entries] == ["InputLayer", "Dense", "BatchNormalization",
                                                  "Dropout", "Dense"]
    assert entries[1]["module"] == "keras.layers"
    assert entries[1]["config"]["kernel_initializer"]["module"] == "keras.initializers"
    assert config["compile_config"]["optimizer"]["class_name"] == "SGD"
    assert config["compile_config"]["loss"] == "sparse_categorical_crossentropy"
    with h5py.File(io.BytesIO(weights), "r") as h5:
        assert h5["vars"].attrs["name"] == model.name
        assert h5["layers/dense/vars"].attrs["name"] == model.layers[0].name
        np.testing.assert_array_equal(h5["layers/dense/vars/0"][()], model.layers[0].kernel
                                      .detach().numpy())
        assert sorted(h5["layers/batch_normalization/vars"]) == ["0", "1", "2", "3"]
        assert len(h5["layers/dropout/vars"]) == 0
        assert h5["layers/dense_1/vars/1"].shape == (3,)
        variables = h5["optimizer/vars"]
        assert int(variables["0"][()]) == 2 and float(variables["1"][()]) == np.float32(0.1)
        # SGD momentum: one slot per trainable weight, in the model's order
        assert [variables[str(i)].shape for i in range(2, 8)] == [
            (6, 8), (8,), (8,), (8,), (8, 3), (3,)]


def test_functional_model_with_shared_layer_several_inputs_and_outputs(tmp_path):
    model = _two_branch()
    model.compile(optimizer="rmsprop", loss=["categorical_crossentropy", "mse"],
                  loss_weights=[1.0, 0.5], metrics=[["accuracy"], ["mae"]])
    rng = np.random.default_rng(1)
    x = [rng.random((16, 5)).astype("float32"), rng.random((16, 2)).astype("float32")]
    y = [np.eye(2)[rng.integers(0, 2, 16)].astype("float32"),
         rng.random((16, 1)).astype("float32")]
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    model.save(tmp_path / "f.keras")
    restored = load_model(tmp_path / "f.keras")
    for a, b in zip(restored.predict(x, verbose=0), model.predict(x, verbose=0)):
        np.testing.assert_array_equal(a, b)
    assert restored.output_names == model.output_names
    config = restored._compile_config
    assert config["loss_weights"] == [1.0, 0.5]
    assert restored.evaluate(x, y, verbose=0) == pytest.approx(model.evaluate(x, y, verbose=0))
    graph = json.loads(zipfile.ZipFile(tmp_path / "f.keras").read("config.json"))["config"]
    shared = next(e for e in graph["layers"] if e["name"] == "shared")
    assert len(shared["inbound_nodes"]) == 2  # called twice: two nodes
    assert graph["input_layers"] == [["features", 0, 0], ["aux", 0, 0]]
    assert graph["output_layers"] == [["out_b", 0, 0], ["out_a", 0, 0]]


def test_nested_model_inside_a_functional_model(tmp_path):
    inner = deepfit.Sequential([deepfit.Input((4,)), layers.Dense(3, activation="relu")],
                               name="inner")
    inputs = deepfit.Input((4,))
    outputs = layers.Dense(1)(inner(inputs))
    model = deepfit.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(2).random((5, 4)).astype("float32")
    model.save(tmp_path / "nested.keras")
    restored = load_model(tmp_path / "nested.keras")
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))


def test_save_and_load_weights_match_layers_by_position_not_name(tmp_path):
    x, y = _data()
    model = _classifier()
    model.fit(x, y, epochs=1, verbose=0)
    model.save_weights(tmp_path / "w.weights.h5")
    twin = _classifier()  # new automatic layer names
    assert [layer.name for layer in twin.layers] != [layer.name for layer in model.layers]
    twin.load_weights(tmp_path / "w.weights.h5")
    assert _weights_equal(twin, model)
    model.save(tmp_path / "m.keras")
    third = _classifier()
    third.load_weights(tmp_path / "m.keras")
    assert _weights_equal(third, model)


def test_mismatched_weights_name_the_file_and_layer_and_change_nothing(tmp_path):
    small = deepfit.Sequential([deepfit.Input((6,)), layers.Dense(4), layers.Dense(2)])
    small.save_weights(tmp_path / "small.weights.h5")
    other = deepfit.Sequential([deepfit.Input((6,)), layers.Dense(4), layers.Dense(3)])
    before = other.get_weights()
    with pytest.raises(FileFormatError) as info:
        other.load_weights(tmp_path / "small.weights.h5")
    message = str(info.value)
    assert "small.weights.h5" in message and other.layers[1].name in message
    assert "(4, 3)" in message and "(4, 2)" in message
    assert all(np.array_equal(a, b) for a, b in zip(other.get_weights(), before))
    with pytest.warns(UserWarning, match="could not be loaded"):
        other.load_weights(tmp_path / "small.weights.h5", skip_mismatch=True)
    np.testing.assert_array_equal(other.layers[0].get_weights()[0],
                                  small.layers[0].get_weights()[0])
    np.testing.assert_array_equal(other.layers[1].get_weights()[0], before[2])


def test_subclassed_model_weights_use_attribute_paths(tmp_path):
    class Net(deepfit.Model):
        def __init__(self):
            super().__init__()
            self.hidden = layers.Dense(4, activation="relu")
            self.out = layers.Dense(2)

        def call(self, inputs, training=False):
            return self.out(self.hidden(inputs))

    x = np.random.default_rng(3).random((3, 5)).astype("float32")
    net = Net()
    net(torch.as_tensor(x))
    net.save_weights(tmp_path / "net.weights.h5")
    with h5py.File(tmp_path / "net.weights.h5", "r") as h5:
        # As Keras: attributes in sorted order, and the model's `layers` list among them, so
        # `out` (sorted after `layers`) is saved as the list's second Dense.
        assert sorted(h5) == ["hidden", "layers", "vars"]
        assert list(h5["layers"]) == ["dense_1"]
    twin = Net()
    twin(torch.as_tensor(x))
    twin.load_weights(tmp_path / "net.weights.h5")
    np.testing.assert_array_equal(twin.predict(x, verbose=0), net.predict(x, verbose=0))
    # A file with `out` under its attribute name (older deepfit) loads too, as in Keras, which
    # tries the next place it meets a layer when the first has nothing for it.
    with h5py.File(tmp_path / "net.weights.h5", "r+") as h5:
        h5.move("layers/dense_1", "out")
        del h5["layers"]
    other = Net()
    other(torch.as_tensor(x))
    other.load_weights(tmp_path / "net.weights.h5")
    np.testing.assert_array_equal(other.predict(x, verbose=0), net.predict(x, verbose=0))


def double(x):
    return x * 2.0


def test_lambda_layers_are_refused_in_safe_mode_and_need_custom_objects(tmp_path):
    model = deepfit.Sequential([deepfit.Input((3,)), layers.Lambda(double), layers.Dense(2)])
    model.save(tmp_path / "lambda.keras")
    with pytest.raises(FileFormatError, match="Lambda layer .* refused"):
        load_model(tmp_path / "lambda.keras")
    with pytest.raises(FileFormatError, match="custom_objects"):
        load_model(tmp_path / "lambda.keras", safe_mode=False)
    restored = load_model(tmp_path / "lambda.keras", safe_mode=False,
                          custom_objects={"double": double})
    x = np.ones((2, 3), dtype="float32")
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))
    anonymous = deepfit.Sequential([deepfit.Input((3,)), layers.Lambda(lambda t: t + 1)])
    with pytest.raises(ValueError, match="by name only"):
        anonymous.save(tmp_path / "anonymous.keras")
    assert not (tmp_path / "anonymous.keras").exists()


def test_serialized_bytecode_is_never_loaded_even_outside_safe_mode(tmp_path):
    model = deepfit.Sequential([deepfit.Input((3,)), layers.Lambda(double)])
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(members["config.json"])
    config["config"]["layers"][1]["config"]["function"] = {
        "class_name": "__lambda__", "config": {"code": "AAAA", "defaults": None,
                                               "closure": None}}
    members["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(tmp_path / "evil.keras", "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(FileFormatError, match="bytecode"):
        load_model(tmp_path / "evil.keras", safe_mode=False)


class Scale(deepfit.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.add_weight("offset", (input_shape[-1],), "ones")

    def call(self, inputs):
        return inputs * self.factor + self.offset

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def test_custom_layers_load_through_custom_objects(tmp_path):
    model = deepfit.Sequential([deepfit.Input((3,)), Scale(3.0), layers.Dense(1)])
    model.save(tmp_path / "custom.keras")
    with pytest.raises(FileFormatError, match="custom_objects={'Scale'"):
        load_model(tmp_path / "custom.keras")
    restored = load_model(tmp_path / "custom.keras", custom_objects={"Scale": Scale})
    assert restored.layers[0].factor == 3.0
    x = np.ones((2, 3), dtype="float32")
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))


def test_compile_false_and_unsaveable_models(tmp_path):
    model = _classifier()
    model.build((None, 6))
    model.save(tmp_path / "m.keras")
    assert not load_model(tmp_path / "m.keras", compile=False).compiled
    wrapped = deepfit.Sequential([deepfit.Input((4,)), torch.nn.Linear(4, 2)])
    with pytest.raises(ValueError, match="TorchModule"):
        wrapped.save(tmp_path / "torch.keras")
    wrapped.save_weights(tmp_path / "torch.weights.h5")  # weights of torch modules are fine


def test_destination_checks(tmp_path):
    model = _classifier()
    model.build((None, 6))
    with pytest.raises(ValueError, match=r"must end in `\.keras`"):
        model.save(tmp_path / "model.pt")
    with pytest.raises(ValueError, match=r"must end in `\.weights\.h5`"):
        model.save_weights(tmp_path / "model.h5")
    model.save(tmp_path / "m.keras")
    with pytest.raises(FileExistsError):
        model.save(tmp_path / "m.keras", overwrite=False)
    unbuilt = deepfit.Sequential([layers.Dense(2)])
    with pytest.raises(ValueError, match="not been built"):
        unbuilt.save_weights(tmp_path / "u.weights.h5")


def test_clone_model_keeps_the_architecture_with_fresh_weights():
    model = _two_branch()
    clone = clone_model(model)
    assert [layer.name for layer in clone.layers] == [layer.name for layer in model.layers]
    kernels = [(a, b) for a, b in zip(clone.get_weights(), model.get_weights()) if a.ndim == 2]
    assert kernels and not any(np.array_equal(a, b) for a, b in kernels)
    clone.set_weights(model.get_weights())
    rng = np.random.default_rng(4)
    x = [rng.random((3, 5)).astype("float32"), rng.random((3, 2)).astype("float32")]
    for a, b in zip(clone.predict(x, verbose=0), model.predict(x, verbose=0)):
        np.testing.assert_array_equal(a, b)
    sequential = _classifier()
    twin = clone_model(sequential, clone_function=lambda layer: layer.__class__.from_config(
        {**layer.get_config(), "name": layer.name + "_copy"}))
    assert [layer.name for layer in twin.layers] == [f"{layer.name}_copy"
                                                      for layer in sequential.layers]
    assert twin.compiled  # Keras 3 clones the compile config too
    new_input = deepfit.Input((6,), name="fresh_input")
    assert clone_model(sequential, input_tensors=new_input).input_shape == (None, 6)


def test_load_model_trusts_layer_names_when_group_positions_disagree(tmp_path):
    inputs = deepfit.Input((3,))
    model = deepfit.Model(inputs, layers.Dense(3, name="second")(
        layers.Dense(3, name="first")(inputs)))
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    weights = io.BytesIO(members["model.weights.h5"])
    with h5py.File(weights, "a") as h5:  # another writer's layer order
        h5.move("layers/dense", "layers/tmp")
        h5.move("layers/dense_1", "layers/dense")
        h5.move("layers/tmp", "layers/dense_1")
    with zipfile.ZipFile(tmp_path / "swapped.keras", "w") as archive:
        for name, content in {**members, "model.weights.h5": weights.getvalue()}.items():
            archive.writestr(name, content)
    restored = load_model(tmp_path / "swapped.keras")
    x = np.random.default_rng(5).random((2, 3)).astype("float32")
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))
