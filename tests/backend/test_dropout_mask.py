"""The dropout keep-mask: the kept fraction, the scale `F.dropout` uses, dtype and device."""

from __future__ import annotations

import torch
import torch.nn.functional as F

import deepfit
from deepfit.backend.dropout_mask import keep_mask


def test_keeps_one_minus_rate_scaled_as_torch_dropout_scales():
    torch.manual_seed(0)
    ones = torch.ones(1000, 1000)
    for rate in (0.1, 0.3, 0.5, 0.9):
        mask = keep_mask(ones.shape, rate, ones)
        kept = mask != 0
        assert abs(kept.float().mean().item() - (1 - rate)) < 3e-3
        assert torch.equal(mask[kept].unique(), F.dropout(ones, rate, True).max().reshape(1))


def test_takes_the_inputs_dtype_and_broadcasts():
    half = torch.ones(4, 3, dtype=torch.bfloat16)
    mask = keep_mask((4, 1), 0.5, half)
    assert mask.dtype == torch.bfloat16 and mask.shape == (4, 1)
    assert set(mask.flatten().tolist()) <= {0.0, 2.0}


def test_dropout_layers_drop_what_the_mask_says():
    deepfit.utils.set_random_seed(4)
    x = torch.ones(200, 300)
    out = deepfit.layers.Dropout(0.25)(x, training=True)
    assert abs((out == 0).float().mean().item() - 0.25) < 0.01
    spatial = deepfit.layers.SpatialDropout1D(0.5)(torch.ones(64, 5, 40), training=True)
    per_channel = spatial[:, 0, :]
    assert torch.equal(spatial, per_channel[:, None, :].expand_as(spatial))
    assert abs((per_channel == 0).float().mean().item() - 0.5) < 0.05
