"""Trainer semantics compared with real Keras (torch backend, run in its own process): the
History keys and values of several outputs, evaluate's list order, unique metric names,
train_on_batch resetting metrics, the EMA swapped in after fit, class weights of classes
without a key, and a stateful RNN's carried state across fit calls."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import deepfit
from deepfit import layers
from tests.trainer.keras_process import run_keras

KERAS_SNIPPET = """
keras.utils.set_random_seed(0)
x, ya, yb, y3 = inputs["x"], inputs["ya"], inputs["yb"], inputs["y3"]

def two_outputs():
    inp = keras.Input((4,), name="x")
    h = keras.layers.Dense(6, activation="tanh", name="h")(inp)
    a = keras.layers.Dense(1, name="a")(h)
    b = keras.layers.Dense(1, activation="sigmoid", name="b")(h)
    return keras.Model(inp, [a, b])

m = two_outputs()
result["multi_w0"] = m.get_weights()
m.compile(keras.optimizers.SGD(0.1), loss=["mse", "binary_crossentropy"],
          loss_weights=[1.0, 0.5], metrics=[["mae"], ["accuracy"]])
h = m.fit(x, [ya, yb], batch_size=8, epochs=2, shuffle=False, verbose=0,
          validation_split=0.25)
result["multi_history"] = {k: [float(v) for v in vs] for k, vs in h.history.items()}
result["multi_evaluate"] = [float(v) for v in m.evaluate(x, [ya, yb], verbose=0)]

s = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
s.compile("sgd", "binary_crossentropy",
          metrics=[keras.metrics.AUC(), keras.metrics.AUC(curve="PR")],
          weighted_metrics=[keras.metrics.AUC(), "accuracy"])
result["auc_keys"] = sorted(s.fit(x, yb, verbose=0, epochs=1).history)

t = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
result["tob_w0"] = t.get_weights()
t.compile(keras.optimizers.SGD(0.1), "binary_crossentropy", metrics=["accuracy"])
result["tob_first"] = [float(v) for v in t.train_on_batch(x[:8], yb[:8])]
result["tob_second"] = [float(v) for v in t.train_on_batch(x[8:16], yb[8:16])]

e = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu"),
                      keras.layers.Dense(1)])
result["ema_w0"] = e.get_weights()
e.compile(keras.optimizers.Adam(0.05, use_ema=True, ema_momentum=0.8), "mse")
e.fit(x, ya, batch_size=8, epochs=2, shuffle=False, verbose=0)
result["ema_w1"] = e.get_weights()

c = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
result["cw_w0"] = c.get_weights()
c.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
result["cw_loss"] = c.fit(x, y3, batch_size=8, epochs=2, shuffle=False, verbose=0,
                          class_weight={0: 1.0, 1: 5.0}).history["loss"]

seq = inputs["seq"]
r = keras.Sequential([keras.Input((5, 2), batch_size=4),
                      keras.layers.SimpleRNN(3, stateful=True, name="rnn"),
                      keras.layers.Dense(1)])
result["rnn_w0"] = r.get_weights()
r.compile(keras.optimizers.SGD(0.1), "mse")
r.predict(seq[:4], batch_size=4, verbose=0)
rnn = r.get_layer("rnn")
result["rnn_state_before"] = keras.ops.convert_to_numpy(rnn.states[0])
r.fit(seq, ya[:8], batch_size=4, epochs=0, shuffle=False, verbose=0)
result["rnn_state_epochs0"] = keras.ops.convert_to_numpy(rnn.states[0])
result["rnn_loss"] = r.fit(seq, ya[:8], batch_size=4, epochs=1, shuffle=False,
                           verbose=0).history["loss"]
