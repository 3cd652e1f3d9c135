"""Run op tables on real Keras (a separate process: KERAS_BACKEND=torch) and pickle the results
to the path given on the command line: {"version": ..., "results": {table: results}} for each
table module named after the path (`op_cases` when none is)."""

from __future__ import annotations

import importlib
import os
import pickle
import sys

os.environ.setdefault("KERAS_BACKEND", "torch")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keras  # noqa: E402

results = {name: importlib.import_module(name).evaluate(keras.ops, keras.ops.convert_to_numpy)
           for name in sys.argv[2:] or ["op_cases"]}
with open(sys.argv[1], "wb") as handle:
    pickle.dump({"version": keras.__version__, "results": results}, handle)
