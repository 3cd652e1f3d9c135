"""Keras's legacy HDF5 formats, both ways with real Keras 3 (torch backend, in a separate
process): `model.save("m.h5")` / `load_model("m.h5")`, `ModelCheckpoint("best.h5")`, and
`load_weights("w.h5")` by position, by name and with `skip_mismatch`, for Sequential, Functional
and nested models; predictions agree within 1e-5."""

from __future__ import annotations

import importlib.util
import os
import textwrap

import h5py
import numpy as np
import pytest

import deepfit
from deepfit import layers
from deepfit.saving import FileFormatError, load_model
from tests.keras_fork_server import run_script

pytestmark = pytest.mark.skipif(importlib.util.find_spec("keras") is None,
                                reason="real Keras 3 (the 'parity' extra) is needed")

X = np.random.default_rng(0).random((6, 5)).astype("float32")
Y = np.random.default_rng(1).random((6, 1)).astype("float32")

# The same three architectures in both libraries (names fixed, so by_name can match).
_ARCHITECTURES = """
def sequential(lib):
    L = lib.layers
    return lib.Sequential([lib.Input((5,)), L.Dense(4, activation="relu", name="d1"),
                           L.BatchNormalization(name="bn"), L.Dense(1, name="d2")], name="seq")

def functional(lib):
    L = lib.layers
    x = lib.Input((5,), name="x")
    h = L.Dense(4, activation="tanh", name="a")(x)
    merged = L.Concatenate(name="cat")([h, L.Dense(2, name="b")(x)])
    return lib.Model(x, L.Dense(1, name="out")(merged), name="fun")

def nested(lib):
    L = lib.layers
    inner = lib.Sequential([lib.Input((4,)), L.Dense(3, name="in_d"),
                            L.BatchNormalization(name="in_bn")], name="inner")
    x = lib.Input((5,), name="x")
    y = inner(L.Dense(4, name="a")(x))
    return lib.Model(x, L.Dense(1, name="out")(y), name="outer")
"""
exec(_ARCHITECTURES)  # noqa: S102 - the same text is run in the Keras process
BUILDERS = {"sequential": sequential, "functional": functional, "nested": nested}  # noqa: F821

_KERAS = textwrap.dedent("""
    import os, sys
    os.environ["KERAS_BACKEND"] = "torch"
    import numpy as np, keras
    keras.utils.set_random_seed(3)
    {architectures}
    folder, actions, kind = sys.argv[1], sys.argv[2], sys.argv[3]
    x = np.load(os.path.join(folder, "x.npy")); y = np.load(os.path.join(folder, "y.npy"))
    for action in actions.split("+"):
        if action == "write":
            model = globals()[kind](keras)
            model.compile(optimizer="adam", loss="mse")
            model.fit(x, y, epochs=2, batch_size=3, verbose=0)
            model.save(os.path.join(folder, "keras.h5"))
        elif action == "load_model":
            model = keras.models.load_model(os.path.join(folder, "deepfit.h5"))
            assert model.optimizer is not None and "mean_squared_error" in str(model.loss)
        else:
            model = globals()[kind](keras)
            model.load_weights(os.path.join(folder, "deepfit.h5"))
        np.save(os.path.join(folder, f"keras_{{action}}.npy"), model.predict(x, verbose=0))
""")


def _keras(folder, actions, kind):
    """Run `actions` ('+'-joined) in one Keras process; each one's predictions, in order."""
    np.save(folder / "x.npy", X)
    np.save(folder / "y.npy", Y)
    script = _KERAS.format(architectures=_ARCHITECTURES)
    (folder / "keras_side.py").write_text(script)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DEEPFIT_RUN_HOOK")}
    result = run_script([str(folder / "keras_side.py"), str(folder), actions, kind],
                        {**env, "KERAS_BACKEND": "torch"})
    assert result.returncode == 0, result.stderr[-3000:]
    predictions = [np.load(folder / f"keras_{action}.npy") for action in actions.split("+")]
    return predictions[0] if len(predictions) == 1 else predictions


def _trained(kind):
    model = BUILDERS[kind](deepfit)
    # Keras 3.15 cannot reload an .h5 compiled with loss="mse" (its legacy reader looks for
    # 'keras.metrics.mse'), even one it wrote itself; the long name and Loss objects work.
    loss = deepfit.losses.MeanSquaredError() if kind == "nested" else "mean_squared_error"
    model.compile(optimizer="adam", loss=loss)
    model.fit(X, Y, epochs=2, batch_size=3, verbose=0)
    return model


