"""The textbook Wide & Deep model as a subclass with two inputs and two outputs (Géron,
"Hands-On Machine Learning", chapter 10, in Keras 3's spelling): the same parameter count,
History and evaluation as real Keras from the same weights, and `.keras`/`.weights.h5` files
that open in Keras and back — predictions, and the optimizer state (one more epoch after
loading gives the same weights) — checked in a separate Keras process."""

from __future__ import annotations

import numpy as np

import deepfit
from tests.keras_process import run_keras

_WIDE_AND_DEEP = '''
class WideAndDeepModel(keras.Model):
    def __init__(self, units=30, activation="relu", **kwargs):
        super().__init__(**kwargs)  # needed to support naming the model
        self.norm_layer_wide = keras.layers.Normalization()
        self.norm_layer_deep = keras.layers.Normalization()
        self.hidden1 = keras.layers.Dense(units, activation=activation)
        self.hidden2 = keras.layers.Dense(units, activation=activation)
        self.main_output = keras.layers.Dense(1)
        self.aux_output = keras.layers.Dense(1)

    def call(self, inputs):
        input_wide, input_deep = inputs
        norm_wide = self.norm_layer_wide(input_wide)
        norm_deep = self.norm_layer_deep(input_deep)
        hidden1 = self.hidden1(norm_deep)
        hidden2 = self.hidden2(hidden1)
        concat = keras.layers.concatenate([norm_wide, hidden2])
        output = self.main_output(concat)
        aux_output = self.aux_output(hidden2)
        return output, aux_output


def make_model(x_wide, x_deep, units=30):
    model = WideAndDeepModel(units, activation="relu", name="my_cool_model")
    model.compile(loss=["mse", "mse"], loss_weights=[0.9, 0.1],
                  optimizer=keras.optimizers.Adam(learning_rate=1e-2),
                  metrics=[["RootMeanSquaredError"], ["RootMeanSquaredError"]])
    model.norm_layer_wide.adapt(x_wide)
    model.norm_layer_deep.adapt(x_deep)
    return model
'''

_KERAS_SIDE = _WIDE_AND_DEEP + '''
xw, xd, y = inputs["xw"], inputs["xd"], inputs["y"]
data = ((xw[:96], xd[:96]), (y[:96], y[:96]))
valid = ((xw[96:], xd[96:]), (y[96:], y[96:]))
custom = {"WideAndDeepModel": WideAndDeepModel}
model = make_model(xw[:96], xd[:96])
model(data[0])
model.set_weights([inputs[f"w{i}"] for i in range(len(model.get_weights()))])
result["count"] = model.count_params()
history = model.fit(*data, batch_size=32, epochs=3, shuffle=False, validation_data=valid,
                    verbose=0).history
result["history"] = {k: [float(v) for v in vs] for k, vs in history.items()}
result["evaluate"] = {k: float(v) for k, v in
                      model.evaluate(*valid, verbose=0, return_dict=True).items()}
result["prediction"] = np.concatenate(model.predict(valid[0], verbose=0), axis=1)
model.save(inputs["folder"].item() + "/theirs.keras")
model.save_weights(inputs["folder"].item() + "/theirs.weights.h5")
model.fit(*data, batch_size=32, epochs=1, shuffle=False, verbose=0)
result["prediction_one_more_epoch"] = np.concatenate(model.predict(valid[0], verbose=0), 1)

ours = keras.models.load_model(inputs["folder"].item() + "/ours.keras", custom_objects=custom)
ours20 = keras.models.load_model(inputs["folder"].item() + "/ours20.keras",
                                 custom_objects=custom)
result["ours20_units"] = ours20.hidden1.units
result["ours20_loaded"] = np.concatenate(ours20.predict(valid[0], verbose=0), axis=1)
result["ours_loaded"] = np.concatenate(ours.predict(valid[0], verbose=0), axis=1)
ours.fit(*data, batch_size=32, epochs=1, shuffle=False, verbose=0)
result["ours_one_more_epoch"] = np.concatenate(ours.predict(valid[0], verbose=0), axis=1)
fresh = WideAndDeepModel(activation="relu")
fresh(data[0])
fresh.load_weights(inputs["folder"].item() + "/ours.weights.h5")
result["ours_weights_loaded"] = np.concatenate(fresh.predict(valid[0], verbose=0), axis=1)
'''


def _namespace():
    namespace = {"keras": deepfit}
    exec(_WIDE_AND_DEEP, namespace)  # the same code as Keras runs, with deepfit as keras
    return namespace


def _data():
    rng = np.random.default_rng(42)
    xw = rng.normal(size=(128, 5)).astype("float32") * [1, 2, 3, 4, 5] + 1
    xd = rng.normal(size=(128, 6)).astype("float32")
    y = (xw[:, :1] * 0.5 + np.sin(xd[:, 1:2] * 2) + 0.1 * xd[:, 2:3] ** 2).astype("float32")
    return xw.astype("float32"), xd, y


