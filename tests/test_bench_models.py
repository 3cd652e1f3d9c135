"""The benchmark's peers train the same models as deepfit: each torch module in
benchmarks/torch_models.py has deepfit's parameter count (up to the documented layout
differences) and the output width the loss expects."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

import deepfit

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import torch_models  # noqa: E402
import workloads  # noqa: E402

# torch's LSTM has a second (recurrent) bias of 4 * 64; Keras counts BatchNormalization's
# moving mean and variance as (non-trainable) parameters, torch keeps them as buffers.
EXTRA_TORCH = {"lstm": 4 * 64, "resnet": -2 * (3 * 16 + 3 * 32 + 3 * 64)}


@pytest.mark.parametrize("name", ["mlp32", "convnet", "lstm", "gru", "bigru", "bow", "resnet"])
def test_torch_module_matches_the_deepfit_model(name):
    workload = workloads.WORKLOADS[name].limited(8)
    model = workload.build(deepfit)
    module = torch_models.build(name)
    assert sum(p.numel() for p in module.parameters()) == (
        model.count_params() + EXTRA_TORCH.get(name, 0))
    x, y = torch_models.tensors(workload)
    logits = module(x)
    expected = model(x.permute(0, 2, 3, 1) if x.dim() == 4 else x)
    assert logits.shape[0] == expected.shape[0] == 8
    assert logits.shape[1:] == expected.shape[1:] or (logits.dim() == 1 and expected.shape[1] == 1)
    loss = torch_models.loss_fn(workload)(logits, y)
    assert torch.isfinite(loss)
    assert 0 <= torch_models.correct(logits, y).item() <= 8
