"""register_keras_serializable, get_custom_objects and custom_object_scope: saved custom
objects load by name without custom_objects=, and files with registered classes go both ways
between deepfit and real Keras 3 (torch backend), which writes them as "package>Name"."""

from __future__ import annotations

import json
import os
import zipfile

import numpy as np
import pytest

import deepfit
from deepfit import object_registration
from deepfit.saving import (
    custom_object_scope,
    deserialize_keras_object,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
    serialize_keras_object,
)

X = np.random.default_rng(0).random((6, 4)).astype("float32")


@pytest.fixture(autouse=True)
def clean_registry():
    """Each test registers into an empty global registry, restored afterwards."""
    saved = (dict(object_registration.GLOBAL_CUSTOM_OBJECTS),
             dict(object_registration.GLOBAL_CUSTOM_NAMES))
    object_registration.GLOBAL_CUSTOM_OBJECTS.clear()
    object_registration.GLOBAL_CUSTOM_NAMES.clear()
    yield
    for live, before in zip((object_registration.GLOBAL_CUSTOM_OBJECTS,
                             object_registration.GLOBAL_CUSTOM_NAMES), saved):
        live.clear()
        live.update(before)


def _scale_class(base):
    class Scale(base.layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return x * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    return Scale


def _model(lib, scale_class):
    return lib.Sequential([lib.Input((4,)), lib.layers.Dense(3), scale_class(3.0),
                           lib.layers.Dense(2)])


def _config_entry(path, class_name):
    with zipfile.ZipFile(path) as archive:
        layers = json.loads(archive.read("config.json"))["config"]["layers"]
    return next(entry for entry in layers if entry["class_name"] == class_name)


def test_a_registered_layer_saves_under_its_name_and_loads_without_custom_objects(tmp_path):
    scale = register_keras_serializable(package="demo")(_scale_class(deepfit))
    assert get_registered_name(scale) == "demo>Scale"
    assert get_registered_object("demo>Scale") is scale
    model = _model(deepfit, scale)
    model.save(tmp_path / "m.keras")
    assert _config_entry(tmp_path / "m.keras", "Scale")["registered_name"] == "demo>Scale"
    loaded = deepfit.saving.load_model(tmp_path / "m.keras")
    assert type(loaded.layers[1]) is scale and loaded.layers[1].factor == 3.0
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0))


def test_unregistered_layers_still_need_custom_objects_or_a_scope(tmp_path):
    scale = _scale_class(deepfit)
    assert get_registered_name(scale) == "Scale"
    _model(deepfit, scale).save(tmp_path / "m.keras")
    with pytest.raises(ValueError, match="Scale"):
        deepfit.saving.load_model(tmp_path / "m.keras")
    with custom_object_scope({"Scale": scale}):
        assert type(deepfit.saving.load_model(tmp_path / "m.keras").layers[1]) is scale
    get_custom_objects()["Scale"] = scale
    assert type(deepfit.saving.load_model(tmp_path / "m.keras").layers[1]) is scale


def test_a_scope_replaces_names_and_restores_them():
    first, second = (lambda x: x), (lambda x: 2 * x)
    with custom_object_scope({"f": first}):
        assert get_registered_object("f") is first
        with custom_object_scope({"g": second}):
            assert get_registered_object("f") is None  # Keras's scope replaces, not stacks
            assert get_registered_object("g") is second
        assert get_registered_object("f") is first
    assert get_registered_object("f") is None
    assert get_registered_object("f", custom_objects={"f": second}) is second


def test_a_registered_function_resolves_in_configs():
    @register_keras_serializable("demo")
    def doubled_relu(x):
        return 2 * deepfit.activations.relu(x)

    layer = deepfit.layers.Dense(2, activation=doubled_relu)
    config = layer.get_config()
    rebuilt = deepfit.layers.Dense.from_config(config)
    assert rebuilt.activation is doubled_relu
    entry = serialize_keras_object(doubled_relu)
    assert entry["config"] == entry["registered_name"] == "demo>doubled_relu"
    assert deserialize_keras_object(entry) is doubled_relu


def test_registering_a_class_without_get_config_is_refused():
    class NoConfig:
        pass

    with pytest.raises(ValueError, match="get_config"):
        register_keras_serializable()(NoConfig)


def test_serialize_keras_object_matches_keras():
    from tests.trainer.keras_process import run_keras

    theirs = run_keras("""
for name, obj in [("l2", keras.regularizers.L2(0.1)), ("relu", keras.activations.relu),
                  ("mse", keras.losses.MeanSquaredError()), ("norm", keras.constraints.MaxNorm(2))]:
    result[name] = json.dumps(keras.saving.serialize_keras_object(obj))
""")
    ours = {"l2": deepfit.regularizers.L2(0.1), "relu": deepfit.activations.relu,
            "mse": deepfit.losses.MeanSquaredError(), "norm": deepfit.constraints.MaxNorm(2)}
    for name, obj in ours.items():
        expected = json.loads(theirs[name])
        got = serialize_keras_object(obj)
        assert {k: got[k] for k in ("class_name", "config")} == {
            k: expected[k] for k in ("class_name", "config")}, name
        assert type(deserialize_keras_object(expected)) is type(obj) or (
            deserialize_keras_object(expected) is obj)


@pytest.mark.parametrize("direction", ["keras_to_deepfit", "deepfit_to_keras"])
def test_registered_layers_cross_between_keras_and_deepfit(tmp_path, direction):
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    ours = register_keras_serializable(package="demo")(_scale_class(deepfit))
    theirs = keras.saving.register_keras_serializable(package="demo")(_scale_class(keras))
    try:
        source, target = ((keras, deepfit), (deepfit, keras))[direction == "deepfit_to_keras"]
        model = _model(source, theirs if source is keras else ours)
        model.save(tmp_path / "m.keras")
        assert _config_entry(tmp_path / "m.keras", "Scale")["registered_name"] == "demo>Scale"
        loaded = target.saving.load_model(tmp_path / "m.keras")
        assert type(loaded.layers[1]) is (ours if target is deepfit else theirs)
        np.testing.assert_allclose(np.asarray(loaded.predict(X, verbose=0)),
                                   np.asarray(model.predict(X, verbose=0)), atol=1e-6)
    finally:
        keras.saving.get_custom_objects().pop("demo>Scale", None)


def test_enable_unsafe_deserialization_lets_load_model_rebuild_lambdas(tmp_path, monkeypatch):
    from deepfit import config

    monkeypatch.setattr(config, "_safe_mode", True)  # restored after the test

    def doubled(t):
        return 2 * t

    model = deepfit.Sequential([deepfit.Input((2,)), deepfit.layers.Lambda(doubled)])
    model.save(tmp_path / "lambda.keras")
    with pytest.raises(ValueError, match="Lambda"):
        deepfit.saving.load_model(tmp_path / "lambda.keras", custom_objects={"doubled": doubled})
    config.enable_unsafe_deserialization()
    loaded = deepfit.saving.load_model(tmp_path / "lambda.keras",
                                       custom_objects={"doubled": doubled})
    np.testing.assert_allclose(loaded.predict(np.ones((1, 2)), verbose=0), [[2.0, 2.0]])
    with pytest.raises(ValueError, match="Lambda"):  # an explicit safe_mode still wins
        deepfit.saving.load_model(tmp_path / "lambda.keras", custom_objects={"doubled": doubled},
                                  safe_mode=True)
