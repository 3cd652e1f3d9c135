"""FeatureSpace against real Keras (TensorFlow backend, as Keras's FeatureSpace needs
TensorFlow): the same features adapted on the same batches encode the same numbers, in 'concat'
and 'dict' modes, batches and single samples; plus the graph (get_inputs /
get_encoded_features) inside models, config and errors."""

from __future__ import annotations

import pathlib

import numpy as np
import pytest
import torch

import deepfit
from deepfit import layers
from deepfit.data import Dataset
from deepfit.utils import FeatureSpace
from tests.trainer.keras_process import run_keras

PEERS_PYTHON = pathlib.Path("/work/main/.venv-peers/bin/python")
RNG = np.random.default_rng(3)
N = 40
DATA = {
    "f": RNG.normal(size=N).astype("float32"),
    "resc": RNG.uniform(0, 10, N).astype("float32"),
    "norm": RNG.normal(5, 3, N).astype("float32"),
    "disc": RNG.uniform(0, 100, N).astype("float32"),
    "ic": RNG.integers(0, 5, N),
    "ic0": RNG.integers(1, 4, N),
    "sc": np.array(["red", "green", "blue", "teal"])[RNG.integers(0, 4, N)],
    "sh": np.array(["p", "q", "r", "s", "t"])[RNG.integers(0, 5, N)],
    "ih": RNG.integers(-50, 50, N),
}
SAMPLE = {"f": 0.5, "resc": 3.0, "norm": 4.0, "disc": 42.0, "ic": 9, "ic0": 2, "sc": "blue",
          "sh": "zz", "ih": 7}

# Keras and deepfit build the same space from this code.
MAKE = """
def make(mode, cat_mode="one_hot"):
    return FeatureSpace(
        features={
            "f": "float",
            "resc": FeatureSpace.float_rescaled(scale=2.0, offset=1.0),
            "norm": "float_normalized",
            "disc": FeatureSpace.float_discretized(num_bins=4, output_mode=cat_mode),
            "ic": FeatureSpace.integer_categorical(output_mode=cat_mode),
            "ic0": FeatureSpace.integer_categorical(num_oov_indices=0, output_mode=cat_mode),
            "sc": FeatureSpace.string_categorical(output_mode=cat_mode),
            "sh": FeatureSpace.string_hashed(num_bins=8, output_mode=cat_mode),
            "ih": FeatureSpace.integer_hashed(num_bins=8, output_mode=cat_mode),
        },
        crosses=[("ic", "sc"),
                 FeatureSpace.cross(("ih", "disc"), crossing_dim=8, output_mode=cat_mode)],
        crossing_dim=16, output_mode=mode)
"""
_shared: dict = {"FeatureSpace": FeatureSpace}
exec(MAKE, _shared)  # noqa: S102 - the definition Keras runs too
_make = _shared["make"]

KERAS_CODE = """
import tensorflow as tf
from keras.utils import FeatureSpace
data = {k: inputs[k] for k in inputs if not k.startswith("sample_")}
sample = {k[7:]: inputs[k][0] for k in inputs if k.startswith("sample_")}
""" + MAKE + """
space = make("concat")
space.adapt(tf.data.Dataset.from_tensor_slices(data).batch(8))
result["concat"] = np.asarray(space(data))
result["single"] = np.asarray(space(sample))
ints = make("dict", "int")
ints.adapt(tf.data.Dataset.from_tensor_slices(data).batch(8))
for k, v in ints(data).items():
    result["int_" + k] = np.asarray(v)
result["vocab_sc"] = space.preprocessors["sc"].get_vocabulary()
result["vocab_ic"] = [int(v) for v in space.preprocessors["ic"].get_vocabulary()[1:]]
result["bounds"] = [float(b) for b in space.preprocessors["disc"].bin_boundaries]
"""


@pytest.fixture(scope="module")
def keras_results():
    if not PEERS_PYTHON.exists():
        pytest.skip("the peers' venv (Keras with TensorFlow) is not installed")
    samples = {f"sample_{k}": np.array([v]) for k, v in SAMPLE.items()}
    return run_keras(KERAS_CODE, python=str(PEERS_PYTHON), backend="tensorflow",
                     **DATA, **samples)


def _adapted(mode: str, cat_mode: str = "one_hot") -> FeatureSpace:
    space = _make(mode, cat_mode)
    space.adapt(Dataset.from_tensor_slices(DATA).batch(8), verbose=0)
    return space


def test_adapted_state_equals_keras(keras_results):
    space = _adapted("concat")
    assert space.preprocessors["sc"].get_vocabulary() == keras_results["vocab_sc"]
    assert space.preprocessors["ic"].get_vocabulary()[1:] == keras_results["vocab_ic"]
    np.testing.assert_allclose(space.preprocessors["disc"].bin_boundaries,
                               keras_results["bounds"], rtol=1e-6)


def test_concat_encoding_equals_keras(keras_results):
    space = _adapted("concat")
    out = space(DATA)
    assert out.dtype == torch.float32
    assert tuple(out.shape) == keras_results["concat"].shape == (N, 1 + 1 + 1 + 4 + 6 + 3 + 5
                                                                 + 8 + 8 + 16 + 8)
    np.testing.assert_allclose(out.numpy(), keras_results["concat"], rtol=1e-5, atol=1e-5)
    single = space(SAMPLE)
    assert tuple(single.shape) == keras_results["single"].shape
    np.testing.assert_allclose(single.numpy(), keras_results["single"], rtol=1e-5, atol=1e-5)


