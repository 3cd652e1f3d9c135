"""The arrays a spec trains on, from numpy alone (the Keras process imports this too).

Example:
    >>> from tests.difftest.generator import generate
    >>> x, y, sw, val = make_data(generate(3))
    >>> len(x) == len(generate(3)["inputs"])
    True
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _inputs(spec: dict, rng: np.random.Generator, n: int) -> list[np.ndarray]:
    arrays = []
    for inp in spec["inputs"]:
        shape = (n, *inp["shape"])
        if inp["kind"] == "tokens":
            tokens = rng.integers(1, inp["vocab"], size=shape)
            if inp.get("padded"):
                lengths = rng.integers(1, shape[1] + 1, size=n)
                tokens[np.arange(shape[1])[None, :] >= lengths[:, None]] = 0
            arrays.append(tokens.astype("int32"))
        else:
            arrays.append(rng.normal(size=shape).astype("float32"))
    return arrays


def _targets(spec: dict, rng: np.random.Generator, n: int) -> list[np.ndarray]:
    targets = []
    for out in spec["outputs"]:
        task, classes = out["task"], out["classes"]
        if task == "sparse":
            targets.append(rng.integers(0, classes, size=(n,)).astype("int32"))
        elif task == "categorical":
            targets.append(np.eye(classes, dtype="float32")[rng.integers(0, classes, size=n)])
        elif task == "binary":
            targets.append(rng.integers(0, 2, size=(n, 1)).astype("float32"))
        else:
            targets.append(rng.uniform(0.1, 2.0, size=(n, classes)).astype("float32"))
    return targets


def make_data(spec: dict) -> tuple[list, list, Any, Any]:
    """(inputs, targets, sample_weight or None, validation_data or None) for `spec`."""
    rng = np.random.default_rng(spec["seed"] + 1000)
    n = spec["n"]
    x, y = _inputs(spec, rng, n), _targets(spec, rng, n)
    fit = spec["fit"]
    sample_weight = None
    if fit.get("sample_weight"):
        sample_weight = rng.uniform(0.2, 2.0, size=(n,)).astype("float32")
    validation = None
    if fit.get("validation_data"):
        nv = 16
        validation = (_inputs(spec, rng, nv), _targets(spec, rng, nv))
    return x, y, sample_weight, validation


def probe_inputs(spec: dict) -> list[np.ndarray]:
    """Fresh inputs for `predict`."""
    return _inputs(spec, np.random.default_rng(spec["seed"] + 2000), 10)
