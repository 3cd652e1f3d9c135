"""The core layers through the shared `run_layer_test` checks (shapes eager and symbolic,
weight counts, one training step, config round trip), with Keras's parameter counts."""

from __future__ import annotations

import pytest
import torch

import deepfit
from deepfit import layers
from tests.layer_test_utils import run_layer_test

CASES = [
    (layers.Dense, {"units": 3, "activation": "relu"}, (2, 4), (2, 3), 2, 15),
    (layers.Dense, {"units": 2, "use_bias": False}, (2, 5, 4), (2, 5, 2), 1, 8),
    (layers.Dropout, {"rate": 0.5, "seed": 1}, (2, 4), (2, 4), 0, 0),
    (layers.Flatten, {}, (2, 3, 4), (2, 12), 0, 0),
    (layers.Reshape, {"target_shape": (2, -1)}, (2, 3, 4), (2, 2, 6), 0, 0),
    (layers.Activation, {"activation": "softmax"}, (2, 5), (2, 5), 0, 0),
    (layers.Masking, {"mask_value": 0.0}, (2, 3, 4), (2, 3, 4), 0, 0),
]


@pytest.mark.parametrize("cls, kwargs, input_shape, output_shape, trainable, params", CASES,
                         ids=lambda value: getattr(value, "__name__", None))
def test_core_layer(cls, kwargs, input_shape, output_shape, trainable, params):
    run_layer_test(cls, kwargs, input_shape, output_shape,
                   expected_trainable_weights=trainable, expected_non_trainable_weights=0,
                   expected_params=params)


def test_lambda_layer_shapes_eager_and_symbolic():
    # Lambda's config cannot hold the function (Keras needs safe_mode=False for that), so the
    # round-trip part of run_layer_test does not apply.
    layer = layers.Lambda(lambda x: x * 2.0)
    torch.testing.assert_close(layer(torch.ones(1, 3)), torch.full((1, 3), 2.0))
    assert layer(deepfit.Input((3, 4))).shape == (None, 3, 4)
    assert layer.count_params() == 0
