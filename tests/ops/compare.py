"""Compare deepfit.ops with the pickled Keras results of the same op table."""

from __future__ import annotations

import numpy as np

# Differences from Keras's torch backend that deepfit keeps on purpose: (case, dtype) → why.
KNOWN_DIFFERENCES: dict[tuple[str, str], str] = {}


def _close(a: np.ndarray, b: np.ndarray, dtype: str) -> bool:
    if a.shape != b.shape:
        return False
    if a.dtype == bool or b.dtype == bool or "int" in dtype:
        return np.array_equal(a, b)
    tol = 2e-3 if dtype in ("float16", "bfloat16") else 1e-5
    return np.allclose(a.astype(np.float64), b.astype(np.float64), rtol=tol, atol=tol,
                       equal_nan=True)


def mismatches(ours: dict, theirs: dict) -> dict:
    """{(case, dtype): reason} for every entry where Keras computes a result and deepfit does
    not give the same values and dtype."""
    found = {}
    for key, expected in theirs.items():
        if isinstance(expected[0], str) and expected[0] == "error":
            continue
        got = ours.get(key)
        if got is None or (isinstance(got[0], str) and got[0] == "error"):
            found[key] = f"deepfit raised {got[1] if got else 'nothing'}"
        elif isinstance(expected[0], str):
            if got != expected:
                found[key] = f"expected {expected[1]}, got {got[1]}"
        elif isinstance(got[0], str):
            found[key] = f"expected an array, got {got}"
        elif got[1] != expected[1]:
            found[key] = f"dtype {got[1]}, Keras {expected[1]}"
        elif not _close(got[0], expected[0], expected[1]):
            found[key] = f"values {got[0].tolist()} vs Keras {expected[0].tolist()}"
    return found
