"""NaN and infinity in the data given to `evaluate`/`test_on_batch`: the results are what Keras
gives (NaN where the loss or a metric sees a NaN; finite where Keras's are), from arrays and
from datasets — nothing is refused, since nothing trains. `fit` still refuses them before
the first step (docs/differences.md; tests/trainer/test_bad_input.py)."""

from __future__ import annotations

import numpy as np
import pytest

import deepfit
from deepfit import layers
from tests.keras_process import run_keras

_CASES = ("x_nan", "y_nan", "x_inf")

_KERAS = """
model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="tanh"), layers.Dense(1)])
model.set_weights([inputs[f"w{i}"] for i in range(4)])
model.compile("sgd", "mse", metrics=["mae", "mse"])
for case in ("x_nan", "y_nan", "x_inf"):
    x, y = inputs[case + "_x"], inputs[case + "_y"]
    results[case] = np.array(model.evaluate(x, y, batch_size=8, verbose=0))
    results[case + "_batch"] = np.array(model.test_on_batch(x[:8], y[:8]))
"""


def _data():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = x[:, :1] - x[:, 1:2]
    cases = {}
    for case in _CASES:
        cx, cy = x.copy(), y.copy()
        if case == "x_nan":
            cx[5, 2] = np.nan
        elif case == "y_nan":
            cy[20, 0] = np.nan
        else:
            cx[3, 0] = np.inf
        cases[case] = (cx, cy)
    return cases


def _model():
    deepfit.utils.set_random_seed(3)
    model = deepfit.Sequential([deepfit.Input((4,)), layers.Dense(3, activation="tanh"),
                                layers.Dense(1)])
    model.compile("sgd", "mse", metrics=["mae", "mse"])
    return model


def test_evaluate_gives_keras_results_for_nan_and_inf_data():
    cases = _data()
    model = _model()
    weights = {f"w{i}": w for i, w in enumerate(model.get_weights())}
    arrays = {f"{c}_{part}": a for c, (x, y) in cases.items() for part, a in zip("xy", (x, y))}
    keras = run_keras(_KERAS, **arrays, **weights)
    for case, (x, y) in cases.items():
        ours = model.evaluate(x, y, batch_size=8, verbose=0)
        np.testing.assert_allclose(ours, keras[case], rtol=1e-5, equal_nan=True, err_msg=case)
        batch = model.test_on_batch(x[:8], y[:8])
        np.testing.assert_allclose(batch, keras[case + "_batch"], rtol=1e-5, equal_nan=True,
                                   err_msg=case)
    assert np.isnan(keras["x_nan"]).all() and np.isfinite(keras["x_inf"][1])
    for old, new in zip(weights.values(), model.get_weights()):
        np.testing.assert_array_equal(old, new)


@pytest.mark.parametrize("source", ["dataset", "generator"])
def test_evaluate_of_a_dataset_with_nan_gives_nan_not_an_error(source):
    x, y = _data()["x_nan"]
    model = _model()
    expected = model.evaluate(x, y, batch_size=8, verbose=0)
    if source == "dataset":
        data = deepfit.data.Dataset.from_tensor_slices((x, y)).batch(8)
    else:
        data = ((x[i:i + 8], y[i:i + 8]) for i in range(0, 32, 8))
    np.testing.assert_allclose(model.evaluate(data, verbose=0), expected, rtol=1e-6,
                               equal_nan=True)
    assert np.isnan(expected[0])


def test_fit_still_refuses_nan_before_any_step_and_sample_weights_are_still_checked():
    x, y = _data()["x_nan"]
    model = _model()
    before = model.get_weights()
    with pytest.raises(ValueError, match="x contains 1 NaN or infinite"):
        model.fit(x, y, verbose=0)
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)
    clean_x, clean_y = _data()["y_nan"][0], _data()["x_nan"][1]
    weights = np.ones(32, "float32")
    weights[1] = np.nan
    with pytest.raises(ValueError, match="sample_weight contains 1 NaN"):
        model.evaluate(clean_x, clean_y, sample_weight=weights, verbose=0)