result["rnn_state_after"] = keras.ops.convert_to_numpy(rnn.states[0])
"""


def _arrays():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(32, 4)).astype("float32")
    ya = (x @ np.array([[0.5], [-1.0], [0.3], [0.2]], dtype="float32")).astype("float32")
    yb = (x[:, :1] > 0).astype("float32")
    y3 = np.where(x[:, 0] > 0.5, 2, np.where(x[:, 1] > 0, 1, 0)).astype("int64")
    seq = rng.normal(size=(8, 5, 2)).astype("float32")
    return {"x": x, "ya": ya, "yb": yb, "y3": y3, "seq": seq}


@pytest.fixture(scope="module")
def reference():
    data = _arrays()
    return data, run_keras(KERAS_SNIPPET, **data)


def _close(actual, expected, rtol=1e-4, atol=1e-5, what=""):
    np.testing.assert_allclose(np.asarray(actual, dtype="float64"),
                               np.asarray(expected, dtype="float64"), rtol=rtol, atol=atol,
                               err_msg=what)


def test_multi_output_history_and_evaluate_match_keras(reference):
    data, keras_out = reference
    inp = deepfit.Input((4,), name="x")
    h = layers.Dense(6, activation="tanh", name="h")(inp)
    a = layers.Dense(1, name="a")(h)
    b = layers.Dense(1, activation="sigmoid", name="b")(h)
    model = deepfit.Model(inp, [a, b])
    model.set_weights(list(keras_out["multi_w0"]))
    model.compile(deepfit.optimizers.SGD(0.1), loss=["mse", "binary_crossentropy"],
                  loss_weights=[1.0, 0.5], metrics=[["mae"], ["accuracy"]])
    history = model.fit(data["x"], [data["ya"], data["yb"]], batch_size=8, epochs=2,
                        shuffle=False, verbose=0, validation_split=0.25).history
    expected = keras_out["multi_history"]
    assert sorted(history) == sorted(expected)
    for key in expected:
        _close(history[key], expected[key], what=key)
    loss, a_loss, b_loss, a_mae, b_accuracy = model.evaluate(
        data["x"], [data["ya"], data["yb"]], verbose=0)
    _close([loss, a_loss, b_loss, a_mae, b_accuracy], keras_out["multi_evaluate"])


def test_early_stopping_monitors_an_output_loss(reference):
    data, _ = reference
    inp = deepfit.Input((4,))
    a = layers.Dense(1, name="a")(inp)
    b = layers.Dense(1, activation="sigmoid", name="b")(inp)
    model = deepfit.Model(inp, [a, b])
    model.compile(deepfit.optimizers.SGD(0.0), loss=["mse", "binary_crossentropy"])
    stop = deepfit.callbacks.EarlyStopping(monitor="val_a_loss", patience=1)
    history = model.fit(data["x"], [data["ya"], data["yb"]], epochs=10, verbose=0,
                        validation_split=0.25, callbacks=[stop])
    assert len(history.history["val_a_loss"]) == 2  # lr 0: no improvement after epoch 1


def test_repeated_metric_names_are_made_unique_as_keras(reference):
    data, keras_out = reference
    model = deepfit.Sequential([deepfit.Input((4,)), layers.Dense(1, activation="sigmoid")])
    model.compile("sgd", "binary_crossentropy",
                  metrics=[deepfit.metrics.AUC(), deepfit.metrics.AUC(curve="PR")],
                  weighted_metrics=[deepfit.metrics.AUC(), "accuracy"])
    history = model.fit(data["x"], data["yb"], epochs=1, verbose=0)
    assert sorted(history.history) == keras_out["auc_keys"]


def test_train_on_batch_resets_metrics_before_each_call(reference):
    data, keras_out = reference
    model = deepfit.Sequential([deepfit.Input((4,)), layers.Dense(1, activation="sigmoid")])
    model.set_weights(list(keras_out["tob_w0"]))
    model.compile(deepfit.optimizers.SGD(0.1), "binary_crossentropy", metrics=["accuracy"])
    first = model.train_on_batch(data["x"][:8], data["yb"][:8])
    second = model.train_on_batch(data["x"][8:16], data["yb"][8:16])
    _close(first, keras_out["tob_first"])
    _close(second, keras_out["tob_second"])


def test_ema_weights_are_swapped_in_at_the_end_of_fit(reference):
    data, keras_out = reference
    model = deepfit.Sequential([deepfit.Input((4,)), layers.Dense(3, activation="relu"),
                                layers.Dense(1)])
    model.set_weights(list(keras_out["ema_w0"]))
    model.compile(deepfit.optimizers.Adam(0.05, use_ema=True, ema_momentum=0.8), "mse")
    model.fit(data["x"], data["ya"], batch_size=8, epochs=2, shuffle=False, verbose=0)
    for ours, theirs in zip(model.get_weights(), keras_out["ema_w1"]):
        _close(ours, theirs, rtol=1e-4, atol=1e-5)


def test_classes_without_a_class_weight_key_weigh_one(reference):
    data, keras_out = reference
    model = deepfit.Sequential([deepfit.Input((4,)), layers.Dense(3, activation="softmax")])
    model.set_weights(list(keras_out["cw_w0"]))
    model.compile(deepfit.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    history = model.fit(data["x"], data["y3"], batch_size=8, epochs=2, shuffle=False,
                        verbose=0, class_weight={0: 1.0, 1: 5.0})
    _close(history.history["loss"], keras_out["cw_loss"])


def test_stateful_rnn_state_survives_fit_preparation(reference):
    data, keras_out = reference
    model = deepfit.Sequential([deepfit.Input((5, 2), batch_size=4),
                                layers.SimpleRNN(3, stateful=True, name="rnn"),
                                layers.Dense(1)])
    model.set_weights(list(keras_out["rnn_w0"]))
    model.compile(deepfit.optimizers.SGD(0.1), "mse")
    model.predict(data["seq"][:4], batch_size=4, verbose=0)
    rnn = model.get_layer("rnn")
    _close(rnn.states[0], keras_out["rnn_state_before"])
    model.fit(data["seq"], data["ya"][:8], batch_size=4, epochs=0, shuffle=False, verbose=0)
    _close(rnn.states[0], keras_out["rnn_state_epochs0"])
    history = model.fit(data["seq"], data["ya"][:8], batch_size=4, epochs=1, shuffle=False,
                        verbose=0)
    _close(history.history["loss"], keras_out["rnn_loss"])
    _close(rnn.states[0], keras_out["rnn_state_after"])


def test_fit_restores_the_users_flush_to_zero_setting():
    model = deepfit.Sequential([deepfit.Input((4,)), layers.Dense(1)])
    model.compile("sgd", "mse")
    x, y = np.ones((8, 4), "float32"), np.ones((8, 1), "float32")
    from deepfit.trainer.runtime import flush_denormal_enabled

    for user_setting in (True, False):
        torch.set_flush_denormal(user_setting)
        try:
            model.fit(x, y, epochs=1, verbose=0, checks=False)
            assert flush_denormal_enabled() is user_setting
        finally:
            torch.set_flush_denormal(False)


SUBCLASS_SNIPPET = """
x, ya, yb = inputs["x"], inputs["ya"], inputs["yb"]

