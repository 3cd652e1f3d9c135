"""Built-ins that the generator's first lists lack — Adafactor, Ftrl, Lamb, Muon,
ScheduleFreeAdamW, LossScaleOptimizer; the IoU, rate-at-rate and correlation metrics; the
Dice, Tversky and generalized-crossentropy losses — mixed into specs from seed `FIRST_SEED` on.

A second generator seeded from the spec's seed makes the choices, so the specs of earlier
seeds (pinned by regression tests) stay exactly what they were.

Example:
    >>> spec = generate(9601)   # may use optimizers.Lamb, metrics.BinaryIoU, ...
"""

from __future__ import annotations

import random
from typing import Any

FIRST_SEED = 9600


def _obj(name: str, **args: Any) -> dict:
    return {"obj": name, "args": args}


def _optimizer(r: random.Random) -> dict:
    name = r.choice(["Adafactor", "Ftrl", "Lamb", "LossScaleOptimizer", "Muon",
                     "ScheduleFreeAdamW"])
    if name == "Muon":
        return _obj("optimizers.Muon", learning_rate=r.choice([0.005, 0.02]),
                    nesterov=r.random() < 0.7)
    if name == "ScheduleFreeAdamW":
        return _obj("optimizers.ScheduleFreeAdamW", learning_rate=r.choice([0.0025, 0.01]),
                    warmup_steps=r.choice([0, 3]))
    if name == "Adafactor":
        return _obj("optimizers.Adafactor", learning_rate=r.choice([0.01, 0.05]),
                    clip_threshold=r.choice([1.0, 0.5]))
    if name == "Ftrl":
        return _obj("optimizers.Ftrl", learning_rate=r.choice([0.05, 0.2]),
                    l1_regularization_strength=r.choice([0.0, 0.001]),
                    l2_regularization_strength=r.choice([0.0, 0.01]))
    if name == "Lamb":
        return _obj("optimizers.Lamb", learning_rate=r.choice([0.002, 0.01]),
                    beta_1=r.choice([0.9, 0.8]))
    inner = _obj(r.choice(["optimizers.Adam", "optimizers.SGD"]), learning_rate=0.01)
    return _obj("optimizers.LossScaleOptimizer", inner_optimizer=inner,
                initial_scale=r.choice([2.0**15, 256.0]), dynamic_growth_steps=r.choice([2, 5]))


def _metric(r: random.Random, output: dict, activation: str) -> dict | None:
    task, classes = output["task"], output["classes"]
    if task == "binary":
        threshold = 0.0 if activation == "linear" else 0.5
        return r.choice([
            _obj("metrics.BinaryIoU", threshold=threshold),
            _obj("metrics.BinaryIoU", target_class_ids=[1], threshold=threshold),
            _obj("metrics.PrecisionAtRecall", recall=0.5, num_thresholds=50),
            _obj("metrics.RecallAtPrecision", precision=0.6),
            _obj("metrics.SensitivityAtSpecificity", specificity=0.5),
            _obj("metrics.SpecificityAtSensitivity", sensitivity=0.7, num_thresholds=20),
        ]) if activation != "linear" else _obj("metrics.BinaryIoU", threshold=threshold)
    if task == "sparse":
        return r.choice([_obj("metrics.MeanIoU", num_classes=classes, sparse_y_pred=False),
                         _obj("metrics.IoU", num_classes=classes, target_class_ids=[0],
                              sparse_y_pred=False)])
    if task == "categorical":
        return r.choice([_obj("metrics.OneHotMeanIoU", num_classes=classes),
                         _obj("metrics.OneHotIoU", num_classes=classes,
                              target_class_ids=[classes - 1])])
    if classes < 2:  # a correlation along one value is 0 / 0
        return None
    return r.choice([_obj("metrics.PearsonCorrelation"), _obj("metrics.ConcordanceCorrelation")])


def _loss(r: random.Random, output: dict, activation: str) -> dict | None:
    if output["task"] == "binary" and activation == "sigmoid":
        return r.choice([_obj("losses.Dice"), _obj("losses.Dice", axis=[1]),
                         _obj("losses.Tversky", alpha=0.3, beta=0.7)])
    if output["task"] == "sparse" and activation == "softmax":
        return _obj("losses.CategoricalGeneralizedCrossEntropy", q=r.choice([0.3, 0.7]))
    return None


def _activation(spec: dict, name: str) -> str:
    for layer in spec.get("layers", []) + spec.get("heads", []):
        if layer.get("config", {}).get("name") == name:
            return layer["config"].get("activation", "linear")
    return "linear"


def extend(spec: dict) -> dict:
    """Swap some of `spec`'s optimizer, losses and metrics for the new built-ins (in place).

    Args:
        spec: a spec from `generator.generate` whose seed is at least `FIRST_SEED`.

    Returns:
        The same spec.
    """
    r = random.Random(spec["seed"] * 7919 + 17)
    compile_args = spec["compile"]
    if r.random() < 0.5:
        compile_args["optimizer"] = _optimizer(r)
    by_output = isinstance(compile_args["metrics"], dict)
    for output in spec["outputs"]:
        activation = _activation(spec, output["name"])
        metric = _metric(r, output, activation) if r.random() < 0.7 else None
        if metric is not None:
            metrics = compile_args["metrics"][output["name"]] if by_output else (
                compile_args["metrics"])
            metrics.append(metric)
        loss = _loss(r, output, activation) if r.random() < 0.4 else None
        if loss is not None:
            if isinstance(compile_args["loss"], dict):
                compile_args["loss"][output["name"]] = loss
            elif len(spec["outputs"]) == 1:
                compile_args["loss"] = loss
    return spec
