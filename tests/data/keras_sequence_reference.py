"""Record Keras's and TensorFlow's outputs for sequence_cases.py (run with a Python that has
Keras and TensorFlow: `python tests/data/keras_sequence_reference.py`). Writes
tests/data/reference/keras_sequence_reference.json."""

import json
import os
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from sequence_cases import PAD, TIMESERIES, WINDOWS, make_text_folder  # noqa: E402


def series(spec):
    n, features = spec["n"], spec["features"]
    data = np.arange(n * max(features, 1), dtype="float32").reshape(n, -1) if features else (
        np.arange(n, dtype="float32"))
    targets = None
    if spec["targets"] is True:
        targets = np.arange(n) * 10
    elif spec["targets"] == "short":
        targets = np.arange(n // 2) * 10
    elif spec["targets"] == "shifted":
        targets = data[spec["sequence_length"]:]
        data = data[:-spec["sequence_length"]]
    kwargs = {k: v for k, v in spec.items() if k not in ("n", "features", "targets")}
    return data, targets, kwargs


def main() -> None:
    out = {"keras": keras.__version__, "tensorflow": tf.__version__,
           "timeseries": {}, "pad": {}, "windows": {}}
    for name, spec in TIMESERIES:
        data, targets, kwargs = series(spec)
        ds = keras.utils.timeseries_dataset_from_array(data, targets, **kwargs)
        batches = [[np.asarray(part).tolist() for part in (b if isinstance(b, tuple) else (b,))]
                   for b in ds]
        out["timeseries"][name] = batches
    for name, sequences, kwargs in PAD:
        padded = keras.utils.pad_sequences(sequences, **kwargs)
        out["pad"][name] = {"values": padded.tolist(), "dtype": str(padded.dtype)}
    for name, n, kwargs in WINDOWS:
        ds = tf.data.Dataset.range(n).window(**kwargs)
        out["windows"][name] = {"windows": [[int(v) for v in w] for w in ds],
                                "cardinality": int(ds.cardinality())}
    with tempfile.TemporaryDirectory() as root:
        make_text_folder(root)
        for subset in ("training", "validation"):
            ds = keras.utils.text_dataset_from_directory(
                root, batch_size=4, validation_split=0.3, subset=subset, seed=42,
                shuffle=True)
            pairs = sorted([t.decode(), int(y)] for x, yb in ds for t, y in zip(x.numpy(), yb))
            out[f"text_{subset}"] = {"pairs": pairs, "class_names": ds.class_names}
        ds = keras.utils.text_dataset_from_directory(root, batch_size=5, shuffle=False,
                                                     label_mode="binary", max_length=12)
        out["text_ordered"] = [[[t.decode() for t in x.numpy()], y.numpy().tolist()]
                               for x, y in ds]
    with open(os.path.join(HERE, "reference", "keras_sequence_reference.json"), "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
