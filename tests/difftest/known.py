"""Known causes of differences — owned by another part of issue 15's work, or explained (a
Keras bug listed in docs/differences.md, or float noise with its reason): a spec whose every
difference one of these rules explains is an expected failure (xfail) naming the cause; once a
fix lands the spec simply passes. A difference no rule explains is a failure.

Each rule explains only the differences it names (never "anything in a spec with feature X"),
so it cannot hide a second, unrelated difference in the same spec.

Example:
    >>> sgd = {"obj": "optimizers.SGD", "args": {"learning_rate": 0.05}}
    >>> spec = {"compile": {"loss": "mean_absolute_percentage_error", "optimizer": sgd}}
    >>> known_causes(spec, ["predict"]) == {MAPE_SGD_OVERSHOOT}
    True
    >>> known_causes(spec, ["history: loss [1.0] != [2.0]", "predict"])
    set()
"""

from __future__ import annotations

import ast
import math
import re

LOGITS_CROSSENTROPY = (
    "deliberate: a crossentropy of a sigmoid/softmax output is computed from the activation's "
    "logits, as Keras's TensorFlow backend does; Keras's torch backend clips the probabilities "
    "to [1e-7, 1 - 1e-7], which differs once outputs saturate (docs/differences.md)")


def _difference_keys(difference: str) -> list[str] | None:
    """The metric keys a 'history:' or 'evaluate:' difference names (None for other kinds)."""
    if difference.startswith("history: "):
        return [difference.split(" ", 2)[1]]
    if difference.startswith("evaluate: "):
        return [part.strip().split(" ", 1)[0]
                for part in difference[len("evaluate: "):].split(", ")]
    return None


def _only_crossentropy_metrics(differences: list[str]) -> bool:
    """Every difference is the value of a crossentropy metric (never the loss, weights or
    predictions: those would mean a difference in training, not in reporting)."""
    for difference in differences:
        keys = _difference_keys(difference)
        if not keys or not all("crossentropy" in key for key in keys):
            return False
    return True


SATURATED_CROSSENTROPY_LOSS = (
    "deliberate: a crossentropy loss on a saturated sigmoid/softmax output, which deepfit "
    "computes from the logits (as Keras's TensorFlow backend does) and Keras's torch backend "
    "from probabilities clipped to [1e-7, 1 - 1e-7], so that its value never exceeds "
    "-log(1e-7) = 16.12; deepfit's passes it, the gradients differ from then on, and so do the "
    "shared layers, the other outputs and the predictions (s5489: deepfit equals Keras on "
    "TensorFlow to 6 digits there; docs/differences.md)")

#: the largest value a crossentropy of probabilities clipped at 1e-7 can take
_CLIPPED_CROSSENTROPY_MAX = -math.log(1e-7)


def _values_of(difference: str) -> list[tuple[str, list[float], list[float]]]:
    """(key, deepfit's values, Keras's values) of a 'history:' or 'evaluate:' difference."""
    if difference.startswith("history: "):
        found = _history_values(difference)
        return [] if found is None else [found]
    if difference.startswith("evaluate: "):
        pairs = []
        for part in difference[len("evaluate: "):].split(", "):
            match = re.match(r"(\S+) (\S+) != (\S+)$", part.strip())
            if match:
                pairs.append((match.group(1), [float(match.group(2))], [float(match.group(3))]))
        return pairs
    return []


def _saturated_crossentropy_loss(spec: dict, differences: list[str]) -> bool:
    """A crossentropy loss whose value passes 16.12 in deepfit's results where Keras's stays
    within it, with every history value agreeing (1e-3) in the first epoch and nothing but
    values differing."""
    if not any("crossentropy" in str(loss) for loss in _losses(spec)):
        return False
    saturated = False
    for difference in differences:
        if difference in ("predict", "weights"):
            continue
        if not difference.startswith(("history: ", "evaluate: ")):
            return False
        for key, ours, theirs in _values_of(difference):
            if None in ours or None in theirs:
                return False
            if difference.startswith("history: ") and abs(ours[0] - theirs[0]) > 1e-3 * abs(
                    theirs[0]):
                return False
            if key.endswith("loss") and key not in ("loss", "val_loss") and (
                    max(ours) > _CLIPPED_CROSSENTROPY_MAX >= max(theirs)):
                saturated = True
    return saturated


