"""keras.ops.convert_to_tensor on strings (keras-io's pretrained word embeddings example feeds
`ops.convert_to_tensor([["a sentence"]])` to a model on string inputs): as with Keras on
TensorFlow, the strings become a string tensor of the same shape (deepfit's string tensors
are NumPy arrays of `str`), which a model on `Input(dtype="string")` takes."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch

import deepfit
from deepfit import layers, ops
from tests.trainer.keras_process import run_keras

PEERS_PYTHON = "/work/main/.venv-peers/bin/python"

_TF = """
from keras import ops
for name, value in [("nested", [["the cat sat", "on the mat"]]), ("flat", ["a", "b c"]),
                    ("one", "just one"), ("bytes", [b"x y"])]:
    tensor = ops.convert_to_tensor(value)
    result[name + "_dtype"] = str(keras.backend.standardize_dtype(tensor.dtype))
    result[name + "_shape"] = list(tensor.shape)
    result[name] = np.asarray(tensor.numpy()).astype(str).tolist()
result["typed"] = str(keras.backend.standardize_dtype(
    ops.convert_to_tensor(["a"], dtype="string").dtype))
"""

VALUES = {"nested": [["the cat sat", "on the mat"]], "flat": ["a", "b c"], "one": "just one",
          "bytes": [b"x y"]}


@pytest.mark.skipif(not os.path.exists(PEERS_PYTHON), reason="needs the peers venv (TF)")
def test_strings_convert_as_keras_on_tensorflow():
    expected = run_keras(_TF, python=PEERS_PYTHON, backend="tensorflow")
    for name, value in VALUES.items():
        ours = ops.convert_to_tensor(value)
        assert expected[name + "_dtype"] == "string"
        assert list(ours.shape) == list(expected[name + "_shape"]), name
        assert np.asarray(ours).astype(str).tolist() == expected[name], name
    assert expected["typed"] == "string"
    assert ops.convert_to_tensor(["a"], dtype="string").tolist() == ["a"]


def test_a_string_model_takes_the_converted_strings():
    vectorizer = layers.TextVectorization(output_sequence_length=4)
    vectorizer.adapt(["the cat sat on the mat", "a dog"])
    text = deepfit.Input(shape=(1,), dtype="string")
    model = deepfit.Model(text, vectorizer(text))
    out = model(ops.convert_to_tensor([["the cat sat"]]))
    np.testing.assert_array_equal(np.asarray(out), vectorizer([["the cat sat"]]))


def test_numbers_still_become_torch_tensors():
    assert ops.convert_to_tensor([1, 2]).dtype == torch.int32
    with pytest.raises(TypeError, match="cannot convert"):
        ops.convert_to_tensor(np.array([object()]))
