"""Record real Keras's outputs for the cases of text_cases.py (run with a Python that has Keras
and TensorFlow, e.g. `KERAS_BACKEND=tensorflow python tests/layers/keras_text_reference.py`).
Writes tests/layers/data/keras_text_reference.json."""

import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
from text_cases import CASES  # noqa: E402


def _plain(value):
    array = np.asarray(value)
    if array.dtype.kind in "OSU":
        return [[v.decode() if isinstance(v, bytes) else str(v) for v in row]
                if isinstance(row, (list, np.ndarray)) else
                (row.decode() if isinstance(row, bytes) else str(row))
                for row in array.tolist()], "string"
    return array.tolist(), str(array.dtype)


def main() -> None:
    results = {"keras": keras.__version__}
    for name, cls, kwargs, adapt_data, inputs in CASES:
        layer = getattr(keras.layers, cls)(**kwargs)
        if adapt_data is not None:
            layer.adapt(np.array(adapt_data) if cls != "StringLookup" or not isinstance(
                adapt_data[0], list) else np.array(adapt_data))
        out = layer(np.array(inputs))
        values, dtype = _plain(out)
        entry = {"output": values, "dtype": dtype}
        if hasattr(layer, "get_vocabulary"):
            entry["vocabulary"] = [str(v) if not isinstance(v, (int, np.integer)) else int(v)
                                   for v in layer.get_vocabulary()]
        if cls == "Discretization":
            entry["bin_boundaries"] = [float(b) for b in layer.bin_boundaries]
        results[name] = entry
    with open(os.path.join(HERE, "data", "keras_text_reference.json"), "w") as handle:
        json.dump(results, handle, indent=0)


if __name__ == "__main__":
    main()