def test_dict_of_int_features_equals_keras(keras_results):
    out = _adapted("dict", "int")(DATA)
    names = sorted(DATA) + ["ic_X_sc", "ih_X_disc"]
    assert sorted(out) == sorted(names)
    for key in names:
        np.testing.assert_allclose(out[key].numpy(), keras_results[f"int_{key}"],
                                   rtol=1e-5, atol=1e-5, err_msg=key)


def test_tensor_inputs_and_dataset_map():
    space = _adapted("concat")
    expected = space(DATA).numpy()
    tensors = {k: torch.as_tensor(v) if v.dtype.kind != "U" else v for k, v in DATA.items()}
    np.testing.assert_allclose(space(tensors).numpy(), expected)
    labels = np.arange(N)
    mapped = Dataset.from_tensor_slices((DATA, labels)).batch(16).map(
        lambda x, y: (space(x), y))
    rows = np.concatenate([np.asarray(x) for x, _ in mapped])
    np.testing.assert_allclose(rows, expected)


def test_models_through_the_encoded_features():
    space = _adapted("concat")
    dict_inputs = space.get_inputs()
    encoded = space.get_encoded_features()
    hidden = layers.Dense(4, activation="relu")(encoded)
    predictions = layers.Dense(1, activation="sigmoid")(hidden)
    training_model = deepfit.Model(inputs=encoded, outputs=predictions)
    inference_model = deepfit.Model(inputs=dict_inputs, outputs=predictions)
    encoded_data = space(DATA)
    direct = training_model(encoded_data).detach().numpy()
    raw = inference_model.predict({k: v for k, v in DATA.items()}, verbose=0)
    np.testing.assert_allclose(raw, direct, rtol=1e-5, atol=1e-6)
    labels = (DATA["norm"] > 5).astype("float32")
    training_model.compile(optimizer="adam", loss="binary_crossentropy")
    history = training_model.fit(encoded_data, labels, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    after = inference_model.predict({k: v[:1] for k, v in DATA.items()}, verbose=0)
    np.testing.assert_allclose(after, training_model.predict(encoded_data[:1], verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_config_round_trip():
    space = _make("concat")
    config = space.get_config()
    assert config["crosses"][1]["config"] == {"feature_names": ("ih", "disc"),
                                              "crossing_dim": 8, "output_mode": "one_hot"}
    again = FeatureSpace.from_config(config)
    assert again.features["disc"].preprocessor.num_bins == 4
    assert [c.name for c in again.crosses] == ["ic_X_sc", "ih_X_disc"]
    again.adapt(Dataset.from_tensor_slices(DATA).batch(8), verbose=0)
    np.testing.assert_allclose(again(DATA).numpy(), _adapted("concat")(DATA).numpy(), atol=1e-6)


def test_adapt_on_a_dict_and_unbatched_dataset():
    a = _make("concat")
    a.adapt(DATA, verbose=0)
    b = _make("concat")
    b.adapt(Dataset.from_tensor_slices(DATA).batch(32), verbose=0)
    np.testing.assert_allclose(a(DATA).numpy(), b(DATA).numpy())


def test_errors_as_keras():
    with pytest.raises(ValueError, match="cannot be None or empty"):
        FeatureSpace({})
    with pytest.raises(ValueError, match="Invalid feature type"):
        FeatureSpace({"a": "floaty"})
    with pytest.raises(ValueError, match="output_mode"):
        FeatureSpace({"a": "float"}, output_mode="list")
    with pytest.raises(ValueError, match="Received unknown features"):
        FeatureSpace({"a": "integer_categorical"}, crosses=[("a", "b")])
    space = FeatureSpace({"a": "float_normalized"})
    with pytest.raises(ValueError, match="call `.adapt"):
        space({"a": [1.0]})
    with pytest.raises(ValueError, match="can only be called on a tf.data.Dataset"):
        space.adapt([1.0, 2.0])
    space.adapt({"a": [1.0, 2.0]}, verbose=0)
    with pytest.raises(ValueError, match="can only be called with a dict"):
        space([1.0])
    with pytest.raises(ValueError, match="Cannot concatenate features"):
        FeatureSpace({"a": FeatureSpace.integer_categorical(output_mode="int")}).adapt(
            {"a": [1, 2]}, verbose=0)


def test_a_model_on_the_space_saves_and_loads(tmp_path):
    space = _adapted("concat")
    model = deepfit.Model(space.get_inputs(), layers.Dense(1)(space.get_encoded_features()))
    model.save(tmp_path / "m.keras")
    again = deepfit.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(again.predict(DATA, verbose=0), model.predict(DATA, verbose=0),
                               rtol=1e-6, atol=1e-6)
    with pytest.raises(NotImplementedError, match="save that model instead"):
        space.save(tmp_path / "space.keras")


def test_adapt_is_silent_unless_verbose(capsys):
    _make("concat").adapt(DATA)
    assert capsys.readouterr().out == ""
    _make("concat").adapt(DATA, verbose=1)
    assert "2/2" in capsys.readouterr().out
