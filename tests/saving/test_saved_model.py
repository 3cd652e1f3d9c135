"""`tf.saved_model.save/load` and `model.export()` in deepfit's folder format: predictions
round-trip exactly; TensorFlow SavedModels and other objects get clear errors."""

import json

import numpy as np
import pytest
import torch

import deepfit
from deepfit import layers
from deepfit.backend import EagerTensor
from deepfit.compat import tensorflow as tf
from deepfit.saving import saved_model


def _trained():
    torch.manual_seed(0)
    model = deepfit.Sequential([layers.Input((4,)), layers.Dense(8, activation="relu"),
                                layers.Dropout(0.5), layers.Dense(3)])
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).random((32, 4)).astype(np.float32)
    model.fit(x, np.ones((32, 3), np.float32), epochs=2, verbose=0)
    return model, x


def test_saved_model_round_trips_predictions_exactly(tmp_path):
    model, x = _trained()
    tf.saved_model.save(model, str(tmp_path / "saved_model" / "my_model"))
    folder = tmp_path / "saved_model" / "my_model"
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted([saved_model.ARCHIVE, saved_model.MARKER])
    info = json.loads((folder / saved_model.MARKER).read_text())
    assert "not a TensorFlow SavedModel" in info["note"]
    loaded = tf.saved_model.load(str(folder))
    out = loaded.signatures["serving_default"](x)
    assert set(out) == {"output_0"} and isinstance(out["output_0"], EagerTensor)
    np.testing.assert_array_equal(out["output_0"].numpy(), model.predict(x, verbose=0))
    assert not hasattr(loaded, "serve") and "deepfit's format" in repr(loaded)
    assert [v.shape for v in loaded.trainable_variables] == [(4, 8), (8,), (8, 3), (3,)]


def test_export_offers_serve_and_prints_its_endpoints(tmp_path, capsys):
    model, x = _trained()
    model.export(str(tmp_path / "exported"))
    assert "Endpoint 'serve'" in capsys.readouterr().out
    loaded = tf.saved_model.load(str(tmp_path / "exported"))
    np.testing.assert_array_equal(loaded.serve(x).numpy(), model.predict(x, verbose=0))
    assert set(loaded.signatures) == {"serve", "serving_default"}
    by_name = loaded.signatures["serving_default"](keras_tensor=x)["output_0"]
    np.testing.assert_array_equal(by_name.numpy(), model.predict(x, verbose=0))


def test_multi_output_signature_names_its_outputs(tmp_path):
    inp = layers.Input((2,))
    model = deepfit.Model(inp, [layers.Dense(1)(inp), layers.Dense(2)(inp)])
    tf.saved_model.save(model, str(tmp_path / "m"))
    x = np.ones((3, 2), np.float32)
    out = tf.saved_model.load(str(tmp_path / "m")).signatures["serving_default"](x)
    expected = model.predict(x, verbose=0)
    assert sorted(out) == ["output_0", "output_1"]
    np.testing.assert_array_equal(out["output_1"].numpy(), expected[1])


def test_tensorflow_savedmodels_and_missing_folders_are_clear_errors(tmp_path):
    (tmp_path / "tf_model").mkdir()
    (tmp_path / "tf_model" / "saved_model.pb").write_bytes(b"\x08\x01")
    with pytest.raises(NotImplementedError, match=r"is a TensorFlow SavedModel \(saved_model\.pb"
                       r"\).*need TensorFlow"):
        tf.saved_model.load(str(tmp_path / "tf_model"))
    with pytest.raises(FileNotFoundError, match="export_dir: no such folder"):
        tf.saved_model.load(str(tmp_path / "nothing"))
    model, _ = _trained()
    with pytest.raises(NotImplementedError, match="signatures other than the model's own call"):
        tf.saved_model.save(model, str(tmp_path / "s"), signatures=lambda x: x)
    assert not (tmp_path / "s").exists()
