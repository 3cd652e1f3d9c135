"""Time-series windows, pad_sequences, Dataset.window and text folders against the outputs real
Keras / TensorFlow gave on the same cases (recorded by keras_sequence_reference.py), and a
forecasting program that trains on the windows."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import deepfit
from deepfit import layers
from deepfit.data import Dataset
from deepfit.utils import pad_sequences, text_dataset_from_directory
from deepfit.utils import timeseries_dataset_from_array as windows_of
from tests.data.sequence_cases import PAD, TIMESERIES, WINDOWS, make_text_folder

with open(os.path.join(os.path.dirname(__file__), "reference",
                       "keras_sequence_reference.json")) as _f:
    REFERENCE = json.load(_f)


def _series(spec):
    n, features = spec["n"], spec["features"]
    data = np.arange(n * max(features, 1), dtype="float32").reshape(n, -1) if features else (
        np.arange(n, dtype="float32"))
    targets = {True: np.arange(n) * 10, "short": np.arange(n // 2) * 10, False: None}.get(
        spec["targets"])
    if spec["targets"] == "shifted":
        targets = data[spec["sequence_length"]:]
        data = data[:-spec["sequence_length"]]
    return data, targets, {k: v for k, v in spec.items() if k not in ("n", "features", "targets")}


@pytest.mark.parametrize("name, spec", TIMESERIES, ids=[c[0] for c in TIMESERIES])
def test_timeseries_windows_match_keras(name, spec):
    data, targets, kwargs = _series(spec)
    dataset = windows_of(data, targets, **kwargs)
    got = [[np.asarray(part).tolist() for part in (b if isinstance(b, tuple) else (b,))]
           for b in dataset]
    assert got == REFERENCE["timeseries"][name]
    assert len(dataset) == len(got)


def test_timeseries_shuffle_keeps_the_windows_and_pairs():
    data, targets = np.arange(60.0), np.arange(60) * 10
    ordered = windows_of(data, targets, sequence_length=5, batch_size=None)
    shuffled = windows_of(data, targets, sequence_length=5, batch_size=8, shuffle=True, seed=3)
    pairs = sorted((tuple(w), int(t)) for xb, yb in shuffled for w, t in zip(xb.tolist(), yb))
    assert pairs == sorted((tuple(w.tolist()), int(t)) for w, t in ordered)
    def first_pass():
        return [yb.tolist() for _, yb in windows_of(data, targets, sequence_length=5,
                                                     batch_size=8, shuffle=True, seed=3)]
    assert first_pass() == first_pass()
    assert [t for batch in first_pass() for t in batch] != sorted(t for t in targets[:56])


@pytest.mark.parametrize("kwargs, message", [
    ({"sequence_stride": 0}, "sequence_stride"), ({"sampling_rate": 100}, "sampling_rate"),
    ({"start_index": 50}, "start_index"), ({"end_index": 60}, "end_index"),
    ({"start_index": 5, "end_index": 3}, "end_index"),
])
def test_timeseries_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        windows_of(np.arange(20), None, sequence_length=3, **kwargs)


def test_forecasting_program_trains_on_windows():
    deepfit.utils.set_random_seed(0)
    steps = np.arange(1200, dtype="float32")
    series = np.stack([np.sin(steps / 8), np.cos(steps / 13)], axis=-1).astype("float32")
    length = 24
    train = windows_of(series[:-length][:900], series[length:][:900, 0], sequence_length=length,
                       batch_size=32, shuffle=True, seed=1)
    val = windows_of(series[900:-length], series[900 + length:, 0], sequence_length=length,
                     batch_size=32)
    assert len(train) == 28 and len(val) == 8  # ceil((900-23)/32), ceil((276-23)/32)
    inputs, _ = next(iter(val))
    assert inputs.shape == (32, length, 2)
    model = deepfit.Sequential([deepfit.Input(shape=(length, 2)), layers.LSTM(16),
                                layers.Dense(1)])
    model.compile(optimizer=deepfit.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    history = model.fit(train, validation_data=val, epochs=6, verbose=0)
    assert set(history.history) == {"loss", "mae", "val_loss", "val_mae"}
    assert history.history["val_mae"][-1] < 0.25 * history.history["val_mae"][0] + 0.02


@pytest.mark.parametrize("name, sequences, kwargs", PAD, ids=[c[0] for c in PAD])
def test_pad_sequences_matches_keras(name, sequences, kwargs):
    padded = pad_sequences(sequences, **kwargs)
    assert padded.tolist() == REFERENCE["pad"][name]["values"]
    assert str(padded.dtype) == REFERENCE["pad"][name]["dtype"]


def test_pad_sequences_bad_input():
    with pytest.raises(ValueError, match="padding"):
        pad_sequences([[1]], padding="middle")
    with pytest.raises(ValueError, match="dtype=object"):
        pad_sequences([["a"]], value="x")
    with pytest.raises(ValueError, match="non-sequence"):
        pad_sequences([1, 2])
    assert pad_sequences([["ab"], ["c", "d"]], dtype=object, value="").tolist() == [
        ["", "ab"], ["c", "d"]]


@pytest.mark.parametrize("name, n, kwargs", WINDOWS, ids=[c[0] for c in WINDOWS])
def test_dataset_window_matches_tensorflow(name, n, kwargs):
    windowed = Dataset.range(n).window(**kwargs)
    assert [w.as_list() for w in windowed] == REFERENCE["windows"][name]["windows"]
    assert windowed.cardinality() == REFERENCE["windows"][name]["cardinality"]


def test_window_flat_map_recipes():
    ds = Dataset.range(8).window(5, shift=1, drop_remainder=True).flat_map(
        lambda w: w.batch(5)).map(lambda w: (w[:-1], w[-1:]))
    got = [(x.tolist(), y.tolist()) for x, y in ds]
    assert got == [([i, i + 1, i + 2, i + 3], [i + 4]) for i in range(4)]
    pairs = Dataset.from_tensor_slices((np.arange(6.0), np.arange(6) * 2)).window(
        3, drop_remainder=True).flat_map(lambda a, b: Dataset.zip((a.batch(3), b.batch(3))))
    assert [(a.tolist(), b.tolist()) for a, b in pairs] == [
        ([0.0, 1.0, 2.0], [0, 2, 4]), ([3.0, 4.0, 5.0], [6, 8, 10])]
    with pytest.raises(TypeError, match="flat_map"):
        list(Dataset.range(3).flat_map(lambda x: x))


def test_sample_and_choose_from_datasets():
    a, b = Dataset.range(0, 50), Dataset.range(100, 150)
    mixed = list(Dataset.sample_from_datasets([a, b], weights=[0.8, 0.2], seed=2))
    assert sorted(int(v) for v in mixed) == list(range(50)) + list(range(100, 150))
    first_half = [int(v) for v in mixed[:40]]
    assert sum(v < 100 for v in first_half) > 24  # mostly the 0.8 dataset while both last
    assert [int(v) for v in mixed if v < 100] == list(range(50))  # each keeps its order
    chosen = Dataset.choose_from_datasets([Dataset.range(3), Dataset.range(10, 12)],
                                          Dataset.from_tensor_slices(np.array([0, 1, 1, 0, 1,
                                                                               0])))
    assert [int(v) for v in chosen] == [0, 10, 11, 1]  # stops when dataset 1 runs out
    with pytest.raises(ValueError, match="weights"):
        Dataset.sample_from_datasets([a, b], weights=[1.0])


def test_text_dataset_from_directory_matches_keras(tmp_path):
    make_text_folder(str(tmp_path))
    for subset in ("training", "validation"):
        ds = text_dataset_from_directory(tmp_path, batch_size=4, validation_split=0.3,
                                         subset=subset, seed=42)
        pairs = sorted([t, int(y)] for x, yb in ds for t, y in zip(x, yb))
        assert pairs == REFERENCE[f"text_{subset}"]["pairs"]
        assert ds.class_names == REFERENCE[f"text_{subset}"]["class_names"]
    ordered = text_dataset_from_directory(tmp_path, batch_size=5, shuffle=False,
                                          label_mode="binary", max_length=12)
    got = [[list(x), y.tolist()] for x, y in ordered]
    assert got == REFERENCE["text_ordered"]
    texts, labels = next(iter(ordered))
    assert texts.dtype == object and labels.dtype == np.float32 and labels.shape == (5, 1)


def test_text_dataset_bad_arguments(tmp_path):
    make_text_folder(str(tmp_path))
    with pytest.raises(ValueError, match="seed"):
        text_dataset_from_directory(tmp_path, validation_split=0.2, subset="training")
    with pytest.raises(ValueError, match="label_mode"):
        text_dataset_from_directory(tmp_path, label_mode="sparse")
    with pytest.raises(ValueError, match="directory"):
        text_dataset_from_directory(tmp_path / "missing")