DIVERGED = (
    "float noise, not a bug: the training diverges in Keras itself (its loss passes 1e6 and "
    "keeps growing), which amplifies each library's rounding epoch after epoch; the first "
    "epoch agrees")


def _history_values(difference: str) -> tuple[str, list[float], list[float]] | None:
    """(key, deepfit's values, Keras's values) of a 'history:' difference."""
    match = re.match(r"history: (\S+) (\[.*\]) != (\[.*\])$", difference)
    if not match:
        return None
    ours, theirs = (ast.literal_eval(text.replace("nan", "None").replace("inf", "None"))
                    for text in match.groups()[1:])
    return match.group(1), ours, theirs


def _diverged(differences: list[str]) -> bool:
    """Keras's own training loss explodes (>= 1e6 at the end, 100x its first epoch), every
    history value agrees within 1e-3 in the first epoch, and nothing but values differ."""
    parsed = {}
    for difference in differences:
        if difference.startswith("history: "):
            values = _history_values(difference)
            if values is None:
                return False
            parsed[values[0]] = values[1:]
        elif difference not in ("predict", "weights") and not difference.startswith("evaluate:"):
            return False
    if "loss" not in parsed:
        return False
    theirs = parsed["loss"][1]
    if None in theirs or len(theirs) < 2 or not (
            abs(theirs[-1]) >= 1e6 and abs(theirs[-1]) >= 100 * abs(theirs[0])):
        return False
    return all(a is not None and b is not None and abs(a[0] - b[0]) <= 1e-3 * abs(b[0])
               for a, b in parsed.values())


KERAS_NAN_COSINE = (
    "Keras bug: CosineSimilarity's gradient is NaN for an all-zero prediction row (torch and "
    "JAX backends), so Keras's weights turn NaN; deepfit's is finite, as on Keras's TensorFlow "
    "backend (docs/differences.md)")


def _losses(spec: dict) -> list:
    """The spec's compiled losses, one per output (a single loss as a list of one)."""
    losses = spec["compile"]["loss"]
    if not isinstance(losses, dict) or "obj" in losses:
        return [losses]
    return list(losses.values())


def _cosine_loss(spec: dict) -> bool:
    return any(isinstance(loss, dict) and loss["obj"] == "losses.CosineSimilarity"
               or loss == "cosine_similarity" for loss in _losses(spec))


def _keras_went_nan(differences: list[str]) -> bool:
    """Keras's training loss is NaN in every epoch where deepfit's values are finite, and
    nothing but values differ (Keras's NaN weights make every other value of it garbage:
    evaluate, predict, weights, even accuracies of NaN outputs)."""
    saw_loss = False
    for difference in differences:
        if difference.startswith("history: "):
            values = _history_values(difference)
            if values is None or None in values[1]:
                return False
            if values[0] == "loss":
                saw_loss = all(v is None for v in values[2])  # NaN in every epoch
        elif not difference.startswith("evaluate: ") and difference not in ("predict",
                                                                              "weights"):
            return False
    return saw_loss


KERAS_EVALUATE_LIST = (
    "Keras bug: with two metrics of one name, evaluate()'s list repeats the first one's value "
    "and appends the renamed one ('_1') at the end, one value too many (docs/differences.md)")


