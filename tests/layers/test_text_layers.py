"""Text and categorical preprocessing layers against real Keras: the outputs Keras (TensorFlow
backend) gives on the cases of text_cases.py, recorded by keras_text_reference.py."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
import torch

from deepfit import layers
from tests.layers.text_cases import CASES

with open(os.path.join(os.path.dirname(__file__), "data", "keras_text_reference.json")) as _f:
    REFERENCE = json.load(_f)


def _run(cls: str, kwargs: dict, adapt_data, inputs):
    layer = getattr(layers, cls)(**kwargs)
    if adapt_data is not None:
        layer.adapt(np.array(adapt_data))
    return layer, layer(np.array(inputs))


@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_matches_keras(case):
    name, cls, kwargs, adapt_data, inputs = case
    expected = REFERENCE[name]
    layer, out = _run(cls, kwargs, adapt_data, inputs)
    if expected["dtype"] == "string":
        assert isinstance(out, np.ndarray)
        assert out.tolist() == expected["output"]
    else:
        assert isinstance(out, torch.Tensor)
        assert str(out.dtype).replace("torch.", "") == expected["dtype"]
        np.testing.assert_allclose(out.numpy(), np.array(expected["output"]), rtol=1e-6,
                                   atol=1e-6)
    if "vocabulary" in expected:
        assert layer.get_vocabulary() == expected["vocabulary"]
    if "bin_boundaries" in expected:
        np.testing.assert_allclose(layer.bin_boundaries, expected["bin_boundaries"], rtol=1e-6)
