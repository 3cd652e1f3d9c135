"""find_batch_size: the suggestion fits the budget with its margin, doubling it would not, and
the model is left exactly as it was."""

import numpy as np
import pytest
import torch

import deepfit as keras


def _model_and_data(rows=2048):
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.random((rows, 128), dtype=np.float32)
    y = rng.integers(0, 10, rows)
    model = keras.Sequential([keras.layers.Dense(256, activation="relu", input_dim=128),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    return model, x, y


def test_suggestion_fits_the_budget_and_its_double_does_not():
    model, x, y = _model_and_data()
    budget = 6 << 20
    result = model.find_batch_size(x, y, memory_budget=budget)
    assert result.limited_by == "memory" and result.budget_bytes == int(0.8 * budget)
    size = result.batch_size
    assert size & (size - 1) == 0 and 64 < size < 2048
    needed = dict(result.measurements)
    base = needed[64] - result.bytes_per_sample * 64
    assert result.fixed_bytes + needed.get(size, base + result.bytes_per_sample * size) \
        <= result.budget_bytes
    assert result.fixed_bytes + base + result.bytes_per_sample * 2 * size > result.budget_bytes
    # The measured step memory grows linearly: activations and their gradients per sample.
    assert result.bytes_per_sample == pytest.approx((needed[64] - needed[32]) / 32)
    assert result.bytes_per_sample > 2 * 256 * 4      # at least the hidden layer and its grad
    assert str(size) in str(result)


def test_model_optimizer_and_random_state_unchanged():
    model, x, y = _model_and_data(rows=256)
    model.fit(x, y, epochs=1, verbose=0)
    weights = [w.copy() for w in model.get_weights()]
    state = {k: v.clone() if isinstance(v, torch.Tensor) else v
             for k, v in model.optimizer.get_state().items()}
    rng = torch.get_rng_state()
    model.find_batch_size(x, y)
    assert all(np.array_equal(a, b) for a, b in zip(weights, model.get_weights()))
    after = model.optimizer.get_state()
    for key, value in state.items():
        assert (torch.equal(value, after[key]) if isinstance(value, torch.Tensor)
                else value == after[key]), key
    assert torch.equal(rng, torch.get_rng_state())


def test_limited_by_data_or_max_batch_size_and_bad_arguments():
    model, x, y = _model_and_data(rows=300)
    result = model.find_batch_size(x, y)
    assert (result.batch_size, result.limited_by) == (256, "data")
    capped = model.find_batch_size(x, y, max_batch_size=100)
    assert (capped.batch_size, capped.limited_by) == (64, "max_batch_size")
    with pytest.raises(ValueError, match="safety must lie in"):
        model.find_batch_size(x, y, safety=1.5)
    fresh = keras.Sequential([keras.layers.Dense(1, input_dim=128)])
    with pytest.raises(ValueError, match="compile the model first"):
        fresh.find_batch_size(x, y)
