"""Bad data in every path (arrays, tensors, Datasets, generators, DataLoaders) is refused with an
error naming the argument, before anything changes: each test trains one step first, then
compares every weight and every optimizer variable bit for bit around the rejected call.
Dtypes Keras accepts are cast as Keras casts them; predict keeps Keras's NaN rows."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import deepfit
from deepfit import layers


def _model(outputs=3, features=4, loss="sparse_categorical_crossentropy"):
    deepfit.utils.set_random_seed(0)
    model = deepfit.Sequential([deepfit.Input((features,)), layers.Dense(5, activation="relu"),
                                layers.Dense(outputs, activation="softmax")])
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    return model


def _data(n=32, features=4, classes=3):
    rng = np.random.default_rng(0)
    return rng.random((n, features), dtype=np.float32), rng.integers(0, classes, n)


def _trained():
    model = _model()
    x, y = _data()
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    return model


def _state(model):
    weights = [np.array(w, copy=True) for w in model.get_weights()]
    variables = [v.detach().clone() for v in model.optimizer.variables]
    return weights, variables, model.optimizer.iterations


def _assert_unchanged(model, before):
    weights, variables, steps = before
    for old, new in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(old, new)
    now = model.optimizer.variables
    assert len(now) == len(variables)
    for old, new in zip(variables, now):
        assert torch.equal(old, new)
    assert model.optimizer.iterations == steps


def _rejected(call, error, match, model=None):
    model = model or _trained()
    before = _state(model)
    with pytest.raises(error, match=match):
        call(model)
    _assert_unchanged(model, before)


X, Y = _data()


# ------------------------------------------------------------------------ validation data


@pytest.mark.parametrize("arity", [1, 4])
def test_validation_data_of_the_wrong_arity(arity):
    data = (X, Y, np.ones(32), np.ones(32))[:arity]
    _rejected(lambda m: m.fit(X, Y, validation_data=data, verbose=0), ValueError,
              rf"validation_data must be \(x_val, y_val\).*{arity} element")


def test_validation_data_with_another_feature_count():
    _rejected(lambda m: m.fit(X, Y, validation_data=(X[:, :3], Y), verbose=0), ValueError,
              r"validation_data: x has samples of shape \(3,\) but the model expects \(4,\)")


def test_validation_labels_out_of_range_before_the_first_step():
    _rejected(lambda m: m.fit(X, Y, validation_data=(X, Y + 5), verbose=0), ValueError,
              r"\(validation_data\): labels must be in \[0, 3\).*from 5 to 7")


def test_validation_dataset_labels_are_checked():
    val = deepfit.data.Dataset.from_tensor_slices((X, Y + 7)).batch(8)
    _rejected(lambda m: m.fit(X, Y, validation_data=val, verbose=0), ValueError,
              r"\(validation_data\): labels must be in \[0, 3\)")


def test_validation_data_with_nan():
    _rejected(lambda m: m.fit(X, Y, validation_data=(X * np.nan, Y), verbose=0), ValueError,
              "validation_data x contains 128 NaN")


def test_validation_sample_weight_with_nan():
    weights = np.full(32, np.nan)
    _rejected(lambda m: m.fit(X, Y, validation_data=(X, Y, weights), verbose=0), ValueError,
              "validation_data sample_weight contains 32 NaN")


# ------------------------------------------------------------------------ iterables


def _generator(labels_offset=0, nan_first=False):
    for i in range(4):
        x = X[i * 8:(i + 1) * 8] * (np.nan if nan_first and i == 0 else 1.0)
        yield x, Y[i * 8:(i + 1) * 8] + labels_offset


def test_generator_first_batch_labels():
    _rejected(lambda m: m.fit(_generator(7), verbose=0), ValueError,
              r"labels must be in \[0, 3\).*from 7 to 9")


def test_generator_first_batch_nan():
    _rejected(lambda m: m.fit(_generator(nan_first=True), verbose=0), ValueError,
              "x contains 32 NaN")


def test_dataloader_first_batch_sample_weight_nan():
    dataset = torch.utils.data.TensorDataset(torch.tensor(X), torch.tensor(Y),
                                             torch.full((32,), float("nan")))
    loader = torch.utils.data.DataLoader(dataset, batch_size=8)
    _rejected(lambda m: m.fit(loader, verbose=0), ValueError, "sample_weight contains 8 NaN")


def test_dataset_of_complex_inputs():
    dataset = deepfit.data.Dataset.from_tensor_slices((X.astype("complex64"), Y)).batch(8)
    _rejected(lambda m: m.fit(dataset, verbose=0), TypeError, "x: complex data")


# ------------------------------------------------------------------------ weights


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_sample_weight_not_finite(value):
    weights = np.ones(32)
    weights[3] = value
    _rejected(lambda m: m.fit(X, Y, sample_weight=weights, verbose=0), ValueError,
              "sample_weight contains 1 NaN or infinite")


def test_sample_weight_of_two_dimensions():
    _rejected(lambda m: m.fit(X, Y, sample_weight=np.ones((32, 2)), verbose=0), ValueError,
              r"sample_weight must be 1-D.*expected shape \(32,\), received shape \(32, 2\)")


@pytest.mark.parametrize("class_weight, error, match", [
    ({0: np.nan, 1: 1.0}, ValueError, r"class_weight\[0\] must be a finite number"),
    ({0: 1.0, 1: np.inf}, ValueError, r"class_weight\[1\] must be a finite number"),
    ([1.0, 2.0, 3.0], TypeError, r"class_weight must be a dict.*list.*dict\(enumerate"),
    ({"a": 1.0}, ValueError, "class_weight keys must be class indices.*'a'"),
    ({-1: 1.0}, ValueError, "class_weight keys must be class indices.*-1"),
    ({1.5: 1.0}, ValueError, "class_weight keys must be class indices.*1.5"),
])
def test_bad_class_weight(class_weight, error, match):
    _rejected(lambda m: m.fit(X, Y, class_weight=class_weight, verbose=0), error, match)


def test_class_weight_with_numpy_integer_keys_is_accepted():
    model = _model()
    model.fit(X, Y, class_weight={np.int64(0): 1.0, np.int32(1): 2.0, 2: 1.0}, verbose=0)


# ------------------------------------------------------------------------ dtypes


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_complex_inputs_are_refused(dtype):
    _rejected(lambda m: m.fit(X.astype(dtype), Y, verbose=0), TypeError,
              r"x: complex data \(dtype complex")


def test_complex_targets_are_refused():
    _rejected(lambda m: m.fit(X, Y.astype("complex64"), verbose=0), TypeError, "y: complex data")


def test_complex_tensor_is_refused():
    _rejected(lambda m: m.fit(torch.tensor(X).to(torch.complex64), Y, verbose=0), TypeError,
              "x: complex data")


def test_objects_are_refused():
    _rejected(lambda m: m.fit(X.astype(object), Y, verbose=0), TypeError,
              r"x: cannot use data of dtype object \(object, shape \(32, 4\)\)")


@pytest.mark.parametrize("method", ["fit", "predict"])
def test_strings_for_a_numeric_model_are_refused(method):
    def call(model):
        if method == "fit":
            return model.fit(X.astype(str), Y, verbose=0)
        return model.predict(X.astype(str), verbose=0)
    _rejected(call, TypeError, r"x: received strings \(shape \(32, 4\)\) but the model's "
              r"input takes numbers")


def test_strings_in_a_second_input_name_it():
    a, b = deepfit.Input((4,)), deepfit.Input((2,))
    model = deepfit.Model([a, b], layers.Dense(1)(layers.Concatenate()([a, b])))
    model.compile("sgd", "mse")
    model.predict([X, X[:, :2]], verbose=0)
    _rejected(lambda m: m.fit([X, X[:, :2].astype(str)], X[:, 0], verbose=0), TypeError,
              r"x\[1\]: received strings", model=model)


def _losses_for(x):
    model = _model()
    return model.fit(x, Y, epochs=2, batch_size=16, shuffle=False, verbose=0).history["loss"]


@pytest.mark.parametrize("dtype", ["float16", "float64"])
def test_float_dtypes_train_as_their_float32_cast(dtype):
    # Keras casts floating inputs to the layer's compute dtype (float32).
    cast = X.astype(dtype)
    np.testing.assert_allclose(_losses_for(cast), _losses_for(cast.astype("float32")), rtol=1e-6)


def test_bfloat16_tensor_trains_as_its_float32_cast():
    cast = torch.tensor(X).bfloat16()
    np.testing.assert_allclose(_losses_for(cast), _losses_for(cast.float()), rtol=1e-6)


@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8", "bool"])
def test_integer_and_bool_inputs_are_accepted(dtype):
    values = (X * 3).astype(dtype)
    np.testing.assert_allclose(_losses_for(values), _losses_for(values.astype("float32")),
                               rtol=1e-6)


# ------------------------------------------------------------------------ arguments


@pytest.mark.parametrize("verbose", [5, -1, "loud", None, 1.5])
def test_bad_verbose_in_fit(verbose):
    _rejected(lambda m: m.fit(X, Y, verbose=verbose), ValueError,
              "verbose must be 'auto', 0 .*, 1 .* or 2")


@pytest.mark.parametrize("method", ["evaluate", "predict"])
def test_bad_verbose_in_evaluate_and_predict(method):
    def call(model):
        if method == "evaluate":
            return model.evaluate(X, Y, verbose="x")
        return model.predict(X, verbose=3)
    _rejected(call, ValueError, "verbose must be")


@pytest.mark.parametrize("verbose", ["auto", 0, 1, 2, True, False])
def test_valid_verbose_values(verbose, capsys):
    _trained().fit(X, Y, epochs=1, verbose=verbose)


def _two_outputs(**compile_kwargs):
    inputs = deepfit.Input((4,))
    model = deepfit.Model(inputs, [layers.Dense(2, name="a")(inputs),
                                   layers.Dense(1, name="b")(inputs)])
    model.compile("adam", {"a": "mse", "b": "mse"}, **compile_kwargs)
    return model


def test_misspelled_y_key_is_an_error():
    model = _two_outputs()
    model.fit(X, {"a": np.ones((32, 2)), "b": np.ones((32, 1))}, verbose=0)
    _rejected(lambda m: m.fit(X, {"a": np.ones((32, 2)), "bb": np.ones((32, 1))}, verbose=0),
              ValueError, r"y: key\(s\) \['bb'\] name no output of the model; its outputs are "
              r"\['a', 'b'\]", model=model)


@pytest.mark.parametrize("loss_weights", ["x", {"a": "1"}, ["1", 2.0],
                                          {"a": float("nan")}, [True, 1.0]])
def test_loss_weights_of_the_wrong_kind(loss_weights):
    with pytest.raises(ValueError, match="loss_weights must hold one finite number per output"):
        _two_outputs(loss_weights=loss_weights).fit(
            X, {"a": np.ones((32, 2)), "b": np.ones((32, 1))}, verbose=0)


# ------------------------------------------------------------------------ predict


def test_predict_with_nan_rows_returns_nan_rows_like_keras():
    model = _trained()
    x = X.copy()
    x[3, 1] = np.nan
    out = model.predict(x, verbose=0)
    assert np.isnan(out[3]).all()
    assert np.isfinite(np.delete(out, 3, axis=0)).all()
    np.testing.assert_allclose(np.delete(out, 3, axis=0), model.predict(np.delete(x, 3, axis=0),
                                                                        verbose=0), rtol=1e-6)


# ------------------------------------------------------------------------ later batches


def _late(nan=False, labels=False):
    for i in range(4):
        x = X[i * 8:(i + 1) * 8] * (np.nan if nan and i == 2 else 1.0)
        yield x, Y[i * 8:(i + 1) * 8] + (5 if labels and i == 2 else 0)


def test_generator_nan_in_a_later_batch_stops_before_training_on_it():
    model = _model()
    with pytest.raises(ValueError, match=r"x of batch 2 \(counted from 0\) contains NaN"):
        model.fit(_late(nan=True), verbose=0)
    assert model.optimizer.iterations == 2
    assert all(np.isfinite(w).all() for w in model.get_weights())


def test_generator_labels_out_of_range_in_a_later_batch():
    model = _model()
    with pytest.raises(ValueError, match=r"sparse labels of batch 2 .* outside \[0, 3\)"):
        model.fit(_late(labels=True), verbose=0)
    assert model.optimizer.iterations == 2


def test_monitor_on_an_accelerator_reads_its_flags_every_few_batches():
    from deepfit.trainer.batch_checks import BatchMonitor

    monitor = BatchMonitor(sparse_classes=3, every=4)
    meta = torch.device("meta")  # not the CPU: flags accumulate instead of being read
    flags = []
    monitor._add = lambda label, flag: flags.append((label, flag.device))
    monitor.flush = lambda step=None: flags.append(("flush", step))
    for step in range(1, 5):
        monitor.observe(step, torch.zeros(2, 3, device=meta), None, None)
    assert [f for f in flags if f[0] == "flush"] == [("flush", 4)]
    assert all(device == meta for label, device in flags if label != "flush")


def test_a_dict_of_inputs_is_checked_by_name_not_by_position():
    # The TF tutorial "Classify structured data using Keras preprocessing layers" predicts on
    # a dict whose keys come in another order than the model's inputs.
    inputs = {"fee": deepfit.Input((1,), name="fee"),
              "kind": deepfit.Input((1,), name="kind", dtype="string")}
    lookup = layers.StringLookup(vocabulary=["cat", "dog"], output_mode="one_hot")
    model = deepfit.Model(inputs, layers.Dense(1)(
        layers.Concatenate()([inputs["fee"], lookup(inputs["kind"])])))
    model.compile("sgd", "mse")
    ordered = {"fee": np.array([[1.0], [2.0]]), "kind": np.array([["cat"], ["dog"]])}
    swapped = {"kind": ordered["kind"], "fee": ordered["fee"]}
    np.testing.assert_allclose(model.predict(swapped, verbose=0),
                               model.predict(ordered, verbose=0))
    wrong = {"kind": ordered["kind"], "fee": np.array([["a"], ["b"]])}
    _rejected(lambda m: m.predict(wrong, verbose=0), TypeError, r"x\[1\]: received strings",
              model=model)
