"""Compare one spec's results from Keras and from deepfit; each difference is named by kind.

Tolerances: rtol 1e-4 / atol 1e-5 in general. Specs with a recurrent layer get rtol 1e-3 /
atol 1e-4: the gates chain several float32 products per step and the two libraries order those
sums differently (the difference grows with the number of steps, not with a semantic error).

Example:
    >>> compare({"inputs": [], "branches": []}, {"error": {"stage": "fit"}}, {"params": 1})
    ['accepts_what_keras_refuses: fit']
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

RECURRENT = ("SimpleRNN", "LSTM", "GRU", "Bidirectional")


def tolerances(spec: dict) -> tuple[float, float]:
    """(rtol, atol) for the spec."""
    text = json.dumps(spec)
    if any(f'"{name}"' in text for name in RECURRENT):
        return 1e-3, 1e-4
    return 1e-4, 1e-5


def _close(a: Any, b: Any, rtol: float, atol: float) -> bool:
    a, b = np.asarray(a, dtype="float64"), np.asarray(b, dtype="float64")
    if a.shape != b.shape:
        return False
    return bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))


def _flat(value: Any) -> list:
    if isinstance(value, dict):
        return [v for key in sorted(value) for v in _flat(value[key])]
    if isinstance(value, (list, tuple)):
        return [v for item in value for v in _flat(item)]
    return [value]


COUNTS = ("true_positives", "false_positives", "true_negatives", "false_negatives")


def keras_reports_validation_count(key: str, history: dict) -> bool:
    """Keras's (torch backend) History shows the validation value for a one-threshold confusion
    count: its `result()` returns a view of the accumulator, which validation resets and refills
    (docs/differences.md). Such keys, where Keras's training and validation values are equal,
    are not compared."""
    base = key.split("_", 1)[1] if key.startswith("out") and "_" in key else key
    if not any(base.startswith(name) for name in COUNTS) or f"val_{key}" not in history:
        return False
    return history[key] == history[f"val_{key}"]


def compare(spec: dict, theirs: dict, ours: dict) -> list[str]:
    """Differences between Keras's (`theirs`) and deepfit's (`ours`) results, as
    `'kind: detail'` strings; empty when they agree."""
    if "error" in theirs or "error" in ours:
        if "error" in theirs and "error" in ours:
            return []
        if "error" in theirs:
            return [f"accepts_what_keras_refuses: {theirs['error']['stage']}"]
        err = ours["error"]
        return [f"raises: {err['stage']} {err['type']}: {err['message'][:160]}"]
    rtol, atol = tolerances(spec)
    found = []
    if ours["params"] != theirs["params"]:
        found.append(f"params: {ours['params']} != {theirs['params']}")
    if sorted(ours["history"]) != sorted(theirs["history"]):
        missing = sorted(set(theirs["history"]) - set(ours["history"]))
        extra = sorted(set(ours["history"]) - set(theirs["history"]))
        found.append(f"history_keys: missing {missing} extra {extra}")
    for key in sorted(set(ours["history"]) & set(theirs["history"])):
        if keras_reports_validation_count(key, theirs["history"]):
            continue
        if not _close(ours["history"][key], theirs["history"][key], rtol, atol):
            found.append(f"history: {key} {np.round(ours['history'][key], 6).tolist()} != "
                         f"{np.round(theirs['history'][key], 6).tolist()}")
    if sorted(ours["evaluate_dict"]) != sorted(theirs["evaluate_dict"]):
        found.append(f"evaluate_keys: {sorted(ours['evaluate_dict'])} != "
                     f"{sorted(theirs['evaluate_dict'])}")
        common = sorted(set(ours["evaluate_dict"]) & set(theirs["evaluate_dict"]))
        ours_list = [ours["evaluate_dict"][k] for k in common]
        theirs_list = [theirs["evaluate_dict"][k] for k in common]
        if not _close(ours_list, theirs_list, rtol, atol):
            found.append(f"evaluate: {common} {np.round(ours_list, 6).tolist()} != "
                         f"{np.round(theirs_list, 6).tolist()}")
    else:
        ours_list, theirs_list = _flat(ours["evaluate"]), _flat(theirs["evaluate"])
        keys = [k for k in sorted(ours["evaluate_dict"]) if not _close(
            ours["evaluate_dict"][k], theirs["evaluate_dict"][k], rtol, atol)]
        if keys:
            found.append("evaluate: " + ", ".join(
                f"{k} {ours['evaluate_dict'][k]:.6g} != {theirs['evaluate_dict'][k]:.6g}"
                for k in keys))
        elif not _close(ours_list, theirs_list, rtol, atol):
            found.append(f"evaluate_order: {np.round(ours_list, 6).tolist()} != "
                         f"{np.round(theirs_list, 6).tolist()}")
    if not all(_close(a, b, rtol, atol) for a, b in zip(_flat(ours["predict"]),
                                                         _flat(theirs["predict"]))):
        found.append("predict")
    if len(ours["weights"]) != len(theirs["weights"]) or not all(
            _close(a, b, rtol * 10, atol * 10)
            for a, b in zip(ours["weights"], theirs["weights"])):
        found.append("weights")
    return found


def kind(difference: str) -> str:
    """The kind of a difference string ('history', 'raises', ...)."""
    return difference.split(":", 1)[0]
