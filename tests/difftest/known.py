"""Known causes of differences — owned by other parts of issue 15's work, or Keras bugs listed
in docs/differences.md: a spec whose every difference one of these rules explains is an
expected failure (xfail) naming the cause; once a fix lands the spec simply passes. A
difference no rule explains is a failure.

Each rule looks at the spec's features and the difference strings from compare.py.

Example:
    >>> known_causes({"kind": "functional", "outputs": [{}, {}], "fit": {"sample_weight": True}},
    ...              ["accepts_what_keras_refuses: fit"])  # doctest: +ELLIPSIS
    {'Keras bug: a sample_weight dict ...'}
"""

from __future__ import annotations

import json

MULTI_OUTPUT = "multi-output models lack per-output '<name>_loss' logs (trainer)"
UNIQUE_NAMES = "two metrics of one default name are not made unique ('_1') (trainer)"
CLASS_WEIGHT = "class_weight weighs classes without a key wrongly (trainer)"
MASKS = "masks lost after Embedding(mask_zero=True) (core)"
KERAS_DICT_SAMPLE_WEIGHT = (
    "Keras bug: a sample_weight dict by output name for a model whose outputs are a list "
    "raises KeyError: 0 in Keras (docs/differences.md); deepfit weights each output")


def _class_weight_incomplete(spec: dict) -> bool:
    weights = spec["fit"].get("class_weight")
    return weights is not None and len(weights) < spec["outputs"][0]["classes"]


def _masked(spec: dict) -> bool:
    return '"mask_zero": true' in json.dumps(spec)


def _missing_keys(difference: str) -> list[str]:
    text = difference.split("missing", 1)[1].split("extra", 1)[0]
    return [k.strip(" '[]") for k in text.split(",") if k.strip(" '[]")]


BIAS_BEFORE_BATCH_NORM = (
    "float noise, not a bug: a bias right before BatchNormalization has a zero gradient in exact "
    "arithmetic, and an adaptive optimizer scales each library's rounding noise in it up to "
    "steps of the learning rate; that bias and the moving mean (so validation, evaluate and "
    "predict) drift apart, the other weights agree")
_ADAPTIVE = ("Adam", "AdamW", "Adamax", "Nadam", "RMSprop", "Adagrad", "Adadelta", "Lion")
_BIASED = ("Dense", "Conv1D", "Conv2D")


def _bias_before_batch_norm(spec: dict) -> bool:
    """A Dense/Conv layer with a bias feeding BatchNormalization, trained by an adaptive
    optimizer (found in s133 and s170: the pre-BN bias differs by 2e-3, every other trainable
    weight by < 5e-7)."""
    optimizer = spec["compile"]["optimizer"]
    name = optimizer["obj"] if isinstance(optimizer, dict) else str(optimizer)
    if name.rsplit(".", 1)[-1].lower() not in {o.lower() for o in _ADAPTIVE}:
        return False
    chains = [spec.get("layers", [])] + [b["layers"] for b in spec.get("branches", [])]
    return any(a["class"] in _BIASED and a["config"].get("use_bias", True)
               and b["class"] == "BatchNormalization"
               for chain in chains for a, b in zip(chain, chain[1:]))


def _drift_only(difference: str) -> bool:
    """Differences a drifting moving mean explains: inference-mode results and weights."""
    return difference in ("predict", "weights") or difference.startswith(
        ("history: val_", "evaluate:"))


def _dict_sample_weight_for_listed_outputs(spec: dict) -> bool:
    """The harness passes one sample_weight per output, by output name, for several outputs;
    functional specs list their outputs (tests/difftest/build.py)."""
    return bool(spec["fit"].get("sample_weight")) and len(spec["outputs"]) > 1 and (
        spec["kind"] == "functional")


def known_causes(spec: dict, differences: list[str]) -> set[str]:
    """The known causes explaining all `differences`, or an empty set if one is unexplained."""
    causes: set[str] = set()
    spec_wide = set()
    if _class_weight_incomplete(spec):
        spec_wide.add(CLASS_WEIGHT)
    if _masked(spec):
        spec_wide.add(MASKS)
    multi = len(spec["outputs"]) > 1
    if differences and _bias_before_batch_norm(spec) and all(map(_drift_only, differences)):
        return {BIAS_BEFORE_BATCH_NORM}
    for difference in differences:
        if difference == "accepts_what_keras_refuses: fit" and (
                _dict_sample_weight_for_listed_outputs(spec)):
            causes.add(KERAS_DICT_SAMPLE_WEIGHT)
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
