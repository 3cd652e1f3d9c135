"""Run specs in real Keras: `python -m tests.difftest.keras_side SPECS.json`.

Runs in its own process (with KERAS_BACKEND set), never next to deepfit, and streams one frame
per spec on its standard output as soon as the spec is done: an 8-byte big-endian length, then
a pickle of `{"id", "result", "seconds", "keras_version"}` (numpy arrays and plain Python
values). Anything else written to standard output (Keras, torch or C code) goes to standard
error instead, so the frames stay intact.

Why one long-lived process: importing Keras with the torch backend takes 8-30 s of CPU on a
loaded machine; streaming lets deepfit run the specs Keras has finished while Keras runs the
next ones.
"""

from __future__ import annotations

import gc
import json
import os
import pickle
import struct
import sys
import time
from typing import BinaryIO


def write_frame(stream: BinaryIO, payload: dict) -> None:
    """One length-prefixed pickle frame."""
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack(">Q", len(data)) + data)
    stream.flush()


def _private_stdout() -> BinaryIO:
    """The real standard output for frames; fd 1 itself now points at standard error."""
    frames = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return frames


def main(specs_path: str) -> None:
    frames = _private_stdout()
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras
    import torch

    torch.set_num_threads(1)
    from tests.difftest.build import run_spec

    with open(specs_path) as f:
        specs = json.load(f)
    for count, spec in enumerate(specs, 1):
        if count % 100 == 0:
            gc.collect()  # bounds memory; amortized over 100 specs
        began = time.perf_counter()
        keras.utils.set_random_seed(spec["seed"])
        # The same reset of Keras's global state (name counters) as `clear_session()`, without
        # its full `gc.collect()` — 0.6 s a spec with torch's modules loaded, 60 % of a spec.
        keras.backend.clear_session(free_memory=False)
        result = run_spec(keras, spec)
        write_frame(frames, {"id": spec["id"], "result": result,
                             "seconds": time.perf_counter() - began,
                             "keras_version": keras.__version__})
    frames.close()


if __name__ == "__main__":
    main(sys.argv[1])
