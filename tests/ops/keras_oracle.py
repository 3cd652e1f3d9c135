"""Run the op table on real Keras (a separate process: KERAS_BACKEND=torch) and pickle the
results to the path given on the command line."""

from __future__ import annotations

import os
import pickle
import sys

os.environ.setdefault("KERAS_BACKEND", "torch")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keras  # noqa: E402
import op_cases  # noqa: E402

results = op_cases.evaluate(keras.ops, keras.ops.convert_to_numpy)
with open(sys.argv[1], "wb") as handle:
    pickle.dump({"version": keras.__version__, "results": results}, handle)