class WideAndDeep(keras.Model):
    def __init__(self):
        super().__init__()
        self.a = keras.layers.Dense(1)
        self.b = keras.layers.Dense(1)

    def call(self, inputs):
        return self.a(inputs), self.b(inputs)

m = WideAndDeep()
m(x[:2])
result["w0"] = m.get_weights()
m.compile(keras.optimizers.SGD(0.1), loss=["mse", "mae"], loss_weights=[0.9, 0.1],
          metrics=[["mae"], ["mse"]])
history = m.fit(x, (ya, yb), batch_size=8, epochs=2, shuffle=False, verbose=0).history
result["history"] = {k: [float(v) for v in vs] for k, vs in history.items()}
"""


def test_subclassed_model_with_two_outputs_takes_per_output_compile_arguments():
    data = _arrays()
    keras_out = run_keras(SUBCLASS_SNIPPET, x=data["x"], ya=data["ya"], yb=data["yb"])

    class WideAndDeep(deepfit.Model):
        def __init__(self):
            super().__init__()
            self.a = layers.Dense(1)
            self.b = layers.Dense(1)

        def call(self, inputs):
            return self.a(inputs), self.b(inputs)

    model = WideAndDeep()
    model(torch.from_numpy(data["x"][:2]))
    model.set_weights(list(keras_out["w0"]))
    model.compile(deepfit.optimizers.SGD(0.1), loss=["mse", "mae"], loss_weights=[0.9, 0.1],
                  metrics=[["mae"], ["mse"]])
    history = model.fit(data["x"], (data["ya"], data["yb"]), batch_size=8, epochs=2,
                        shuffle=False, verbose=0).history
    expected = keras_out["history"]
    assert sorted(history) == sorted(expected)
    for key in expected:
        _close(history[key], expected[key], what=key)
