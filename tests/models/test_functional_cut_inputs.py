"""A functional model whose input is an intermediate KerasTensor (Keras clones an InputLayer for
it and cuts the graph there), and lookups with num_oov_indices=0 inside graphs (the dummy batches
that infer shapes hold values outside the vocabulary)."""

from __future__ import annotations

import numpy as np
import pytest

import deepfit
from deepfit import layers


def test_model_from_an_intermediate_tensor_shares_the_layers():
    a = deepfit.Input(shape=(1,), dtype="int32", name="a")
    lookup = layers.IntegerLookup(num_oov_indices=0)
    lookup.adapt(np.array([[1], [2], [3]]))
    encoded = layers.CategoryEncoding(num_tokens=3, output_mode="multi_hot")(lookup(a))
    b = deepfit.Input(shape=(1,), name="b")
    joined = layers.Concatenate(name="joined")([encoded, b])
    dense = layers.Dense(1, name="head")
    out = dense(joined)
    cut = deepfit.Model(inputs=joined, outputs=out)
    full = deepfit.Model(inputs={"a": a, "b": b}, outputs=out)
    assert [layer.name for layer in cut.layers] == ["joinedCLONE", "head"]
    assert cut.layers[0].__class__.__name__ == "InputLayer"
    assert lookup.get_vocabulary() == [3, 2, 1]  # most frequent first, ties high to low
    x = np.array([[1, 0, 0, 0.5], [0, 0, 1, 2.0]], dtype="float32")
    kernel, bias = dense.get_weights()
    np.testing.assert_allclose(cut(x).detach().numpy(), x @ kernel + bias, rtol=1e-6)
    raw = full({"a": np.array([[3], [1]]), "b": np.array([[0.5], [2.0]])}).detach().numpy()
    np.testing.assert_allclose(raw, x @ kernel + bias, rtol=1e-6)


def test_lookup_without_oov_still_refuses_unknown_values_when_called():
    a = deepfit.Input(shape=(1,), dtype="int32")
    lookup = layers.IntegerLookup(num_oov_indices=0, vocabulary=[4, 5])
    model = deepfit.Model(a, lookup(a))
    assert model(np.array([[5], [4]])).tolist() == [[1], [0]]
    with pytest.raises(ValueError, match="num_oov_indices=0"):
        model(np.array([[7]]))
