"""tf.math.unsorted_segment_sum/mean/max/min/prod/sqrt_n (keras-io's traffic forecasting graph
network aggregates neighbours with them) against TensorFlow: unordered ids, ids over the first
two axes, negative ids dropped, empty segments, integer data; and TensorFlow's errors."""

from __future__ import annotations

import os

import numpy as np
import pytest

import deepfit.compat.tensorflow as tf
from tests.trainer.keras_process import run_keras

PEERS_PYTHON = "/work/main/.venv-peers/bin/python"
NAMES = ["sum", "mean", "max", "min", "prod", "sqrt_n"]

_TF = """
import tensorflow as tf
for name in NAMES:
    fn = getattr(tf.math, "unsorted_segment_" + name)
    result[name] = fn(inputs["data"], inputs["ids"], 5).numpy()
    result[name + "_2d"] = fn(inputs["cube"], inputs["ids2"], 4).numpy()
    if name not in ("mean", "sqrt_n"):  # float data only
        result[name + "_int"] = fn(inputs["ints"], inputs["ids"], 5).numpy()
"""


@pytest.mark.skipif(not os.path.exists(PEERS_PYTHON), reason="needs the peers venv (TF)")
def test_segment_reductions_match_tensorflow():
    rng = np.random.default_rng(0)
    data = {"data": rng.normal(size=(7, 3)).astype("float32"),
            "ids": np.array([3, 0, 3, -1, 1, 0, 3], "int32"),  # segments 2 and 4 empty
            "cube": rng.normal(size=(2, 3, 2)).astype("float32"),
            "ids2": np.array([[0, 2, 0], [-1, 2, 1]], "int64"),
            "ints": rng.integers(-5, 5, size=(7, 2)).astype("int32")}
    expected = run_keras(_TF.replace("NAMES", repr(NAMES)), python=PEERS_PYTHON,
                         backend="tensorflow", **data)
    for name in NAMES:
        fn = getattr(tf.math, "unsorted_segment_" + name)
        for suffix, args in [("", (data["data"], data["ids"], 5)),
                             ("_2d", (data["cube"], data["ids2"], 4)),
                             ("_int", (data["ints"], data["ids"], 5))]:
            if name in ("mean", "sqrt_n") and suffix == "_int":
                continue  # TensorFlow: float data only
            ours = fn(*args).numpy()
            assert ours.dtype == expected[name + suffix].dtype, name + suffix
            np.testing.assert_allclose(ours, expected[name + suffix], rtol=1e-6,
                                       err_msg=name + suffix)


def test_bad_segment_ids_are_refused():
    with pytest.raises(ValueError, match="must be < num_segments = 2"):
        tf.math.unsorted_segment_sum([1.0, 2.0], [0, 2], 2)
    with pytest.raises(ValueError, match="does not prefix data.shape"):
        tf.math.unsorted_segment_sum([[1.0, 2.0]], [0, 1, 0], 2)
