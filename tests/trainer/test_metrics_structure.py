"""`model.metrics` as Keras 3 structures it — the loss tracker, one `CompileMetrics` holding the
compiled metrics, each output's loss tracker, then the metrics kept in the model's and its
layers' attributes — and what follows from it: `metrics_names`, the order of `evaluate()`'s and
`train_on_batch()`'s lists, the History's keys and their order, and a custom `train_step` that
updates `self.metrics` (the Keras guide's). The same program runs on real Keras (torch backend,
in its own process) and on deepfit; every name list must be equal."""

from __future__ import annotations

import numpy as np
import pytest

import deepfit
from tests.trainer.keras_process import run_keras

# `run(keras)` returns JSON-able descriptions; `keras` is real Keras or deepfit.
PROGRAM = '''
def describe(model):
    found = {"metrics": [m.name for m in model.metrics], "names": list(model.metrics_names)}
    inner = [m for m in model.metrics if m.name == "compile_metrics"]
    if inner:
        found["compiled"] = [m.name for m in inner[0].metrics]
    return found


def positions(values, logs):
    """For each value of evaluate()'s list, the keys of the dict holding that value."""
    values = values if isinstance(values, list) else [values]
    return [sorted(k for k, v in logs.items() if abs(float(v) - float(value)) <= 1e-6)
            for value in values]


def evaluated(model, x, y):
    listed = model.evaluate(x, y, verbose=0)
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    return {"keys": list(logs), "order": positions(listed, logs)}


def run(keras):
    # evaluate()'s list is matched to its dict by value, so two metrics that happen to agree
    # (accuracies are multiples of 1/40 here) would blur the order: fixed seeds keep each
    # framework's weights, and so the comparison, the same on every run
    keras.utils.set_random_seed(0)
    found = {}
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 4)).astype("float32")
    y = (x.sum(1, keepdims=True) > 0).astype("float32")
    y2 = rng.normal(size=(40, 2)).astype("float32") * 3.0

    # one output: before compile, after compile, after fit
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    found["single_uncompiled"] = describe(model)
    model.compile("sgd", "binary_crossentropy", metrics=["accuracy", "mae"])
    found["single_compiled"] = describe(model)
    history = model.fit(x, y, epochs=1, verbose=0, validation_split=0.25)
    found["single_fit"] = describe(model)
    found["single_history"] = list(history.history)
    found["single_evaluate"] = evaluated(model, x, y)
    listed = model.train_on_batch(x, y)
    logs = model.train_on_batch(x, y, return_dict=True)
    found["single_train_on_batch"] = {"keys": list(logs), "count": len(listed)}
    model.reset_metrics()
    found["single_reset"] = float(model.metrics[1].metrics[1].result())

    # no metrics given: no CompileMetrics; an empty list: an empty one
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(x, y, verbose=0)
    found["no_metrics"] = describe(model)
    found["no_metrics_evaluate"] = type(model.evaluate(x, y, verbose=0)).__name__
    model.compile("sgd", "mse", metrics=[])
    model.fit(x, y, verbose=0)
    found["empty_metrics"] = describe(model)

    # repeated names, weighted metrics
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile("sgd", "binary_crossentropy",
                  metrics=["binary_accuracy", keras.metrics.BinaryAccuracy(threshold=0.3)],
                  weighted_metrics=[keras.metrics.BinaryAccuracy(threshold=0.7), "mse"])
    history = model.fit(x, y, epochs=1, verbose=0, sample_weight=np.linspace(0.5, 1.5, 40))
    found["repeated_fit"] = describe(model)
    found["repeated_history"] = list(history.history)
    found["repeated_evaluate"] = evaluated(model, x, y)

    # several named outputs (Functional), metrics by name and by position
    inp = keras.Input((4,), name="inp")
    a = keras.layers.Dense(1, activation="sigmoid", name="out_a")(inp)
    b = keras.layers.Dense(2, name="out_b")(inp)
    model = keras.Model(inp, [a, b])
    model.compile("sgd", loss={"out_a": "binary_crossentropy", "out_b": "mse"},
                  metrics={"out_a": ["accuracy"], "out_b": ["mae", "msle"]})
    found["multi_compiled"] = describe(model)
    history = model.fit(x, [y, y2], epochs=1, verbose=0, validation_split=0.25)
    found["multi_fit"] = describe(model)
    found["multi_history"] = list(history.history)
    found["multi_evaluate"] = evaluated(model, x, [y, y2])
    model = keras.Model(inp, [a, b])
    model.compile("sgd", loss=["binary_crossentropy", "mse"], metrics=[["accuracy"], "mae"],
                  loss_weights=[1.0, 0.5])
    model.fit(x, [y, y2], epochs=1, verbose=0)
    found["multi_list_fit"] = describe(model)
    found["multi_list_evaluate"] = evaluated(model, x, [y, y2])
    model = keras.Model(inp, [a, b])
    model.compile("sgd", loss="mse", metrics=["mae", "msle"])
    found["multi_positional_history"] = list(model.fit(x, [y, y2], verbose=0).history)

    # subclassed: a metric attribute; a tuple of outputs; a dict of outputs
    class WithTracker(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)
            self.extra = keras.metrics.Mean(name="extra")

        def call(self, inputs):
            return self.dense(inputs)

    model = WithTracker()
    found["attribute_uncompiled"] = describe(model)
    model.compile("sgd", "mse", metrics=["mae"])
    found["attribute_compiled"] = describe(model)
    history = model.fit(x, y, verbose=0)
    found["attribute_fit"] = describe(model)
    found["attribute_history"] = list(history.history)
    found["attribute_evaluate"] = evaluated(model, x, y)

    class TwoOutputs(keras.Model):
        def __init__(self):
            super().__init__()
            self.first = keras.layers.Dense(1)
            self.second = keras.layers.Dense(2)

        def call(self, inputs):
            return self.first(inputs), self.second(inputs)

    model = TwoOutputs()
    model.compile("sgd", loss=["mse", "mae"], metrics=[["mae"], ["mse"]])
    history = model.fit(x, (y, y2), verbose=0)
    found["tuple_fit"] = describe(model)
    found["tuple_history"] = list(history.history)
    found["tuple_evaluate"] = evaluated(model, x, (y, y2))

    class DictOutputs(keras.Model):
        def __init__(self):
            super().__init__()
            self.first = keras.layers.Dense(1)
            self.second = keras.layers.Dense(2)

        def call(self, inputs):
            return {"b": self.second(inputs), "a": self.first(inputs)}

    model = DictOutputs()
    model.compile("sgd", loss={"a": "mse", "b": "mae"}, metrics={"a": ["mae"], "b": ["mse"]})
    history = model.fit(x, {"a": y, "b": y2}, verbose=0)
    found["dict_fit"] = describe(model)
    found["dict_history"] = list(history.history)

    # a layer keeping a metric: listed by the model that holds the layer
    class Counting(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.inner = keras.layers.Dense(1)
            self.seen = keras.metrics.Sum(name="layer_sum")

        def call(self, inputs):
            return self.inner(inputs)

    inp = keras.Input((4,))
    model = keras.Model(inp, Counting()(inp))
    found["layer_uncompiled"] = describe(model)
    model.compile("sgd", "mse")
    history = model.fit(x, y, verbose=0)
    found["layer_fit"] = describe(model)
    found["layer_history"] = list(history.history)

    # the guide's custom train_step, updating and reading self.metrics
    class Custom(keras.Model):
        def train_step(self, data):
            x, y = data
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    inp = keras.Input((4,))
    model = Custom(inp, keras.layers.Dense(1)(inp))
    model.compile("sgd", "mse", metrics=["mae"])
    history = model.fit(x, y, verbose=0, validation_split=0.25)
    found["custom_history"] = list(history.history)
    found["custom_fit"] = describe(model)
    found["custom_result"] = sorted(model.metrics[1].result())
    return found
'''


