"""Keras 3's `Metric.add_variable`: a metric written for Keras creates its state Variables in
`__init__` and updates them with `assign_add` (the guide "Training & evaluation with the
built-in methods", `CategoricalTruePositives`)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import deepfit
from deepfit import layers, ops
from tests.trainer.keras_process import run_keras

_METRIC = """
class Probe(keras.metrics.Metric):
    def __init__(self, name="probe", **kwargs):
        super().__init__(name=name, **kwargs)
        self.total = self.add_variable(shape=(2,), name="total", initializer="ones")
        self.count = self.add_weight(shape=(), name="count", initializer="zeros")
        self.ids = self.add_variable((3,), keras.initializers.Constant(2.0), dtype="int32",
                                     aggregation="mean", name="ids")

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.total.assign_add(ops.sum(y_pred, axis=0))
        self.count.assign_add(ops.cast(ops.shape(y_pred)[0], "float32"))

    def result(self):
        return ops.sum(self.total) / self.count
"""


def _probe_class():
    namespace = {"keras": deepfit, "ops": ops}
    exec(_METRIC, namespace)
    return namespace["Probe"]


def test_add_variable_state_update_and_reset_match_keras():
    y = np.arange(8, dtype="float32").reshape(4, 2)
    metric = _probe_class()()
    described = [(v.name, v.path, tuple(v.shape), v.trainable, np.asarray(v).tolist())
                 for v in metric.variables]
    metric.update_state(None, y)
    value = float(metric.result())
    metric.reset_state()
    after = [np.asarray(v).tolist() for v in metric.variables]
    expected = run_keras("from keras import ops\nresults = result\n" + _METRIC + """
metric = Probe()
results["described"] = [[v.name, v.path, list(v.shape), v.trainable,
                         np.asarray(v).tolist()] for v in metric.variables]
results["aggregation"] = [v.aggregation for v in metric.variables]
results["dtypes"] = [str(v.dtype) for v in metric.variables]
metric.update_state(None, inputs["y"])
results["value"] = float(metric.result())
metric.reset_state()
results["after"] = [np.asarray(v).tolist() for v in metric.variables]
""", y=y)
    assert [list(d[:2]) + [list(d[2])] + list(d[3:]) for d in described] == expected["described"]
    assert [v.aggregation for v in metric.variables] == expected["aggregation"]
    assert [str(v.dtype).removeprefix("torch.") for v in metric.variables] == expected["dtypes"]
    assert value == pytest.approx(float(expected["value"]))
    assert after == expected["after"]  # reset_state zeroes every variable, as Keras does


def test_a_custom_metric_with_variables_counts_during_fit():
    class CategoricalTruePositives(deepfit.metrics.Metric):
        def __init__(self, name="categorical_true_positives", **kwargs):
            super().__init__(name=name, **kwargs)
            self.true_positives = self.add_variable(shape=(), name="ctp",
                                                    initializer="zeros")

        def update_state(self, y_true, y_pred, sample_weight=None):
            y_pred = ops.reshape(ops.argmax(y_pred, axis=1), (-1, 1))
            values = ops.cast(y_true, "int32") == ops.cast(y_pred, "int32")
            self.true_positives.assign_add(ops.sum(ops.cast(values, "float32")))

        def result(self):
            return self.true_positives

        def reset_state(self):
            self.true_positives.assign(0)

    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 4)).astype("float32")
    y = rng.integers(0, 3, size=(50, 1))
    model = deepfit.Sequential([deepfit.Input((4,)), layers.Dense(3)])
    model.compile(optimizer=deepfit.optimizers.SGD(learning_rate=0.0),
                  loss=deepfit.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=[CategoricalTruePositives()])
    kernel, bias = model.get_weights()
    correct = float(np.sum(np.argmax(x @ kernel + bias, axis=1) == y[:, 0]))
    history = model.fit(x, y, batch_size=16, epochs=2, verbose=0)
    # reset at each epoch start: each epoch counts the 50 samples once
    assert history.history["categorical_true_positives"] == [correct, correct]
    assert model.evaluate(x, y, verbose=0, return_dict=True)[
        "categorical_true_positives"] == correct


def test_add_variable_bad_arguments_fail_clearly():
    class Forgot(deepfit.metrics.Metric):
        def __init__(self):
            self.v = self.add_variable((), "zeros")

    with pytest.raises(RuntimeError, match=r"super\(\).__init__\(\)"):
        Forgot()
    metric = deepfit.metrics.Mean()
    with pytest.raises(ValueError, match="`initializer` is required"):
        metric.add_weight(shape=(2,), name="v")
    with pytest.raises(ValueError, match="`aggregation` must be one of"):
        metric.add_variable((), "zeros", aggregation="max")
    assert len(metric.variables) == 0 or all(isinstance(v, torch.Tensor)
                                             for v in metric.variables)