@pytest.mark.parametrize("kind", ["sequential", "functional", "nested"])
def test_a_keras_h5_model_loads_here(tmp_path, kind):
    expected = _keras(tmp_path, "write", kind)
    model = load_model(tmp_path / "keras.h5")
    np.testing.assert_allclose(model.predict(X, verbose=0), expected, rtol=0, atol=1e-5)
    assert model.optimizer is not None and model.optimizer.get_state()["iterations"] == 4
    same = BUILDERS[kind](deepfit)
    same.load_weights(tmp_path / "keras.h5")
    np.testing.assert_allclose(same.predict(X, verbose=0), expected, rtol=0, atol=1e-5)


@pytest.mark.parametrize("kind", ["sequential", "functional", "nested"])
def test_a_deepfit_h5_model_loads_in_keras(tmp_path, kind):
    model = _trained(kind)
    model.save(tmp_path / "deepfit.h5")
    ours = model.predict(X, verbose=0)
    by_model, by_weights = _keras(tmp_path, "load_model+load_weights", kind)
    np.testing.assert_allclose(by_model, ours, rtol=0, atol=1e-5)
    np.testing.assert_allclose(by_weights, ours, rtol=0, atol=1e-5)
    again = load_model(tmp_path / "deepfit.h5")  # and back here, optimizer state included
    np.testing.assert_allclose(again.predict(X, verbose=0), ours, rtol=0, atol=1e-6)
    assert again.optimizer.get_state()["iterations"] == model.optimizer.get_state()["iterations"]


def test_model_checkpoint_writes_h5_models_and_refuses_h5_weights_only(tmp_path):
    model = _trained("sequential")
    checkpoint = deepfit.callbacks.ModelCheckpoint(str(tmp_path / "best.h5"), monitor="loss",
                                                   save_best_only=True)
    model.fit(X, Y, epochs=2, verbose=0, callbacks=[checkpoint])
    with h5py.File(tmp_path / "best.h5") as h5:
        assert "model_config" in h5.attrs and "model_weights" in h5
    restored = load_model(tmp_path / "best.h5")
    assert restored.count_params() == model.count_params()
    with pytest.raises(ValueError, match=r"must end in `\.weights\.h5`"):
        deepfit.callbacks.ModelCheckpoint(str(tmp_path / "best.h5"), save_weights_only=True)


def test_by_name_and_skip_mismatch(tmp_path):
    model = _trained("functional")
    model.save(tmp_path / "m.h5")
    reordered = deepfit.Sequential([deepfit.Input((5,)), layers.Dense(2, name="b"),
                                    layers.Dense(7, name="unrelated")])
    reordered.load_weights(tmp_path / "m.h5", by_name=True)
    np.testing.assert_array_equal(reordered.get_layer("b").get_weights()[0],
                                  model.get_layer("b").get_weights()[0])
    wrong = deepfit.Sequential([deepfit.Input((5,)), layers.Dense(4, name="a"),
                                layers.Dense(3, name="b")])
    before = [w.copy() for w in wrong.get_weights()]
    with pytest.raises(FileFormatError, match="Shape mismatch") as info:
        wrong.load_weights(tmp_path / "m.h5", by_name=True)
    assert str(tmp_path / "m.h5") in str(info.value)
    assert all(np.array_equal(a, b) for a, b in zip(wrong.get_weights(), before))
    with pytest.warns(UserWarning, match="Skipping loading weights"):
        wrong.load_weights(tmp_path / "m.h5", by_name=True, skip_mismatch=True)
    np.testing.assert_array_equal(wrong.get_layer("a").get_weights()[0],
                                  model.get_layer("a").get_weights()[0])
    with pytest.raises(ValueError, match="by_name"):
        model.load_weights(tmp_path / "x.weights.h5", by_name=True)


def test_export_to_other_formats_says_what_to_use():
    model = _trained("sequential")
    with pytest.raises(NotImplementedError, match=r"format='onnx'.*torch\.onnx\.export"):
        model.export("served", format="onnx")


def test_tf_saved_model_of_non_models_and_tf_lite_say_what_to_use():
    import deepfit.compat.tensorflow as tf

    with pytest.raises(NotImplementedError, match="deepfit saves Keras models only"):
        tf.saved_model.save(None, "served")
    with pytest.raises(NotImplementedError, match="TensorFlow Lite"):
        tf.lite.TFLiteConverter.from_keras_model(None)
