"""Every bad input raises a clear error naming the problem, and leaves the weights unchanged."""

from __future__ import annotations

import numpy as np
import pytest

import deepfit
from deepfit import layers


def _classifier(outputs=10, features=8, loss="sparse_categorical_crossentropy"):
    model = deepfit.Sequential([
        layers.Dense(16, activation="relu", input_dim=features),
        layers.Dense(outputs, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    return model


def _data(n=20, features=8, classes=10):
    rng = np.random.default_rng(0)
    return rng.random((n, features), dtype=np.float32), rng.integers(0, classes, n)


def _assert_rejected(model, match, **fit_kwargs):
    before = model.get_weights()
    optimizer_steps = model.optimizer.iterations
    with pytest.raises((ValueError, TypeError, RuntimeError), match=match):
        model.fit(verbose=0, **fit_kwargs)
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)
    assert model.optimizer.iterations == optimizer_steps


def test_length_mismatch():
    x, y = _data()
    _assert_rejected(_classifier(), r"x and y must have the same number of samples.*20.*19",
                     x=x, y=y[:19])


def test_empty_x():
    x, y = _data()
    _assert_rejected(_classifier(), "x is empty", x=x[:0], y=y[:0])


def test_labels_out_of_range_for_sparse_loss():
    x, y = _data()
    y[3] = 12
    _assert_rejected(_classifier(), r"labels must be in \[0, 10\).*from 0 to 12", x=x, y=y)
    y[3] = -1
    _assert_rejected(_classifier(), r"labels must be in \[0, 10\)", x=x, y=y)


def test_one_hot_labels_given_to_sparse_loss():
    x, y = _data()
    one_hot = np.eye(10)[y]
    _assert_rejected(_classifier(), "one-hot.*categorical_crossentropy", x=x, y=one_hot)


def test_integer_labels_given_to_categorical_loss():
    x, y = _data()
    model = _classifier(loss="categorical_crossentropy")
    _assert_rejected(model, "sparse_categorical_crossentropy", x=x, y=y)


def test_feature_count_differs_from_built_input():
    x, y = _data(features=5)
    _assert_rejected(_classifier(features=8), r"layer 'dense.*expected axis -1.*8.*\(20, 5\)|"
                     r"layer 'dense.*expected axis -1.*8", x=x, y=y)


def test_nan_and_inf():
    x, y = _data()
    x[2, 3] = np.nan
    _assert_rejected(_classifier(), "x contains 1 NaN or infinite", x=x, y=y)
    x[2, 3] = np.inf
    _assert_rejected(_classifier(), "x contains 1 NaN or infinite", x=x, y=y)


def test_bad_batch_size_and_validation_split():
    x, y = _data()
    _assert_rejected(_classifier(), "batch_size must be a positive integer, received 0",
                     x=x, y=y, batch_size=0)
    _assert_rejected(_classifier(), "batch_size must be a positive integer, received -3",
                     x=x, y=y, batch_size=-3)
    _assert_rejected(_classifier(), r"validation_split must be a float in \[0, 1\), "
                     "received 1.5", x=x, y=y, validation_split=1.5)
    _assert_rejected(_classifier(), r"validation_split must be a float in \[0, 1\)",
                     x=x, y=y, validation_split=1.0)


def test_unknown_names_list_the_valid_ones():
    model = deepfit.Sequential([layers.Dense(1, input_dim=2)])
    with pytest.raises(ValueError, match="(?i)Unknown optimizer: 'adamm'.*'adam'"):
        model.compile(optimizer="adamm", loss="mse")
    with pytest.raises(ValueError, match="Unknown loss.*'msee'.*'mse'"):
        model.compile(optimizer="adam", loss="msee")
    with pytest.raises(ValueError, match="Unknown metric.*'accuracyy'"):
        model.compile(optimizer="adam", loss="mse", metrics=["accuracyy"])
        model.fit(np.ones((2, 2)), np.ones(2), verbose=0)
    with pytest.raises(ValueError, match="Unknown activation.*'rellu'.*'relu'"):
        layers.Dense(3, activation="rellu")


def test_fit_before_compile():
    model = deepfit.Sequential([layers.Dense(1, input_dim=2)])
    with pytest.raises(RuntimeError, match=r"compile\(\) before fit\(\)"):
        model.fit(np.ones((2, 2)), np.ones(2))
    with pytest.raises(RuntimeError, match=r"compile\(\) before evaluate\(\)"):
        model.evaluate(np.ones((2, 2)), np.ones(2))


def test_rejected_learning_rate_leaves_optimizer_alone():
    x, y = _data()
    model = _classifier()
    _assert_rejected(model, "learning_rate must be a positive number", x=x, y=y,
                     learning_rate=-1.0)
    assert np.isclose(model.optimizer.learning_rate, 0.001)
