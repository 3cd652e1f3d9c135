"""Shared fixtures: a fixed seed for every test and small generated datasets."""

from __future__ import annotations

import numpy as np
import pytest

import deepfit


@pytest.fixture(autouse=True)
def _seed_everything():
    deepfit.utils.set_random_seed(1234)
    deepfit.config.set_device("cpu")
    yield
    deepfit.config.set_device(None)


@pytest.fixture(scope="session")
def digits_data():
    """scikit-learn's 8x8 digits scaled to [0, 1]: ((x_train, y_train), (x_test, y_test))."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x = (bunch.data / 16.0).astype("float32")
    y = bunch.target.astype("int64")
    order = np.random.default_rng(0).permutation(len(x))
    x, y = x[order], y[order]
    split = int(len(x) * 0.8)
    return (x[:split], y[:split]), (x[split:], y[split:])
