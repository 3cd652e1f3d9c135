"""Parity helpers for layer tests: one program text run with real Keras and with deepfit as
`keras`, its results compared; a deepfit model saved, loaded in Keras and compared.

Example:
    >>> ours, expected = run_both(PROGRAM, data, ("cases", "train"))
    >>> assert_results_match(ours, expected)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

import deepfit
from tests.trainer.keras_process import run_keras

# Prepended to every program: seeded weights, and a short SGD fit that collects its results.
_FIT = """
def seeded_weights(layer, seed):
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=w.shape) * 0.5).astype("float32") for w in layer.get_weights()]


def fit_and_collect(model, inputs, x, learning_rate, weights=None):
    if weights is None:
        weights = [inputs[f"train_{i}"] for i in range(len(model.get_weights()))]
    model.set_weights(weights)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate), loss="mse")
    history = model.fit(x, inputs["train_y"], batch_size=8, epochs=3, shuffle=False,
                        verbose=0).history
    found = {"train_loss": np.asarray(history["loss"])}
    found.update({f"trained_{i}": w for i, w in enumerate(model.get_weights())})
    return found
"""


def run_both(program: str, data: dict[str, np.ndarray],
             functions: tuple[str, ...] = ("cases", "train")) -> tuple[dict, dict]:
    """Run `program`'s `functions` (each `inputs -> dict of arrays`) on `data`, with deepfit and
    in a Keras process; returns (deepfit's results, Keras's results). The program may call
    `fit_and_collect(model, inputs, x, learning_rate, weights=None)`: 3 epochs of SGD on
    `inputs["train_y"]` from `weights` (default: `inputs["train_0"]`, ...), returning the losses
    and trained weights; and `seeded_weights(layer, seed)`: normal draws shaped as its weights
    (the same on both sides when the weights' order and shapes agree)."""
    program = _FIT + program
    calls = "".join(f"result.update({name}(inputs))\n" for name in functions)
    expected = run_keras(program + calls, **data)
    scope = {"keras": deepfit, "np": np}
    exec(program, scope)  # noqa: S102 - a test's own program text
    ours: dict[str, Any] = {}
    for name in functions:
        ours.update(scope[name](data))
    return ours, expected


def assert_results_match(ours: dict, expected: dict, rtol: float = 1e-5,
                         atol: float = 1e-6) -> None:
    """The same keys; `*_keys` entries (sorted config keys) equal, the rest close."""
    assert sorted(ours) == sorted(expected)
    for key, value in expected.items():
        if key.endswith("_keys"):
            assert list(ours[key]) == list(value), key
        else:
            np.testing.assert_allclose(ours[key], value, rtol=rtol, atol=atol, err_msg=key)


def assert_keras_loads_same(model: deepfit.Model, inputs: Any, path: Path) -> None:
    """Save `model` to `path` (.keras); Keras's loaded copy and deepfit's reloaded copy must
    predict what `model` predicts on `inputs` (an array or a list of arrays)."""
    model.save(path)
    arrays = inputs if isinstance(inputs, list) else [inputs]
    names = {f"x{i}": array for i, array in enumerate(arrays)}
    feed = "[" + ", ".join(f"inputs['{name}']" for name in names) + "]"
    if not isinstance(inputs, list):
        feed = "inputs['x0']"
    expected = run_keras(f"""
model = keras.models.load_model({str(path)!r})
result["y"] = keras.ops.convert_to_numpy(model({feed}))
""", **names)
    np.testing.assert_allclose(model.predict(inputs, verbose=0), expected["y"], rtol=1e-5,
                               atol=1e-6)
    again = deepfit.models.load_model(path)
    np.testing.assert_allclose(again.predict(inputs, verbose=0), expected["y"], rtol=1e-5,
                               atol=1e-6)
