"""Record what real Keras's dataset loaders return for the stand-in files of standins.py (run
with a Python that has Keras:
`KERAS_BACKEND=torch python tests/datasets/keras_datasets_reference.py`). Keras's hash checks
are switched off for the stand-ins. Writes
tests/datasets/reference/keras_datasets_reference.json."""

import json
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
os.environ.setdefault("KERAS_BACKEND", "torch")


def _plain(value):
    import numpy as np

    array = np.asarray(value)
    if array.dtype == object:
        return {"dtype": "object", "values": [list(map(int, row)) for row in array]}
    return {"dtype": str(array.dtype), "shape": list(array.shape),
            "values": array.reshape(-1).tolist()}


def main():
    home = tempfile.mkdtemp()
    os.environ["KERAS_HOME"] = os.path.join(home, ".keras")
    from standins import CALLS, write_all

    paths = write_all(os.path.join(home, ".keras", "datasets"))
    # Keras 3 expects the CIFAR-100 archive under the name it gives the download.
    shutil.copy(paths["cifar-100-python.tar.gz"],
                os.path.join(home, ".keras", "datasets", "cifar-100-python-target_archive"))
    import keras
    from keras.src.utils import file_utils

    file_utils.validate_file = lambda *args, **kwargs: True
    out = {"keras": keras.__version__}
    for name, module, kwargs in CALLS:
        loader = getattr(keras.datasets, module)
        (x_train, y_train), (x_test, y_test) = loader.load_data(**kwargs)
        out[name] = [_plain(v) for v in (x_train, y_train, x_test, y_test)]
    out["imdb_word_index"] = keras.datasets.imdb.get_word_index()
    out["reuters_labels"] = list(keras.datasets.reuters.get_label_names())
    with open(os.path.join(HERE, "reference", "keras_datasets_reference.json"), "w") as f:
        json.dump(out, f)
    shutil.rmtree(home)


if __name__ == "__main__":
    main()