@pytest.fixture(scope="module")
def both():
    keras_found = run_keras(PROGRAM + "\nresult.update(run(keras))\n")
    namespace = {"np": np}
    exec(PROGRAM, namespace)
    return keras_found, namespace["run"](deepfit)


CASES = ["single_uncompiled", "single_compiled", "single_fit", "single_history",
         "single_evaluate", "single_train_on_batch", "single_reset", "no_metrics",
         "no_metrics_evaluate", "empty_metrics", "repeated_fit", "repeated_history",
         "multi_compiled", "multi_fit", "multi_history",
         "multi_evaluate", "multi_list_fit", "multi_list_evaluate", "multi_positional_history",
         "attribute_uncompiled",
         "attribute_compiled", "attribute_fit", "attribute_history", "attribute_evaluate",
         "tuple_fit", "tuple_history", "tuple_evaluate", "dict_fit", "dict_history",
         "layer_uncompiled", "layer_fit", "layer_history", "custom_history", "custom_fit",
         "custom_result"]


@pytest.mark.parametrize("case", CASES)
def test_metric_structure_matches_keras(both, case):
    keras_found, ours = both
    expected = keras_found[case]
    expected = expected.item() if isinstance(expected, np.ndarray) else expected
    assert ours[case] == expected


def test_a_flat_list_of_metric_names_applies_to_every_output():
    """Keras 3 refuses a list whose length is not the number of outputs; deepfit applies it to
    every output, as TF2 Keras did (docs/differences.md)."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(16, 4)).astype("float32")
    inp = deepfit.Input((4,))
    model = deepfit.Model(inp, [deepfit.layers.Dense(1, name="out_a")(inp),
                                deepfit.layers.Dense(2, name="out_b")(inp)])
    model.compile("sgd", loss="mse", metrics=["mae"])
    history = model.fit(x, [x[:, :1], x[:, :2]], verbose=0)
    assert list(history.history) == ["loss", "out_a_loss", "out_a_mae", "out_b_loss",
                                     "out_b_mae"]
    assert [m.name for m in model.metrics[1].metrics] == ["mae", "mae"]


def test_evaluate_gives_a_shared_name_once(both):
    """Keras lists the compiled metrics by their own names, so three metrics named
    'binary_accuracy' give the first one's value three times; deepfit gives each value once
    (docs/differences.md)."""
    keras_found, ours = both
    keras_order = keras_found["repeated_evaluate"]["order"]
    assert keras_order == [["loss"], ["binary_accuracy"], ["binary_accuracy"],
                           ["binary_accuracy"], ["mse"], ["binary_accuracy_1"],
                           ["weighted_binary_accuracy"]]
    assert ours["repeated_evaluate"]["order"] == [["loss"], ["binary_accuracy"], ["mse"],
                                                  ["binary_accuracy_1"],
                                                  ["weighted_binary_accuracy"]]
    assert ours["repeated_evaluate"]["keys"] == keras_found["repeated_evaluate"]["keys"]


def test_compile_metrics_has_no_result_before_it_is_built():
    model = deepfit.Sequential([deepfit.Input((4,)), deepfit.layers.Dense(1)])
    model.compile("sgd", "mse", metrics=["mae"])
    compiled = model.metrics[1]
    assert compiled.name == "compile_metrics" and compiled.metrics == []
    with pytest.raises(ValueError, match="compile_metrics"):
        compiled.result()
