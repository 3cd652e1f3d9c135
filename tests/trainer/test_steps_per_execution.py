"""compile(steps_per_execution=N): the batch indices callbacks see, the History, evaluate and
predict — against real Keras (JAX backend: Keras's torch backend refuses N > 1) and against
deepfit's own N=1 run."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

import deepfit as keras
from tests.trainer.keras_process import run_keras

PEERS_PYTHON = os.environ.get("CORPUS_KERAS_PYTHON", "/work/main/.venv-peers/bin/python")

#: (steps_per_execution, steps_per_epoch, epochs): a divisor-free epoch (7 batches), an
#: execution longer than the epoch, steps_per_epoch not a multiple of N (Keras runs whole
#: executions, so the epochs overrun and the data restarts), and N dividing steps_per_epoch.
CASES = [(3, None, 2), (20, None, 2), (3, 5, 3), (2, 4, 3), (1, 7, 2)]


def _data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.random((100, 4)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5], [0.25]], "float32") + 0.1).astype("float32")
    return {"x": x, "y": y}


#: The recording callback, the same source for Keras and for deepfit (`keras` is either).
_RECORD = """
class Record(keras.callbacks.Callback):
    def __init__(self, seen):
        super().__init__()
        self.seen = seen

    def on_train_batch_begin(self, batch, logs=None):
        self.seen.append(["train_begin", batch])

    def on_train_batch_end(self, batch, logs=None):
        self.seen.append(["train_end", batch, float(logs["loss"])])

    def on_test_batch_begin(self, batch, logs=None):
        self.seen.append(["test_begin", batch])

    def on_test_batch_end(self, batch, logs=None):
        self.seen.append(["test_end", batch])

    def on_predict_batch_end(self, batch, logs=None):
        self.seen.append(["predict_end", batch, int(np.asarray(logs["outputs"]).shape[0])])
"""

_KERAS_CODE = _RECORD + """
CASES = {cases!r}
x, y = inputs["x"], inputs["y"]
keras.utils.set_random_seed(0)
first = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu"),
                          keras.layers.Dense(1)])
start = first.get_weights()
result["weights"] = start
for index, (n, steps, epochs) in enumerate(CASES):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu"),
                              keras.layers.Dense(1)])
    model.set_weights(start)
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"],
                  steps_per_execution=n)
    seen = []
    history = model.fit(x, y, batch_size=16, epochs=epochs, steps_per_epoch=steps,
                        validation_data=(x[:40], y[:40]), shuffle=False, verbose=0,
                        callbacks=[Record(seen)])
    result[f"history_{{index}}"] = {{k: [float(v) for v in vs]
                                    for k, vs in history.history.items()}}
    result[f"evaluate_{{index}}"] = [float(v) for v in model.evaluate(
        x, y, batch_size=16, verbose=0, callbacks=[Record(seen)])]
    result[f"predict_{{index}}"] = model.predict(x, batch_size=16, verbose=0,
                                                callbacks=[Record(seen)])
    result[f"seen_{{index}}"] = seen
