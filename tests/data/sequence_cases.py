"""Cases for time-series windows, pad_sequences, Dataset.window and text folders, compared with
real Keras/TensorFlow: keras_sequence_reference.py records their outputs in
reference/keras_sequence_reference.json; test_sequences.py checks deepfit's. Plain Python."""

import os

TIMESERIES = [
    ("basic", {"n": 20, "features": 0, "targets": False, "sequence_length": 5,
               "batch_size": 4}),
    ("targets_stride", {"n": 50, "features": 3, "targets": True, "sequence_length": 6,
                        "sequence_stride": 3, "sampling_rate": 2, "batch_size": 5}),
    ("start_end", {"n": 40, "features": 2, "targets": True, "sequence_length": 4,
                   "start_index": 5, "end_index": 30, "batch_size": 8}),
    ("short_targets", {"n": 30, "features": 0, "targets": "short", "sequence_length": 3,
                       "batch_size": 7}),
    ("no_batch", {"n": 12, "features": 1, "targets": True, "sequence_length": 10,
                  "batch_size": None}),
    # The forecasting recipe: predict x[t + sequence_length] from x[t : t + sequence_length].
    ("forecast", {"n": 200, "features": 2, "targets": "shifted", "sequence_length": 24,
                  "batch_size": 32}),
]

PAD = [
    ("default", [[1], [2, 3], [4, 5, 6], []], {}),
    ("maxlen_pre", [[1, 2, 3, 4], [5, 6]], {"maxlen": 3}),
    ("post_post", [[1, 2, 3, 4], [5, 6]], {"maxlen": 3, "padding": "post",
                                            "truncating": "post"}),
    ("value_float", [[1.5, 2.5], [3.0]], {"dtype": "float32", "value": -1.0}),
    ("vectors", [[[1, 2], [3, 4]], [[5, 6]]], {"maxlen": 3}),
]

WINDOWS = [
    ("size_shift_drop", 10, {"size": 4, "shift": 3, "drop_remainder": True}),
    ("size_only", 10, {"size": 3}),
    ("stride", 10, {"size": 3, "shift": 1, "stride": 2}),
    ("stride_drop", 11, {"size": 3, "shift": 2, "stride": 3, "drop_remainder": True}),
    ("shift_larger", 10, {"size": 2, "shift": 4}),
]


def make_text_folder(root: str) -> None:
    """Two classes of small text files (and a stray non-.txt file) under `root`."""
    for label, count in (("neg", 13), ("pos", 9)):
        folder = os.path.join(root, label)
        os.makedirs(folder, exist_ok=True)
        for i in range(count):
            with open(os.path.join(folder, f"{i}_{label}.txt"), "w", encoding="utf-8") as f:
                f.write(f"{label} review number {i} " + "word " * (i % 5))
    with open(os.path.join(root, "pos", "notes.md"), "w") as f:
        f.write("not a text file")
