"""MLflowLogger and WandbLogger record a real fit: parameters, every epoch's metrics and the
model, read back from a local sqlite MLflow store and from W&B's offline run file."""

from __future__ import annotations

import json
import struct
import sys

import numpy as np
import pytest

import deepfit as keras


def _fit(callbacks, epochs=3):
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(128, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    model = keras.Sequential([keras.layers.Dense(8, activation="relu", input_dim=4),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=epochs, validation_split=0.25, verbose=0,
                        callbacks=callbacks)
    return model, history


@pytest.fixture(scope="module")
def mlflow_uri(tmp_path_factory):
    """One sqlite store for the module: creating its tables takes seconds."""
    pytest.importorskip("mlflow")
    pytest.importorskip("sqlalchemy")
    return f"sqlite:///{tmp_path_factory.mktemp('mlflow') / 'mlflow.db'}"


def test_mlflow_store_holds_params_history_and_model(tmp_path, monkeypatch, mlflow_uri):
    import mlflow

    monkeypatch.chdir(tmp_path)   # the default artifact root is ./mlruns
    uri = mlflow_uri
    logger = keras.callbacks.MLflowLogger(uri, experiment_name="digits", run_name="mlp")
    model, history = _fit([logger])
    client = mlflow.tracking.MlflowClient(uri)
    run = client.get_run(logger.run_id)
    assert run.info.status == "FINISHED" and run.info.run_name == "mlp"
    assert run.data.params["optimizer"] == "Adam"
    assert float(run.data.params["learning_rate"]) == pytest.approx(0.01)
    assert run.data.params["loss"] == "sparse_categorical_crossentropy"
    assert run.data.params["epochs"] == "3"
    for key, values in history.history.items():
        logged = client.get_metric_history(run.info.run_id, key)
        assert [m.step for m in logged] == [0, 1, 2], key
        assert [m.value for m in logged] == pytest.approx(values, rel=1e-6), key
    artifacts = [a.path for a in client.list_artifacts(run.info.run_id)]
    assert "model.keras" in artifacts
    local = client.download_artifacts(run.info.run_id, "model.keras", str(tmp_path))
    restored = keras.saving.load_model(local)
    x = np.ones((2, 4), dtype="float32")
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0),
                               atol=1e-6)


def test_mlflow_logs_into_an_active_run_and_leaves_it_open(tmp_path, monkeypatch, mlflow_uri):
    import mlflow

    monkeypatch.chdir(tmp_path)
    mlflow.set_tracking_uri(mlflow_uri)
    mlflow.set_experiment("active-run")
    with mlflow.start_run() as run:
        logger = keras.callbacks.MLflowLogger(log_model=False)
        _fit([logger], epochs=2)
        assert logger.run_id == run.info.run_id and mlflow.active_run() is not None
    assert mlflow.active_run() is None


def _wandb_records(path):
    """Records of a W&B run file: a 7-byte header, then LevelDB-style log blocks of 32 KiB whose
    records carry a 7-byte header (crc32c, length, type) and a protobuf `Record`."""
    from wandb.proto import wandb_internal_pb2

    data = path.read_bytes()
    assert data[:4] == b":W&B"
    block, position, pending, records = 32768, 7, b"", []
    while position + 7 <= len(data):
        left = block - position % block
        if left < 7:
            position += left
            continue
        length, kind = struct.unpack("<HB", data[position + 4:position + 7])
        chunk = data[position + 7:position + 7 + length]
        position += 7 + length
        if kind == 0 and length == 0:
            continue
        pending = chunk if kind in (1, 2) else pending + chunk
        if kind in (1, 4):
            record = wandb_internal_pb2.Record()
            record.ParseFromString(pending)
            records.append(record)
    return records


def _key(item):
    return item.key or ".".join(item.nested_key)


def test_wandb_offline_run_holds_config_and_history(tmp_path, monkeypatch):
    pytest.importorskip("wandb")
    monkeypatch.setenv("WANDB_SILENT", "true")
    monkeypatch.setenv("WANDB_DIR", str(tmp_path))
    logger = keras.callbacks.WandbLogger(project="deepfit-test", mode="offline", dir=tmp_path)
    _, history = _fit([logger])
    import wandb

    assert wandb.run is None   # the run the callback started is finished
    wandb.teardown()           # the service writes the run file asynchronously: wait for it
    files = list(tmp_path.glob("wandb/offline-run-*/run-*.wandb"))
    assert len(files) == 1
    records = _wandb_records(files[0])
    rows = [{_key(item): json.loads(item.value_json) for item in r.history.item}
            for r in records if r.WhichOneof("record_type") == "history"]
    assert [row["epoch"] for row in rows] == [0, 1, 2]
    for key, values in history.history.items():
        assert [row[key] for row in rows] == pytest.approx(values, rel=1e-6), key
    config = {}
    for record in records:
        if record.WhichOneof("record_type") == "config":
            config.update({_key(item): json.loads(item.value_json)
                           for item in record.config.update})
    assert config["optimizer"] == "Adam" and config["learning_rate"] == pytest.approx(0.01)
    assert config["optimizer_config"]["beta_2"] == pytest.approx(0.999)
    assert config["epochs"] == 3 and config["loss"] == "sparse_categorical_crossentropy"


def test_missing_package_is_named(monkeypatch):
    monkeypatch.setitem(sys.modules, "mlflow", None)
    with pytest.raises(ImportError, match=r"MLflowLogger needs the optional package 'mlflow'"):
        _fit([keras.callbacks.MLflowLogger()], epochs=1)
    monkeypatch.setitem(sys.modules, "wandb", None)
    with pytest.raises(ImportError, match=r"pip install wandb \(or pip install deepfit"):
        _fit([keras.callbacks.WandbLogger(mode="offline")], epochs=1)

