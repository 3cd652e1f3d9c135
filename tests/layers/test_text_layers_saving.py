"""Adapted vocabularies travel with saved models as Keras stores them (`assets/<layer path>/
vocabulary.txt`): deepfit → deepfit, a `.keras` file written by real Keras (TensorFlow backend,
data/keras_text_vectorization.keras: TextVectorization adapted on ["x y z", "x y"] →
Embedding(10, 2) → GlobalAveragePooling1D → Dense(1)) loads here with Keras's output, and
where a Keras with TensorFlow is installed, Keras reads deepfit's file back."""

from __future__ import annotations

import os
import pathlib
import subprocess
import zipfile

import numpy as np
import pytest

import deepfit
from deepfit import layers
from deepfit.saving import load_model

DATA = pathlib.Path(__file__).parent / "data"
PEERS_PYTHON = pathlib.Path("/work/main/.venv-peers/bin/python")


def _model():
    vectorize = layers.TextVectorization(output_sequence_length=4)
    vectorize.adapt(["a b c", "a b", "d"])
    return deepfit.Sequential([deepfit.Input(shape=(1,), dtype="string"), vectorize,
                               layers.Embedding(10, 2), layers.GlobalAveragePooling1D(),
                               layers.Dense(1)])


def test_adapted_vocabulary_is_saved_and_loaded(tmp_path):
    model = _model()
    path = tmp_path / "model.keras"
    model.save(path)
    names = zipfile.ZipFile(path).namelist()
    assert "assets/layers/text_vectorization/vocabulary.txt" in names
    loaded = load_model(path)
    assert loaded.layers[0].get_vocabulary() == ["", "[UNK]", "b", "a", "d", "c"]
    x = np.array([["a c zz"], ["b"]], dtype=object)
    np.testing.assert_allclose(loaded(x).detach().numpy(), model(x).detach().numpy())


def test_lookup_layer_with_given_vocabulary_needs_no_asset(tmp_path):
    inputs = deepfit.Input(shape=(2,), dtype="string")
    lookup = layers.StringLookup(vocabulary=["p", "q"], output_mode="multi_hot")
    model = deepfit.Model(inputs, layers.Dense(1)(lookup(inputs)))
    model.save(tmp_path / "m.keras")
    assert not [n for n in zipfile.ZipFile(tmp_path / "m.keras").namelist()
                if n.startswith("assets/")]
    again = load_model(tmp_path / "m.keras")
    x = np.array([["p", "zz"]], dtype=object)
    np.testing.assert_allclose(again(x).detach().numpy(), model(x).detach().numpy())


def test_loads_a_model_saved_by_keras():
    model = load_model(DATA / "keras_text_vectorization.keras")
    assert model.layers[0].get_vocabulary() == ["", "[UNK]", "y", "x", "z"]
    out = model(np.array([["x z q"]], dtype=object)).item()
    assert out == pytest.approx(0.01147875189781189, abs=1e-6)  # Keras's own prediction


@pytest.mark.skipif(not PEERS_PYTHON.exists(), reason="needs a Python with Keras and TensorFlow")
def test_keras_loads_our_file(tmp_path):
    model = _model()
    path = tmp_path / "ours.keras"
    model.save(path)
    expected = model(np.array([["a c zz"]], dtype=object)).item()
    script = ("import os; os.environ['KERAS_BACKEND'] = 'tensorflow'\n"
              "import keras, numpy as np, sys\n"
              "m = keras.saving.load_model(sys.argv[1])\n"
              "print(m.layers[0].get_vocabulary())\n"
              "print(float(np.asarray(m(np.array([['a c zz']])))[0, 0]))\n")
    result = subprocess.run([str(PEERS_PYTHON), "-c", script, str(path)], capture_output=True,
                            text=True, timeout=300, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    assert "'b', 'a', 'd', 'c'" in lines[-2].replace("np.str_(", "").replace(")", "")
    assert float(lines[-1]) == pytest.approx(expected, abs=1e-6)