"""


def _peers_available() -> bool:
    return os.path.exists(PEERS_PYTHON)


def _record(seen: list) -> keras.callbacks.Callback:
    namespace = {"keras": keras, "np": np}
    exec(_RECORD, namespace)  # noqa: S102 - the test's own callback source, shared with Keras
    return namespace["Record"](seen)


def _run_deepfit(weights: list, n: int, steps: int | None, epochs: int,
                 batch_size: int = 16) -> dict:
    data = _data()
    x, y = data["x"], data["y"]
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu"),
                              keras.layers.Dense(1)])
    model.set_weights(weights)
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"],
                  steps_per_execution=n)
    seen: list = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "ran out of data": Keras warns at other moments
        history = model.fit(x, y, batch_size=batch_size, epochs=epochs, steps_per_epoch=steps,
                            validation_data=(x[:40], y[:40]), shuffle=False, verbose=0,
                            callbacks=[_record(seen)])
    evaluated = model.evaluate(x, y, batch_size=batch_size, verbose=0,
                               callbacks=[_record(seen)])
    predicted = model.predict(x, batch_size=batch_size, verbose=0, callbacks=[_record(seen)])
    return {"history": history.history, "evaluate": evaluated, "predict": predicted,
            "seen": seen, "weights": model.get_weights()}


def _indices(seen: list) -> list:
    return [event[:2] + event[3:] if event[0] == "predict_end" else event[:2]
            for event in seen]


@pytest.mark.skipif(not _peers_available(), reason="Keras with JAX (the peers' venv) absent")
def test_callbacks_history_evaluate_predict_equal_keras_jax():
    data = _data()
    found = run_keras(_KERAS_CODE.format(cases=CASES), python=PEERS_PYTHON, backend="jax",
                      **data)
    for index, (n, steps, epochs) in enumerate(CASES):
        ours = _run_deepfit(found["weights"], n, steps, epochs)
        case = f"steps_per_execution={n}, steps_per_epoch={steps}"
        theirs_seen = found[f"seen_{index}"]
        assert _indices(ours["seen"]) == _indices(theirs_seen), case
        train_losses = [e[2] for e in ours["seen"] if e[0] == "train_end"]
        keras_losses = [e[2] for e in theirs_seen if e[0] == "train_end"]
        np.testing.assert_allclose(train_losses, keras_losses, rtol=1e-5, err_msg=case)
        history = found[f"history_{index}"]
        assert sorted(ours["history"]) == sorted(history), case
        for key, values in history.items():
            np.testing.assert_allclose(ours["history"][key], values, rtol=1e-5,
                                       err_msg=f"{case}: {key}")
        np.testing.assert_allclose(ours["evaluate"], found[f"evaluate_{index}"], rtol=1e-5,
                                   err_msg=case)
        np.testing.assert_allclose(ours["predict"], found[f"predict_{index}"], rtol=1e-5,
                                   atol=1e-6, err_msg=case)


def test_dividing_executions_change_only_the_callbacks():
    """N dividing the epoch: History, weights, evaluate and predict bit for bit those of N=1;
    the callbacks see batches N-1, 2N-1, ... with the logs of those steps."""
    keras.utils.set_random_seed(3)
    template = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu"),
                                 keras.layers.Dense(1)])
    start = template.get_weights()
    one = _run_deepfit(start, 1, None, 3, batch_size=25)  # 4 batches an epoch
    two = _run_deepfit(start, 2, None, 3, batch_size=25)
    assert one["history"] == two["history"]
    for a, b in zip(one["weights"], two["weights"]):
        np.testing.assert_array_equal(a, b)
    assert one["evaluate"] == two["evaluate"]
    np.testing.assert_array_equal(one["predict"], two["predict"])
    ends = [e for e in two["seen"] if e[0] == "train_end"]
    assert [e[1] for e in ends] == [1, 3] * 3
    every = {(i // 4, e[1]): e[2] for i, e in enumerate(
        e for e in one["seen"] if e[0] == "train_end")}
    assert [e[2] for e in ends] == [every[(epoch, step)] for epoch in range(3)
                                    for step in (1, 3)]
    predict_ends = [e[1:] for e in two["seen"] if e[0] == "predict_end"]
    assert predict_ends == [[1, 50], [3, 50]]  # each execution's two batches, joined


def test_dataset_of_unknown_length_runs_in_executions():
    data = _data()

    def batches():
        for start in range(0, 100, 20):
            yield data["x"][start:start + 20], data["y"][start:start + 20]

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", steps_per_execution=2)
    seen: list = []
    model.fit(batches(), epochs=1, verbose=0, callbacks=[_record(seen)])
    assert [e[:2] for e in seen] == [["train_begin", 0], ["train_end", 1],
                                     ["train_begin", 2], ["train_end", 3],
                                     ["train_begin", 4], ["train_end", 5]]


def test_steps_per_epoch_equal_to_the_data_restarts_it_each_epoch():
    """Keras restarts data used up exactly by steps_per_epoch; every epoch trains."""
    data = _data()
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    seen: list = []
    history = model.fit(data["x"], data["y"], batch_size=16, steps_per_epoch=7, epochs=3,
                        verbose=0, callbacks=[_record(seen)])
    assert len([e for e in seen if e[0] == "train_end"]) == 21
    assert all(loss > 0 for loss in history.history["loss"])


@pytest.mark.parametrize("value", [0, -2, 1.5, True, "auto", None])
def test_bad_steps_per_execution_is_refused_before_compiling(value):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="steps_per_execution"):
        model.compile(optimizer="sgd", loss="mse", steps_per_execution=value)
    assert not model.compiled