def _predict(model, x):
    return np.concatenate([np.asarray(p) for p in model.predict(x, verbose=0)], axis=1)


def test_wide_and_deep_subclass_trains_and_saves_both_ways_with_keras(tmp_path):
    namespace = _namespace()
    xw, xd, y = _data()
    data = ((xw[:96], xd[:96]), (y[:96], y[:96]))
    valid = ((xw[96:], xd[96:]), (y[96:], y[96:]))
    model = namespace["make_model"](xw[:96], xd[:96])
    model(data[0])
    initial = {f"w{i}": w for i, w in enumerate(model.get_weights())}
    history = model.fit(*data, batch_size=32, epochs=3, shuffle=False, validation_data=valid,
                        verbose=0).history
    evaluated = model.evaluate(*valid, verbose=0, return_dict=True)
    prediction = _predict(model, valid[0])
    model.save(tmp_path / "ours.keras")
    model.save_weights(tmp_path / "ours.weights.h5")
    model.fit(*data, batch_size=32, epochs=1, shuffle=False, verbose=0)
    one_more_epoch = _predict(model, valid[0])
    # 20 units, not the default 30: the file's config carries the constructor's arguments.
    model20 = namespace["make_model"](xw[:96], xd[:96], units=20)
    model20(data[0])
    model20.save(tmp_path / "ours20.keras")

    keras = run_keras(_KERAS_SIDE, xw=xw, xd=xd, y=y, folder=np.array(str(tmp_path)),
                      **initial)
    assert model.count_params() == int(keras["count"]) == 5 * 2 + 1 + 6 * 2 + 1 + 6 * 30 + 30 \
        + 30 * 30 + 30 + 35 + 1 + 30 + 1
    assert sorted(history) == sorted(keras["history"].item())
    for key, values in keras["history"].item().items():
        np.testing.assert_allclose(history[key], values, rtol=1e-4, atol=1e-5, err_msg=key)
    assert history["loss"][-1] < 0.5 * history["loss"][0], "it learns"
    assert sorted(evaluated) == sorted(keras["evaluate"].item())
    for key, value in keras["evaluate"].item().items():
        np.testing.assert_allclose(evaluated[key], value, rtol=1e-4, atol=1e-5, err_msg=key)
    # Three epochs of Adam in two libraries: float sums in another order (rtol 1e-4).
    np.testing.assert_allclose(prediction, keras["prediction"], rtol=1e-4, atol=1e-5)

    # deepfit's files in Keras: the architecture (20 units), weights and Adam's state.
    assert int(keras["ours20_units"]) == 20
    np.testing.assert_allclose(keras["ours20_loaded"], _predict(model20, valid[0]), atol=1e-5)
    np.testing.assert_allclose(keras["ours_loaded"], prediction, atol=1e-5)
    np.testing.assert_allclose(keras["ours_weights_loaded"], prediction, atol=1e-5)
    np.testing.assert_allclose(keras["ours_one_more_epoch"], one_more_epoch, rtol=1e-4,
                               atol=1e-5)

    # Keras's files in deepfit.
    custom = {"WideAndDeepModel": namespace["WideAndDeepModel"]}
    theirs = deepfit.models.load_model(tmp_path / "theirs.keras", custom_objects=custom)
    assert theirs.hidden1.units == 30 and theirs.name == "my_cool_model"
    np.testing.assert_allclose(_predict(theirs, valid[0]), keras["prediction"], atol=1e-5)
    theirs.fit(*data, batch_size=32, epochs=1, shuffle=False, verbose=0)
    np.testing.assert_allclose(_predict(theirs, valid[0]), keras["prediction_one_more_epoch"],
                               rtol=1e-4, atol=1e-5)
    fresh = namespace["WideAndDeepModel"](activation="relu")
    fresh(data[0])
    fresh.load_weights(tmp_path / "theirs.weights.h5")
    np.testing.assert_allclose(_predict(fresh, valid[0]), keras["prediction"], atol=1e-5)


def test_the_constructor_arguments_come_back_from_a_deepfit_file(tmp_path):
    namespace = _namespace()
    xw, xd, _ = _data()
    model = namespace["make_model"](xw, xd, units=20)
    model((xw[:4], xd[:4]))
    assert model.get_config() == {"name": "my_cool_model", "units": 20, "activation": "relu",
                                  "trainable": True}
    model.save(tmp_path / "m.keras")
    loaded = deepfit.models.load_model(
        tmp_path / "m.keras", custom_objects={"WideAndDeepModel": namespace["WideAndDeepModel"]})
    assert loaded.hidden1.units == 20
    np.testing.assert_allclose(_predict(loaded, (xw, xd)), _predict(model, (xw, xd)), atol=1e-6)