def _keras_repeats_a_name(differences: list[str]) -> bool:
    """Only the list of evaluate() differs (its dict agrees key for key), and Keras's list is
    deepfit's with values repeated: `_flatten_metrics_in_order` lists un-numbered names."""
    if len(differences) != 1 or not differences[0].startswith("evaluate_order: "):
        return False
    ours, theirs = (ast.literal_eval(text) for text in re.match(
        r"evaluate_order: (\[.*\]) != (\[.*\])$", differences[0]).groups())
    def close_to_one_of(value: float, others: list[float]) -> bool:
        return any(math.isclose(value, other, rel_tol=1e-5, abs_tol=1e-6) for other in others)

    # the loss may differ in its last printed digit (float32 rounding of the two libraries)
    return len(theirs) > len(ours) and all(close_to_one_of(v, ours) for v in theirs) and all(
        close_to_one_of(v, theirs) for v in ours)


ILL_CONDITIONED = (
    "float noise, not a bug: LayerNormalization over 2 features is ill-conditioned near ties "
    "(slope up to 1/sqrt(epsilon)), so float32 rounding moves the outputs past the tolerance; "
    "deepfit's own results move as much when its initial weights change by 1e-7")


def _two_feature_layer_norm(spec: dict) -> bool:
    """A LayerNormalization right after a Conv1D of 2 filters (its normalized axis has 2)."""
    chains = [spec.get("layers", [])] + [b["layers"] for b in spec.get("branches", [])]
    return any(a["class"] == "Conv1D" and a["config"]["filters"] == 2
               and b["class"] == "LayerNormalization"
               for chain in chains for a, b in zip(chain, chain[1:]))


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


MAPE_SGD_OVERSHOOT = (
    "float noise, not a bug: plain SGD (learning rate >= 0.01, no clipping) on a MAPE loss, "
    "whose gradient is 100 / |y_true| per sample (targets from 0.1), overshoots by several "
    "times the targets' scale each step (s997: output bias 0, 6.3, -2.8, 2.6, -10.5; batch loss "
    "99 to 1411 in 5 steps), which grows float32 rounding 3-8x a step until predict passes the "
    "tolerance while loss, metrics and weights agree; Keras's own torch and TensorFlow backends "
    "differ more there than deepfit and Keras/torch (docs/differences.md)")


def _mape_sgd_overshoot(spec: dict) -> bool:
    """A MAPE loss trained by unclipped SGD at a constant learning rate >= 0.01 (s997).

    MAPE's gradient is 100 / |y_true| per sample and SGD's step is proportional to it, so one
    step moves the output by several times the targets' scale; adaptive optimizers (step sizes
    near the learning rate), clipping and small learning rates do not overshoot this way."""
    if "mean_absolute_percentage_error" not in _losses(spec):
        return False
    optimizer = spec["compile"]["optimizer"]
    if not isinstance(optimizer, dict) or optimizer["obj"] != "optimizers.SGD":
        return False
    args = optimizer["args"]
    if any(clip in args for clip in ("clipnorm", "clipvalue", "global_clipnorm")):
        return False
    rate = args.get("learning_rate", 0.01)
    return isinstance(rate, float) and rate >= 0.01


def known_causes(spec: dict, differences: list[str]) -> set[str]:
    """The known causes explaining all `differences`, or an empty set if one is unexplained."""
    if differences and _bias_before_batch_norm(spec) and all(map(_drift_only, differences)):
        return {BIAS_BEFORE_BATCH_NORM}
    if differences and _diverged(differences):
        return {DIVERGED}
    if _keras_repeats_a_name(differences):
        return {KERAS_EVALUATE_LIST}
    if differences and _two_feature_layer_norm(spec) and all(
            d in ("predict", "weights") or d.startswith(("history: ", "evaluate: "))
            for d in differences):
        return {ILL_CONDITIONED}
    if differences and _keras_went_nan(differences) and _cosine_loss(spec):
        return {KERAS_NAN_COSINE}
    if differences and _saturated_crossentropy_loss(spec, differences):
        return {SATURATED_CROSSENTROPY_LOSS}
    if differences == ["predict"] and _mape_sgd_overshoot(spec):
        return {MAPE_SGD_OVERSHOOT}
    if differences and _only_crossentropy_metrics(differences):
        return {LOGITS_CROSSENTROPY}
    return set()
