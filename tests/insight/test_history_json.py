"""History.to_json / History.from_json, and what fit records for them."""

from __future__ import annotations

import json
import math

import pytest

from deepfit.callbacks import History
from tests.insight.conftest import make_history


def test_fit_records_baseline_summary_and_hyperparameters(fitted_history):
    params = fitted_history.hyperparameters
    assert params["optimizer"] == "Adam"
    assert params["learning_rate"] == pytest.approx(0.001)
    assert params["loss"] == "sparse_categorical_crossentropy"
    assert params["metrics"] == ["accuracy"]
    assert (params["epochs"], params["batch_size"], params["steps_per_epoch"]) == (8, 32, 6)
    assert (params["training_samples"], params["validation_samples"]) == (192, 64)
    assert params["parameters"] == 4 * 16 + 16 + 16 * 2 + 2
    assert fitted_history.baseline_kind == "class_frequencies"
    assert 0.6 < fitted_history.baseline <= math.log(2) + 1e-6
    # as Keras prints it once the optimizer is built: its state (Adam: 2 x 114 slots, the
    # iteration counter and the learning rate) counts in the total
    assert "Trainable params: 114 (456.00 B)" in fitted_history.model_summary
    assert "Optimizer params: 230 (920.00 B)" in fitted_history.model_summary
    assert "Total params: 344 (1.34 KB)" in fitted_history.model_summary


def test_round_trip_keeps_everything(fitted_history, tmp_path):
    path = tmp_path / "run.json"
    text = fitted_history.to_json(path)
    assert json.loads(path.read_text()) == json.loads(text)
    for source in (path, str(path), text):
        restored = History.from_json(source)
        assert restored.history == fitted_history.history
        assert restored.epoch == fitted_history.epoch == list(range(8))
        assert restored.baseline == fitted_history.baseline
        assert restored.baseline_kind == fitted_history.baseline_kind
        assert restored.model_summary == fitted_history.model_summary
        assert restored.hyperparameters == fitted_history.hyperparameters
        assert restored.params == fitted_history.params
        assert restored.diagnose() == fitted_history.diagnose()


def test_non_finite_values_survive_as_strict_json():
    history = make_history([1.0, math.inf, math.nan], [2.0, -math.inf, 3.0])
    text = history.to_json()
    data = json.loads(text)                          # strict JSON: no bare NaN/Infinity
    assert data["history"]["loss"] == [1.0, "Infinity", "NaN"]
    restored = History.from_json(text)
    assert restored.history["loss"][1] == math.inf and math.isnan(restored.history["loss"][2])
    assert restored.history["val_loss"][1] == -math.inf
    assert restored.diagnose().verdict == "diverging"


def test_bad_sources_are_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="does not parse"):
        History.from_json("{not json")
    with pytest.raises(ValueError, match="expected an object with a 'history' dict"):
        History.from_json('{"loss": [1]}')
    with pytest.raises(TypeError, match="expected JSON text or a file path, received int"):
        History.from_json(3)
    with pytest.raises(FileNotFoundError):
        History.from_json(str(tmp_path / "missing.json"))
