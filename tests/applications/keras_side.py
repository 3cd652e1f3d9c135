"""Run a real-Keras (torch backend) script for the applications tests in its own process.

The script gets `folder` (holding `x.npy`, the test images) and `weights_file`, and the helper
`save_random_weights(model, scale, fan_in_scaled=False, values=None)`: random weights,
N(0, scale) (BatchNormalization variances positive; with `fan_in_scaled`, kernels N(0, 1/fan-in)
and gammas near 1, so that a deep network's output still depends on its input) or the given
list of `values`, saved
as a legacy `.h5` where Keras's cache keeps ImageNet files (`folder/home/.keras/models/`), and
the model's predictions on `x.npy` saved as `folder/keras.npy`. Whatever the script leaves in
the dict `out` comes back.
"""

from __future__ import annotations

import json
import os
import textwrap

import numpy as np

from tests.keras_fork_server import run_script

_PRELUDE = textwrap.dedent("""
    import json, os, sys
    os.environ["KERAS_BACKEND"] = "torch"
    import numpy as np, keras
    folder, weights_file = sys.argv[1], sys.argv[2]
    out = {}

    def random_value(w, rng, scale, fan_in_scaled):
        if "variance" in w.path or (fan_in_scaled and "gamma" in w.path):
            return rng.uniform(0.5, 1.5, w.shape)
        if fan_in_scaled and "kernel" in w.path:
            fan_in = np.prod(w.shape[:2] if "depthwise" in w.path else w.shape[:-1])
            return rng.normal(0, fan_in ** -0.5, w.shape)
        return rng.normal(0, scale, w.shape)

    def save_random_weights(model, scale, fan_in_scaled=False, values=None):
        rng = np.random.default_rng(1)
        model.set_weights(values or [random_value(w, rng, scale, fan_in_scaled).astype("float32")
                                     for w in model.weights])
        target = os.path.join(folder, "home", ".keras", "models")
        os.makedirs(target, exist_ok=True)
        model.save(os.path.join(target, weights_file))
        x = np.load(os.path.join(folder, "x.npy"))
        np.save(os.path.join(folder, "keras.npy"), model.predict(x, verbose=0))
""")


def run_keras_script(script: str, folder, images: np.ndarray, weights_file: str) -> dict:
    """Run `script` (see the module docstring) with Keras; returns its `out` dict."""
    np.save(folder / "x.npy", images)
    code = _PRELUDE + textwrap.dedent(script) + "\nprint(json.dumps(out))\n"
    (folder / "keras_side.py").write_text(code)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DEEPFIT_RUN_HOOK")}
    result = run_script([str(folder / "keras_side.py"), str(folder), weights_file],
                        {**env, "KERAS_BACKEND": "torch"}, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])
