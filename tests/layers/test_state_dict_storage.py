"""A layer's state dict holds only that layer's data, even once its weights are views into the
optimizer's flat buffer; a whole model's state dict stays views (nothing copied)."""

from __future__ import annotations

import io

import numpy as np
import torch

import deepfit
from deepfit import layers
from deepfit.layers import storage


def _saved_bytes(obj) -> int:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return len(buffer.getvalue())


def _trained_model():
    model = deepfit.Sequential([deepfit.Input((100,)), layers.Dense(300, activation="relu"),
                                layers.Dense(10, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    x = np.random.default_rng(0).random((64, 100), dtype=np.float32)
    model.fit(x, x[:, :10].argmax(1), epochs=1, verbose=0, checks=False)
    return model


def test_one_trained_layer_saves_only_its_own_weights():
    model = _trained_model()
    dense = model.layers[-1]
    assert dense.kernel.untyped_storage().nbytes() > 100 * 300 * 4  # a view of the flat buffer
    state = dense.state_dict()
    fresh = layers.Dense(10, name=dense.name)
    fresh.build((None, 300))
    # as many bytes as a never-trained Dense(300→10): 13,861 B here, not 134,889 B
    assert _saved_bytes(state) == _saved_bytes(fresh.state_dict())
    assert list(state) == ["kernel", "bias"]
    for name, tensor in state.items():
        assert tensor.untyped_storage().nbytes() == tensor.numel() * 4
        assert torch.equal(tensor, getattr(dense, name))
    fresh.load_state_dict(state)
    np.testing.assert_array_equal(fresh.get_weights()[0], dense.get_weights()[0])


def test_the_whole_model_state_dict_stays_views_of_the_weights():
    model = _trained_model()
    state = model.state_dict()
    kernel = model.layers[0].kernel
    found = [t for t in state.values() if t.shape == kernel.shape]
    assert found[0].data_ptr() == kernel.data_ptr()  # no copy: it covers the flat buffer
    assert _saved_bytes(state) <= _saved_bytes({k: v.clone() for k, v in state.items()})


def test_keep_vars_returns_the_parameters_themselves():
    model = _trained_model()
    dense = model.layers[-1]
    assert dense.state_dict(keep_vars=True)["kernel"] is dense.kernel


def test_compact_copies_partial_views_once_and_keeps_aliases():
    flat = torch.arange(10.0)
    state = {"a": flat[:4].view(2, 2), "tied": flat[:4].view(2, 2), "b": torch.ones(3)}
    storage.compact(state)
    assert state["a"] is state["tied"]
    assert state["a"].untyped_storage().nbytes() == 16
    assert torch.equal(state["a"], torch.tensor([[0.0, 1.0], [2.0, 3.0]]))
    whole = {"x": flat[:5], "y": flat[5:]}
    storage.compact(whole)
    assert whole["x"].data_ptr() == flat.data_ptr()  # covers all of its storage: kept
