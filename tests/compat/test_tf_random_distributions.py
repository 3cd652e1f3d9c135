"""tf.random.gamma and tf.random.poisson (keras-io's mixup example samples its Beta weights from
two gammas): TensorFlow's output shapes (`shape` + the broadcast parameters' shape), dtypes and
the distributions' moments."""

from __future__ import annotations

import pytest
import torch

from deepfit.compat.tensorflow import random


def test_gamma_shapes_follow_tensorflow():
    assert random.gamma([4], alpha=0.2).shape == (4,)
    assert random.gamma([3], alpha=[0.5, 2.0]).shape == (3, 2)
    assert random.gamma([5, 2], alpha=[[1.0], [2.0]], beta=[1.0, 3.0, 4.0]).shape == (5, 2, 2, 3)
    assert random.gamma([2], 1.0, dtype="float64").dtype == torch.float64


def test_gamma_moments_and_rate():
    random.set_seed(0)
    draws = random.gamma([200_000], alpha=[0.2, 3.0], beta=[1.0, 2.0])
    # Gamma(a, rate b): mean a / b, variance a / b**2
    torch.testing.assert_close(draws.mean(0), torch.tensor([0.2, 1.5]), rtol=0.02, atol=0.0)
    torch.testing.assert_close(draws.var(0), torch.tensor([0.2, 0.75]), rtol=0.03, atol=0.0)
    assert bool((draws > 0).all())


def test_gamma_mixup_beta_weights_lie_in_the_unit_interval():
    random.set_seed(1)
    a, b = random.gamma(shape=[1000], alpha=0.2), random.gamma(shape=[1000], alpha=0.2)
    weights = a / (a + b)  # Beta(0.2, 0.2): mean 0.5, mass near 0 and 1
    assert bool(((weights >= 0) & (weights <= 1)).all())
    assert abs(float(weights.mean()) - 0.5) < 0.05
    assert float(((weights < 0.1) | (weights > 0.9)).float().mean()) > 0.5


def test_gamma_rejects_integer_dtypes():
    with pytest.raises(ValueError, match="gamma: dtype must be a floating type"):
        random.gamma([2], 1.0, dtype="int32")


def test_poisson_shapes_dtype_and_mean():
    random.set_seed(0)
    draws = random.poisson([100_000], lam=[0.5, 4.0])
    assert draws.shape == (100_000, 2) and draws.dtype == torch.float32
    torch.testing.assert_close(draws.mean(0), torch.tensor([0.5, 4.0]), rtol=0.02, atol=0.0)
    assert random.poisson([3], 2.0, dtype="int64").dtype == torch.int64
