"""'accuracy' on sequence outputs `(batch, steps, classes)` with integer targets
`(batch, steps)`, over several batches: each sample counts the mean over its steps, as in Keras
(the fast metric path once counted every step's match against the number of samples)."""

from __future__ import annotations

import numpy as np

import deepfit
from tests.trainer.keras_process import run_keras

_PROGRAM = """
def evaluate(inputs):
    model = keras.Sequential([keras.Input((7,), dtype="int64"), keras.layers.Embedding(6, 4),
                              keras.layers.Dense(3, activation="softmax")])
    model.set_weights([inputs["embeddings"], inputs["kernel"], np.zeros(3, "float32")])
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(inputs["x"], inputs["y"], batch_size=16, epochs=2, shuffle=False,
                        verbose=0).history
    loss, accuracy = model.evaluate(inputs["x"], inputs["y"], batch_size=16, verbose=0)
    return {"accuracy": np.asarray(history["accuracy"]), "loss": np.asarray(history["loss"]),
            "eval": np.asarray([loss, accuracy])}
"""


def test_sequence_accuracy_matches_keras():
    rng = np.random.default_rng(0)
    data = {"x": rng.integers(1, 6, size=(64, 7)), "y": rng.integers(0, 3, size=(64, 7)),
            "embeddings": rng.normal(size=(6, 4)).astype("float32"),
            "kernel": rng.normal(size=(4, 3)).astype("float32")}
    expected = run_keras(_PROGRAM + "result.update(evaluate(inputs))\n", **data)
    scope = {"keras": deepfit, "np": np}
    exec(_PROGRAM, scope)  # noqa: S102 - the shared program text above
    ours = scope["evaluate"](data)
    assert 0.0 <= ours["eval"][1] <= 1.0
    for key in ("accuracy", "loss", "eval"):
        np.testing.assert_allclose(ours[key], expected[key], rtol=1e-4, atol=1e-5, err_msg=key)
