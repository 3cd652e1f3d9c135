"""keras.utils.split_dataset: the same splits as Keras (with TensorFlow) for arrays, tuples of
arrays, shuffled with a seed and batched datasets, and Keras's errors for bad sizes."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
import torch

import deepfit
from deepfit.utils import split_dataset

PEERS = "/work/main/.venv-peers/bin/python"
X = np.arange(20, dtype="float32").reshape(10, 2)
Y = np.arange(10)


def _rows(dataset):
    return json.loads(json.dumps([deepfit.tree.map_structure(lambda a: np.asarray(a).tolist(), e)
                                  for e in dataset.as_numpy_iterator()]))


@pytest.mark.skipif(not os.path.exists(PEERS), reason="needs Keras with TensorFlow (bench-peers)")
def test_splits_equal_keras():
    from tests.trainer.keras_process import run_keras

    theirs = run_keras("""
import tensorflow as tf
def rows(ds):
    return json.dumps([tf.nest.map_structure(lambda a: np.asarray(a).tolist(), e)
                       for e in ds.as_numpy_iterator()])
x, y = inputs["x"], inputs["y"]
cases = {
    "array": keras.utils.split_dataset(x, left_size=0.8),
    "tuple_shuffled": keras.utils.split_dataset((x, y), right_size=3, shuffle=True, seed=7),
    "batched": keras.utils.split_dataset(tf.data.Dataset.from_tensor_slices((x, y)).batch(4),
                                         left_size=6),
    "both_sizes": keras.utils.split_dataset(y, left_size=0.3, right_size=0.5),
}
for name, (left, right) in cases.items():
    result[name] = json.dumps([json.loads(rows(left)), json.loads(rows(right))])
""", python=PEERS, backend="tensorflow", x=X, y=Y)
    ours = {
        "array": split_dataset(X, left_size=0.8),
        "tuple_shuffled": split_dataset((X, Y), right_size=3, shuffle=True, seed=7),
        "batched": split_dataset(
            deepfit.data.Dataset.from_tensor_slices((X, Y)).batch(4), left_size=6),
        "both_sizes": split_dataset(Y, left_size=0.3, right_size=0.5),
    }
    for name, (left, right) in ours.items():
        assert [_rows(left), _rows(right)] == json.loads(theirs[name]), name


def test_torch_datasets_split_too():
    data = torch.utils.data.TensorDataset(torch.arange(6.0), torch.arange(6))
    left, right = split_dataset(data, left_size=4)
    assert _rows(left) == [[0.0, 0], [1.0, 1], [2.0, 2], [3.0, 3]]
    assert _rows(right) == [[4.0, 4], [5.0, 5]]


@pytest.mark.parametrize("kwargs,error,message", [
    ({}, ValueError, "At least one|at least one"),
    ({"left_size": 10}, ValueError, "left_size"),
    ({"left_size": 1.5}, ValueError, "left_size"),
    ({"right_size": "3"}, TypeError, "right_size"),
    ({"left_size": 0.6, "right_size": 0.6}, ValueError, "sum"),
    ({"left_size": 0.01}, ValueError, "empty"),
])
def test_bad_sizes_are_refused(kwargs, error, message):
    with pytest.raises(error, match=message):
        split_dataset(Y, **kwargs)


def test_other_inputs_are_refused():
    with pytest.raises(TypeError, match="dataset"):
        split_dataset({"x": X}, left_size=2)
