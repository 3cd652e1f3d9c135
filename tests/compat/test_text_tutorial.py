"""The TensorFlow tutorial "Basic text classification" (tensorflow/docs
site/en/tutorials/keras/text_classification.ipynb): the corpus's copy (tests/corpus/programs),
run with `python -m deepfit run` for the tutorial's own 10 epochs on a larger stand-in archive
(500 reviews per class and split) served from 127.0.0.1: text_dataset_from_directory,
TextVectorization with a custom standardization in Dataset.map, Embedding +
GlobalAveragePooling1D, an export model on raw strings. The stand-in reviews carry sentiment
words, so the model must learn them (> 80 %) — the corpus run (3 epochs, 100 reviews per class)
only compares its numbers with Keras's."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import numpy as np

from tests.compat.conftest import REPO, assert_ran, corpus_program
from tests.corpus import harness, make_data


def test_basic_text_classification_tutorial_learns(tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    archive = make_data.acl_imdb_archive(np.random.default_rng(7), per_class=500)
    (served / "aclImdb_v1.tar.gz").write_bytes(archive)
    program = corpus_program("tf_keras_text_classification").replace(
        "epochs = 3  # corpus: fewer epochs", "epochs = 10")
    env = dict(os.environ, MPLBACKEND="Agg", DEEPFIT_DEVICE="cpu", OMP_NUM_THREADS="1",
               PYTHONPATH=str(REPO), DEEPFIT_HOME=str(tmp_path / "home"),
               KERAS_HOME=str(tmp_path / "keras_home"), HOME=str(tmp_path))
    with harness.serve(served) as url:
        (tmp_path / "text_classification.py").write_text(program.replace("{CORPUS_URL}", url))
        result = subprocess.run([sys.executable, "-m", "deepfit", "run",
                                 "text_classification.py"], cwd=tmp_path, env=env,
                                capture_output=True, text=True, timeout=500)
    assert_ran(result)
    out = result.stdout
    assert "Found 1000 files belonging to 2 classes.\nUsing 800 files for training." in out
    assert "Using 200 files for validation." in out
    assert out.count("Found 1000 files belonging to 2 classes.") == 3
    assert "Label 0 corresponds to neg" in out and "Label 1 corresponds to pos" in out
    vocabulary = int(re.search(r"Vocabulary size: (\d+)", out).group(1))
    assert 1640 < vocabulary < 1700  # the stand-in's 1,640 distinct words, '' and '[UNK]'
    # Printed as TensorFlow prints an eager tensor.
    assert re.search(r"Vectorized review \(<tf.Tensor: shape=\(1, 250\), dtype=int64, "
                     r"numpy=\narray\(\[\[ *\d+,", out)
    accuracy = float(re.search(r"^Accuracy:  ([\d.]+)$", out, flags=re.MULTILINE).group(1))
    assert accuracy > 0.8
    assert len(re.findall(r"^Epoch \d+/10$", out, flags=re.MULTILINE)) == 10
    # The tutorial's export model adds a second sigmoid after the model's own, so every
    # probability lies in (0.5, 0.73): all reviews score positive, and on the balanced test set
    # its accuracy is exactly 0.5 — with the model's accuracy above 0.8, as Keras gives.
    exported = re.search(r"^\{'accuracy': ([\d.]+), 'loss': ([\d.]+)\}$", out, flags=re.MULTILINE)
    assert float(exported.group(1)) == 0.5 and float(exported.group(2)) > 0.69
