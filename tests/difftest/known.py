"""Known causes of differences, owned by other parts of issue 15's work: a spec whose every
difference one of these rules explains is an expected failure (xfail) naming the cause; once
the fix lands the spec simply passes. A difference no rule explains is a failure.

Each rule looks at the spec's features and the difference strings from compare.py.

Example:
    >>> known_causes({"kind": "functional", "outputs": [{}]}, ["raises: set_weights ..."])
    {'Functional branch order of weights differs from Keras (core)'}
"""

from __future__ import annotations

import json

BRANCH_ORDER = "Functional branch order of weights differs from Keras (core)"
MULTI_OUTPUT = "multi-output models lack per-output '<name>_loss' logs (trainer)"
UNIQUE_NAMES = "two metrics of one default name are not made unique ('_1') (trainer)"
CLASS_WEIGHT = "class_weight weighs classes without a key wrongly (trainer)"
MASKS = "masks lost after Embedding(mask_zero=True) (core)"


def _class_weight_incomplete(spec: dict) -> bool:
    weights = spec["fit"].get("class_weight")
    return weights is not None and len(weights) < spec["outputs"][0]["classes"]


def _masked(spec: dict) -> bool:
    return '"mask_zero": true' in json.dumps(spec)


def _missing_keys(difference: str) -> list[str]:
    text = difference.split("missing", 1)[1].split("extra", 1)[0]
    return [k.strip(" '[]") for k in text.split(",") if k.strip(" '[]")]


def known_causes(spec: dict, differences: list[str]) -> set[str]:
    """The known causes explaining all `differences`, or an empty set if one is unexplained."""
    causes: set[str] = set()
    spec_wide = set()
    if _class_weight_incomplete(spec):
        spec_wide.add(CLASS_WEIGHT)
    if _masked(spec):
        spec_wide.add(MASKS)
    multi = len(spec["outputs"]) > 1
    for difference in differences:
        if difference.startswith("raises: set_weights") and spec["kind"] == "functional":
            causes.add(BRANCH_ORDER)
        elif difference.startswith(("history_keys", "evaluate_keys")) and multi:
            missing = _missing_keys(difference) if "missing" in difference else []
            if any(key.rstrip("0123456789").endswith("_") and key[-1].isdigit()
                   for key in missing):
                causes.add(UNIQUE_NAMES)
            causes.add(MULTI_OUTPUT)
        elif spec_wide:
            causes |= spec_wide
        elif multi and difference.startswith(("history:", "evaluate:")) and (
            MULTI_OUTPUT in causes
        ):
            continue
        else:
            return set()
    return causes
