"""Run specs in real Keras: `python -m tests.difftest.keras_side SPECS.json RESULTS.pkl`.

Runs in its own process (with KERAS_BACKEND set), never next to deepfit. Writes
`{spec id: result}` as a pickle of numpy arrays and plain Python values.
"""

from __future__ import annotations

import json
import os
import pickle
import sys


def main(specs_path: str, results_path: str) -> None:
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras
    import torch

    torch.set_num_threads(1)
    from tests.difftest.build import run_spec

    results = {}
    for spec in json.load(open(specs_path)):
        keras.utils.set_random_seed(spec["seed"])
        keras.backend.clear_session()
        results[spec["id"]] = run_spec(keras, spec)
    with open(results_path + ".part", "wb") as f:
        pickle.dump({"keras_version": keras.__version__, "results": results}, f)
    os.replace(results_path + ".part", results_path)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
