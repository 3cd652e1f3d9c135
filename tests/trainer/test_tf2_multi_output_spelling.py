"""TF2 Keras's spelling for several outputs: one loss, one `loss_weights` list and a flat metric
list apply to every output (docs/differences.md: Keras 3 refuses it; books written for tf.keras
2, such as the Wide & Deep model, spell it so). The result must equal Keras 3's per-output
spelling — same log keys — and a hand computation."""

from __future__ import annotations

import numpy as np
import pytest

import deepfit as keras


def _two_output_model() -> keras.Model:
    inputs = keras.Input((3,))
    main = keras.layers.Dense(1, name="main")(inputs)
    aux = keras.layers.Dense(1, name="aux")(inputs)
    return keras.Model(inputs, [main, aux])


def _data():
    rng = np.random.default_rng(0)
    return [rng.normal(size=shape).astype("float32") for shape in ((16, 3), (16, 1), (16, 1))]


def test_one_loss_and_flat_metrics_apply_to_every_output():
    x, y_main, y_aux = _data()
    model = _two_output_model()
    model.compile(loss="mse", loss_weights=[0.9, 0.1], optimizer="sgd",
                  metrics=["RootMeanSquaredError"])
    p_main, p_aux = (np.asarray(p) for p in model.predict(x, verbose=0))
    logs = model.evaluate(x, [y_main, y_aux], verbose=0, return_dict=True)

    mse_main, mse_aux = ((p_main - y_main) ** 2).mean(), ((p_aux - y_aux) ** 2).mean()
    # Keras 3's keys for compile(loss=["mse", "mse"], metrics=[["RootMeanSquaredError"]] * 2).
    assert sorted(logs) == ["aux_RootMeanSquaredError", "aux_loss", "loss",
                            "main_RootMeanSquaredError", "main_loss"]
    assert logs["loss"] == pytest.approx(0.9 * mse_main + 0.1 * mse_aux, rel=1e-5)
    assert logs["main_loss"] == pytest.approx(mse_main, rel=1e-5)
    assert logs["aux_loss"] == pytest.approx(mse_aux, rel=1e-5)
    assert logs["main_RootMeanSquaredError"] == pytest.approx(np.sqrt(mse_main), rel=1e-5)
    assert logs["aux_RootMeanSquaredError"] == pytest.approx(np.sqrt(mse_aux), rel=1e-5)


def test_tf2_spelling_trains_exactly_as_the_keras3_spelling():
    x, y_main, y_aux = _data()
    histories = []
    for loss, metrics in (("mse", ["mae"]), (["mse", "mse"], [["mae"], ["mae"]])):
        keras.utils.set_random_seed(3)
        model = _two_output_model()
        model.compile(loss=loss, loss_weights=[0.9, 0.1], optimizer="sgd", metrics=metrics)
        histories.append(model.fit(x, [y_main, y_aux], epochs=3, batch_size=8, shuffle=False,
                                   verbose=0).history)
    assert histories[0] == histories[1]
