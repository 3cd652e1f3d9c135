"""The steps of TensorFlow's `structured_data/imbalanced_data` tutorial, run in deepfit and in real
Keras (torch backend, its own process) from the same initial weights on the same batches: the
output bias from `initializers.Constant(array)`, `save_weights`/`load_weights` of the initial
weights, the eleven metrics (confusion counts, precision, recall, ROC and PR AUC), `class_weight`,
`EarlyStopping(monitor='val_prc', mode='max', restore_best_weights=True)`, and an oversampled
stream fed with `steps_per_epoch`.

The tutorial's Dropout(0.5) is left out: its masks come from each library's own random stream,
so it can only agree in distribution, not number by number.

Keras's torch backend shows the validation value for the *training* confusion counts in
History when there is validation data (docs/differences.md); those four keys of the fit with
validation are checked through `evaluate` instead.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np
import pytest

import deepfit
from tests.trainer.keras_process import run_keras

WORKFLOW = """
import os, tempfile
import numpy as np

x, y, xv, yv, order = inputs["x"], inputs["y"], inputs["xv"], inputs["yv"], inputs["order"]
neg, pos = np.bincount(y[:, 0])
total = neg + pos


def floats(values):
    return {key: [float(v) for v in np.ravel(value)] for key, value in values.items()}


def make_model(output_bias=None):
    if output_bias is not None:
        output_bias = keras.initializers.Constant(output_bias)
    model = keras.Sequential([
        keras.Input((x.shape[1],)),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid", bias_initializer=output_bias),
    ])
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-2),
        loss=keras.losses.BinaryCrossentropy(),
        metrics=[
            keras.metrics.BinaryCrossentropy(name="cross entropy"),
            keras.metrics.MeanSquaredError(name="Brier score"),
            keras.metrics.TruePositives(name="tp"),
            keras.metrics.FalsePositives(name="fp"),
            keras.metrics.TrueNegatives(name="tn"),
            keras.metrics.FalseNegatives(name="fn"),
            keras.metrics.BinaryAccuracy(name="accuracy"),
            keras.metrics.Precision(name="precision"),
            keras.metrics.Recall(name="recall"),
            keras.metrics.AUC(name="auc"),
            keras.metrics.AUC(name="prc", curve="PR"),
        ])
    return model


careful = make_model(output_bias=np.log([pos / neg]))
result["bias"] = careful.layers[-1].get_weights()[1]
if "w0_0" in inputs:
    careful.set_weights([inputs[f"w0_{i}"] for i in range(4)])
result["w0"] = careful.get_weights()
result["careful_eval"] = floats(careful.evaluate(x, y, batch_size=64, verbose=0,
                                                 return_dict=True))
initial_weights = os.path.join(tempfile.mkdtemp(), "initial.weights.h5")
careful.save_weights(initial_weights)

weighted = make_model()
weighted.load_weights(initial_weights)
stopper = keras.callbacks.EarlyStopping(monitor="val_prc", mode="max", patience=2,
                                        restore_best_weights=True)
history = weighted.fit(x, y, batch_size=64, epochs=12, validation_data=(xv, yv),
                       class_weight={0: total / 2.0 / neg, 1: total / 2.0 / pos},
                       callbacks=[stopper], shuffle=False, verbose=0)
result["weighted_history"] = floats(history.history)
result["stopping"] = [stopper.stopped_epoch, stopper.best_epoch]
result["weighted_eval"] = floats(weighted.evaluate(xv, yv, batch_size=64, verbose=0,
                                                   return_dict=True))

resampled = make_model()
resampled.load_weights(initial_weights)
resampled.layers[-1].bias.assign([0.0])


def balanced_batches():
    for start in range(0, len(order), 128):
        rows = order[start:start + 128]
        yield x[rows], y[rows].astype("float32")


history = resampled.fit(balanced_batches(), steps_per_epoch=5, epochs=4, verbose=0)
result["resampled_history"] = floats(history.history)
result["resampled_weights"] = resampled.get_weights()
"""

COUNTS = ("tp", "fp", "tn", "fn")


def _data() -> dict[str, np.ndarray]:
    """Credit-card-like data: 29 features, about 5 % positives shifted on five features."""
    rng = np.random.default_rng(13)

    def rows(count: int) -> tuple[np.ndarray, np.ndarray]:
        labels = (rng.random(count) < 0.05).astype("int64")
        features = rng.normal(size=(count, 29)) + 2.5 * labels[:, None] * (np.arange(29) < 5)
        return features.astype("float32"), labels[:, None]

    x, y = rows(640)
    xv, yv = rows(200)
    positives, negatives = np.flatnonzero(y[:, 0]), np.flatnonzero(y[:, 0] == 0)
    draw_positive = rng.random(4 * 5 * 128) < 0.5
    order = np.where(draw_positive, rng.choice(positives, draw_positive.size),
                     rng.choice(negatives, draw_positive.size))
    return {"x": x, "y": y, "xv": xv, "yv": yv, "order": order}


def _run_deepfit(inputs: dict[str, np.ndarray]) -> dict:
    result: dict = {}
    namespace = {"keras": deepfit, "inputs": inputs, "result": result}
    exec(compile(WORKFLOW, "imbalanced_workflow", "exec"), namespace)  # noqa: S102
    return result


@pytest.fixture(scope="module")
def both():
    data = _data()
    expected = run_keras(WORKFLOW, **data)
    weights = {f"w0_{i}": w for i, w in enumerate(expected["w0"])}
    with tempfile.TemporaryDirectory() as folder:
        cwd = os.getcwd()
        os.chdir(folder)
        try:
            actual = _run_deepfit({**data, **weights})
        finally:
            os.chdir(cwd)
    return expected, actual


def _close(actual: dict, expected: dict, skip: tuple[str, ...] = ()) -> None:
    assert sorted(actual) == sorted(expected)
    for key in expected:
        if key in skip:
            continue
        np.testing.assert_allclose(actual[key], expected[key], rtol=1e-4, atol=1e-5,
                                   err_msg=key)


def test_constant_bias_from_an_array(both):
    expected, actual = both
    np.testing.assert_allclose(actual["bias"], expected["bias"], rtol=1e-6)
    np.testing.assert_allclose(actual["bias"], np.log([1 / 19]), atol=0.7)


def test_careful_bias_metrics(both):
    expected, actual = both
    _close(actual["careful_eval"], expected["careful_eval"])


def test_class_weight_and_early_stopping_on_val_prc(both):
    expected, actual = both
    # the case this test is about: stopped early, then the best epoch's weights came back
    assert expected["stopping"][0] > 0 and expected["stopping"][1] < expected["stopping"][0]
    assert actual["stopping"] == expected["stopping"]
    _close(actual["weighted_history"], expected["weighted_history"], skip=COUNTS)
    _close(actual["weighted_eval"], expected["weighted_eval"])


def test_training_counts_of_a_weighted_fit_sum_to_the_samples(both):
    _, actual = both
    history = actual["weighted_history"]
    totals = np.sum([history[key] for key in COUNTS], axis=0)
    np.testing.assert_array_equal(totals, 640)


def test_oversampled_stream_with_steps_per_epoch(both):
    expected, actual = both
    _close(actual["resampled_history"], expected["resampled_history"])
    np.testing.assert_array_equal(
        np.sum([actual["resampled_history"][key] for key in COUNTS], axis=0), 5 * 128)
    for ours, theirs in zip(actual["resampled_weights"], expected["resampled_weights"]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-3, atol=1e-5)
